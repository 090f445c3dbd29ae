import Testing
import TensorCore

@testable import FastKernels

/// With two threads and few tiles, a Winograd convolution is shared by positions
/// (`WinogradSharing.positions`): both threads take each chunk, the transforms split by
/// channels and the products by tile positions, each product on one BLAS thread. Every value
/// is then computed by the same operations in the same order as on one thread, so the
/// forward pass and both gradients must equal the one-thread results bit for bit, whether
/// only one gradient is asked for or both, and over chunks that start and end inside samples.
/// The small shapes here force the sharing; the choice itself is checked at the model's.
@Suite("Winograd shared by positions")
struct WinogradSharingTests {
    typealias Result = (output: [Float], input: [Float]?, weight: [Float]?)

    /// The forward pass and the gradients asked for, by one plan.
    func run(
        _ x: Tensor<Float>, _ w: Tensor<Float>, _ dy: Tensor<Float>, _ plan: WinogradPlan,
        input: Bool, weight: Bool
    ) -> Result {
        var out = [Float](repeating: 0, count: dy.count)
        var dx = [Float](repeating: 0, count: input ? x.count : 0)
        var dw = [Float](repeating: 0, count: weight ? w.count : 0)
        x.scalars.withUnsafeBufferPointer { px in
            w.scalars.withUnsafeBufferPointer { pw in
                dy.scalars.withUnsafeBufferPointer { pdy in
                    out.withUnsafeMutableBufferPointer { po in
                        plan.forward(
                            x: px.baseAddress!, weight: pw.baseAddress!, out: po.baseAddress!)
                    }
                    dx.withUnsafeMutableBufferPointer { pdx in
                        dw.withUnsafeMutableBufferPointer { pdw in
                            plan.backward(
                                x: px.baseAddress!, weight: pw.baseAddress!, dy: pdy.baseAddress!,
                                dx: input ? pdx.baseAddress! : nil,
                                dw: weight ? pdw.baseAddress! : nil)
                        }
                    }
                }
            }
        }
        return (out, input ? dx : nil, weight ? dw : nil)
    }

    /// [N, C, H, W], output channels: one sample (never split by samples), an odd batch of
    /// small maps, and odd channel counts (halves of unequal size) on both sides.
    static let cases: [([Int], Int)] = [
        ([1, 5, 12, 12], 3), ([3, 3, 6, 7], 5), ([1, 8, 9, 13], 7), ([2, 1, 6, 6], 2),
    ]

    @Test(arguments: [WinogradTile.f2, .f4])
    func positionsGiveTheOneThreadBits(tile: WinogradTile) throws {
        var generator = RandomGenerator(seed: 71)
        for (shape, cout) in Self.cases {
            let x = Tensor<Float>.normal(shape, generator: &generator)
            let w = Tensor<Float>.normal([cout, shape[1], 3, 3], generator: &generator)
            let g = try Conv2dGeometry(input: shape, weight: w.shape, stride: 1, padding: 1)
            let dy = Tensor<Float>.normal(g.outputShape, generator: &generator)
            let reference = Float.referenceKernels(split: .serial)
                .conv2d(x, w, nil, ConvolutionSettings(stride: 1, padding: 1))
            for units in [1, 2, nil] {
                for (input, weight) in [(true, true), (true, false), (false, true)] {
                    let chunk = units.map(String.init) ?? "default"
                    let label = "\(shape) → \(cout), \(tile), \(chunk) units per chunk, "
                        + "input \(input), weight \(weight)"
                    let one = KernelThreads.with(1) { () -> Result in
                        let plan = WinogradPlan(g, tile: tile, unitsPerChunk: units)
                        #expect(plan.sharing == .none, "\(label)")
                        return run(x, w, dy, plan, input: input, weight: weight)
                    }
                    let two = KernelThreads.with(2) { () -> Result in
                        let plan = WinogradPlan(
                            g, tile: tile, unitsPerChunk: units, sharing: .positions)
                        return run(x, w, dy, plan, input: input, weight: weight)
                    }
                    func bits(_ v: [Float]?) -> [UInt32]? { v?.map(\.bitPattern) }
                    #expect(bits(two.output) == bits(one.output), "\(label): output")
                    #expect(bits(two.input) == bits(one.input), "\(label): input gradient")
                    #expect(bits(two.weight) == bits(one.weight), "\(label): weight gradient")
                    // The results are the convolution's, and not all zero.
                    let output = Tensor(shape: g.outputShape, scalars: two.output)
                    #expect(compare(output, reference, atol: 1e-4, rtol: 1e-4).passed, "\(label)")
                    #expect((two.input ?? two.weight ?? []).contains { $0 != 0 }, "\(label)")
                }
            }
        }
    }

    @Test func theChoiceAtTheModelsShapes() throws {
        func sharing(_ input: [Int], _ cout: Int, _ tile: WinogradTile) throws -> WinogradSharing {
            let g = try Conv2dGeometry(
                input: input, weight: [cout, input[1], 3, 3], stride: 1, padding: 1)
            return KernelThreads.with(2) { WinogradPlan(g, tile: tile).sharing }
        }
        // The paper preset at batch 16: many tiles split by samples; the deepest maps, whose
        // two weight-gradient sums would not fit the cache, by positions.
        #expect(try sharing([16, 64, 90, 90], 64, .f4) == .samples)
        #expect(try sharing([16, 128, 23, 23], 256, .f4) == .samples)
        #expect(try sharing([16, 256, 12, 12], 256, .f4) == .samples)  // sums of 18 MiB
        #expect(try sharing([16, 256, 12, 12], 512, .f4) == .positions)  // 36 MiB
        #expect(try sharing([16, 512, 6, 6], 512, .f2) == .positions)  // 32 MiB
        // One sample of the paper's deep maps: by positions; a tiny one: one thread.
        #expect(try sharing([1, 512, 6, 6], 512, .f2) == .positions)
        #expect(try sharing([1, 8, 9, 9], 8, .f2) == .none)
        // One thread allowed: one thread.
        let g = try Conv2dGeometry(
            input: [16, 512, 6, 6], weight: [512, 512, 3, 3], stride: 1, padding: 1)
        #expect(KernelThreads.with(1) { WinogradPlan(g, tile: .f2).sharing } == .none)
    }

    @Test func sharesSplitARangeIntoConsecutiveParts() {
        for n in [0, 1, 2, 5, 16, 36] {
            for parts in [1, 2, 3] {
                let pieces = (0..<parts).map { share(3..<(3 + n), part: $0, of: parts) }
                #expect(pieces.flatMap { Array($0) } == Array(3..<(3 + n)), "\(n) in \(parts)")
                let sizes = pieces.map(\.count)
                #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1, "\(n) in \(parts): \(sizes)")
            }
        }
    }
}
