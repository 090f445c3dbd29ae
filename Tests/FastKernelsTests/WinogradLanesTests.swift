import Testing
import TensorCore

@testable import FastKernels

/// Float's tile transforms run eight or four tiles at a time (`WinogradLanes`): the same sums
/// as one tile at a time, so the forward pass and both gradients must be equal bit for bit
/// (signed zeros included), on tile rows of exactly eight tiles, of more and of four to
/// seven (the last block overlapping), and of fewer than four (scalar).
@Suite("Winograd transforms in lanes")
struct WinogradLanesTests {
    typealias Result = (output: [Float], input: [Float], weight: [Float])

    /// Forward, input and weight gradients of one plan, with or without lanes.
    func run(
        _ x: Tensor<Float>, _ w: Tensor<Float>, _ dy: Tensor<Float>, _ g: Conv2dGeometry,
        tile: WinogradTile, lanes: Bool
    ) -> Result {
        let plan = WinogradPlan(g, tile: tile, vectorLanes: lanes)
        var out = [Float](repeating: 0, count: dy.count)
        var dx = [Float](repeating: 0, count: x.count)
        var dw = [Float](repeating: 0, count: w.count)
        x.scalars.withUnsafeBufferPointer { px in
            w.scalars.withUnsafeBufferPointer { pw in
                dy.scalars.withUnsafeBufferPointer { pdy in
                    out.withUnsafeMutableBufferPointer { po in
                        plan.forward(x: px.baseAddress!, weight: pw.baseAddress!, out: po.baseAddress!)
                    }
                    dx.withUnsafeMutableBufferPointer { pdx in
                        dw.withUnsafeMutableBufferPointer { pdw in
                            plan.backward(
                                x: px.baseAddress!, weight: pw.baseAddress!, dy: pdy.baseAddress!,
                                dx: pdx.baseAddress!, dw: pdw.baseAddress!)
                        }
                    }
                }
            }
        }
        return (out, dx, dw)
    }

    /// [N, C, H, W], output channels, padding: output widths 37, 16, 17, 7, 11, 13, 23, 28,
    /// 45, 6 and 9, so F(2×2, 3×3) rows of 19, 8, 9, 4, 6, 7, 12, 14, 23, 3 and 5 tiles and
    /// F(4×4, 3×3) rows of 10, 4, 5, 2, 3, 4, 6, 7, 12, 2 and 3 (its row stage runs on one
    /// more): blocks of eight and of four, overlapping ends, and rows too short for lanes.
    static let cases: [([Int], Int, Int)] = [
        ([2, 3, 11, 37], 4, 1), ([1, 5, 18, 18], 3, 0), ([3, 2, 9, 17], 2, 1),
        ([2, 4, 7, 9], 3, 0), ([1, 2, 6, 11], 2, 1), ([1, 3, 5, 13], 2, 1),
        ([2, 2, 7, 25], 3, 0), ([1, 2, 6, 28], 2, 1), ([1, 2, 5, 47], 2, 0),
        ([1, 3, 6, 6], 2, 1), ([2, 2, 5, 11], 3, 0),
    ]

    @Test(arguments: [WinogradTile.f2, .f4])
    func lanesGiveTheSameBitsAsOneTileAtATime(tile: WinogradTile) throws {
        var generator = RandomGenerator(seed: 53)
        for (shape, cout, padding) in Self.cases {
            let x = Tensor<Float>.normal(shape, generator: &generator)
            let w = Tensor<Float>.normal([cout, shape[1], 3, 3], generator: &generator)
            let g = try Conv2dGeometry(
                input: shape, weight: w.shape, stride: 1, padding: padding)
            // Exact zeros in the upstream gradient too, whose negations must keep their sign.
            let normal = Tensor<Float>.normal(g.outputShape, generator: &generator)
            let dy = Tensor(
                shape: g.outputShape,
                scalars: normal.scalars.enumerated().map { $0.offset % 3 == 0 ? 0 : $0.element })
            let a = run(x, w, dy, g, tile: tile, lanes: true)
            let b = run(x, w, dy, g, tile: tile, lanes: false)
            let label = "\(shape) → \(cout), padding \(padding), \(tile)"
            func bits(_ v: [Float]) -> [UInt32] { v.map { $0.bitPattern } }
            #expect(bits(a.output) == bits(b.output), "\(label): output")
            #expect(bits(a.input) == bits(b.input), "\(label): input gradient")
            #expect(bits(a.weight) == bits(b.weight), "\(label): weight gradient")
            // Not all zero: the comparison compares something.
            #expect(a.output.contains { $0 != 0 } && a.input.contains { $0 != 0 }, "\(label)")
            #expect(a.output.allSatisfy { $0.isFinite } && a.weight.allSatisfy { $0.isFinite })
        }
    }
}
