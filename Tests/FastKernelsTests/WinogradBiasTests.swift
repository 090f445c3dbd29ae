import Testing
import TensorCore

@testable import FastKernels

/// A Winograd convolution adds its bias chunk by chunk, to the output rows each chunk has
/// just written (`WinogradPlan.addBias`). Chunks of one to five tile rows start and end inside
/// samples and cross from one sample to the next; with one worker and with two. Every
/// output must get its bias exactly once: the result equals, bit for bit, the convolution
/// without bias followed by one addition per element, and it matches the reference kernel.
@Suite("Winograd bias, chunk by chunk")
struct WinogradBiasTests {
    /// The plan's forward pass of `x` with `w` and an optional bias.
    func forward<S: TensorElement>(
        _ x: Tensor<S>, _ w: Tensor<S>, _ b: Tensor<S>?, _ plan: WinogradPlan
    ) -> [S] {
        var out = [S](repeating: 0, count: plan.g.outputShape.reduce(1, *))
        x.scalars.withUnsafeBufferPointer { px in
            w.scalars.withUnsafeBufferPointer { pw in
                (b?.scalars ?? []).withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { po in
                        plan.forward(
                            x: px.baseAddress!, weight: pw.baseAddress!,
                            epilogue: b.map { .bias($0) }, out: po.baseAddress!)
                    }
                }
            }
        }
        return out
    }

    @Test(arguments: [WinogradTile.f2, .f4], [1, 2])
    func everyOutputGetsItsBiasOnce(tile: WinogradTile, threads: Int) throws {
        var generator = RandomGenerator(seed: 61)
        // 8 samples of 16×17: F(2×2) 8 tile rows of 9 tiles per sample, F(4×4) 4 rows of 5;
        // 576 and 160 tiles, enough for two workers.
        let shape = [8, 3, 16, 17], cout = 5
        let x = Tensor<Float>.normal(shape, generator: &generator)
        let w = Tensor<Float>.normal([cout, 3, 3, 3], generator: &generator)
        let b = Tensor<Float>.normal([cout], generator: &generator)
        let g = try Conv2dGeometry(input: shape, weight: w.shape, stride: 1, padding: 1)
        let plane = g.outHeight * g.outWidth
        let reference = Float.referenceKernels(split: .serial)
            .conv2d(x, w, b, ConvolutionSettings(stride: 1, padding: 1))
        for units in [1, 2, 3, 5, nil] {
            KernelThreads.with(threads) {
                let plan = WinogradPlan(g, tile: tile, unitsPerChunk: units)
                let label = "\(tile), \(units.map(String.init) ?? "default") units per chunk, "
                    + "shared by \(plan.sharing)"
                let withBias = forward(x, w, b, plan)
                let without = forward(x, w, nil, plan)
                let added = without.enumerated().map { i, v in v + b.scalars[(i / plane) % cout] }
                let differing = zip(withBias, added).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(
                    withBias.count == added.count && differing == 0,
                    "\(label): \(differing) outputs without exactly one addition of their bias")
                let result = compare(
                    Tensor(shape: g.outputShape, scalars: withBias), reference,
                    atol: 2e-4, rtol: 1e-4)
                #expect(result.passed, "\(label): against the reference")
                // Two workers split the samples where two threads are allowed.
                #expect(plan.sharing == (threads == 2 ? .samples : .none), "\(label)")
            }
        }
    }
}
