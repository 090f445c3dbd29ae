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

    /// The row helpers of F(4×4, 3×3) move Float sixteen scalars at a time (a 4×4 block
    /// transposed) and add eight at a time; Double runs them one scalar at a time. Both must
    /// give what the definitions say, on rows whose interior holds no, one, several and a
    /// partial block, with and without a leading padding column.
    @Test func rowHelpersMatchTheirDefinitionInFloatAndDouble() {
        for width in [1, 3, 4, 7, 15, 16, 17, 33, 47, 90] {
            for offset in [0, -1] {
                let count = (width - offset + 3) / 4 + 1
                let row = (0..<width).map { Float($0 + 1) * 0.5 }
                // Column offset + 4m + q in phase q at m, zero outside the row.
                var expected = [Float](repeating: 0, count: 4 * count)
                for m in 0..<count {
                    for q in 0..<4 where 4 * m + q + offset >= 0 && 4 * m + q + offset < width {
                        expected[q * count + m] = row[4 * m + q + offset]
                    }
                }
                var float = [Float](repeating: .nan, count: 4 * count)
                var double = [Double](repeating: .nan, count: 4 * count)
                row.withUnsafeBufferPointer { r in
                    float.withUnsafeMutableBufferPointer { p in
                        deinterleave4(
                            r.baseAddress!, width: width, offset: offset, count: count,
                            into: p.baseAddress!, stride: count)
                    }
                }
                row.map(Double.init).withUnsafeBufferPointer { r in
                    double.withUnsafeMutableBufferPointer { p in
                        deinterleave4(
                            r.baseAddress!, width: width, offset: offset, count: count,
                            into: p.baseAddress!, stride: count)
                    }
                }
                #expect(float == expected, "deinterleave4 Float, width \(width), offset \(offset)")
                #expect(double == expected.map(Double.init), "deinterleave4 Double, width \(width)")
            }
            // interleave4: phases back to columns 4m + b, dropping columns past the row.
            let stride = (width + 3) / 4 + 2
            let phases = (0..<(4 * stride)).map { Float($0) - 7 }
            var expected = [Float](repeating: 0, count: width)
            for i in 0..<width { expected[i] = phases[(i % 4) * stride + i / 4] }
            var float = [Float](repeating: .nan, count: width + 3)
            var double = [Double](repeating: .nan, count: width + 3)
            phases.withUnsafeBufferPointer { p in
                float.withUnsafeMutableBufferPointer {
                    interleave4(p.baseAddress!, stride: stride, into: $0.baseAddress!, width: width)
                }
            }
            phases.map(Double.init).withUnsafeBufferPointer { p in
                double.withUnsafeMutableBufferPointer {
                    interleave4(p.baseAddress!, stride: stride, into: $0.baseAddress!, width: width)
                }
            }
            #expect(Array(float.prefix(width)) == expected, "interleave4 Float, width \(width)")
            #expect(Array(double.prefix(width)) == expected.map(Double.init), "interleave4 Double")
            #expect(float.suffix(3).allSatisfy { $0.isNaN }, "interleave4 wrote past width \(width)")
            // addInto: a[i] + b[i] for i < count, nothing after.
            var a = (0..<(width + 2)).map { Float($0) * 0.25 }
            let b = (0..<(width + 2)).map { 3 - Float($0) }
            let sums = zip(a, b).prefix(width).map { $0 + $1 } + a.suffix(2)
            b.withUnsafeBufferPointer { pb in
                a.withUnsafeMutableBufferPointer {
                    addInto($0.baseAddress!, pb.baseAddress!, count: width)
                }
            }
            #expect(a == sums, "addInto Float, count \(width)")
        }
    }
}
