import Testing
import FastKernels
import TensorCore

/// The Winograd F(2×2, 3×3) path (3×3 stride-1 kernels on maps of 8×8 or more) against a
/// hand-computed case and against the unfolding path, forward and both gradients.
@Suite("Winograd convolution")
struct WinogradTests {
    typealias Gradients<S: TensorScalar> = (output: Tensor<S>, input: Tensor<S>, weight: Tensor<S>)

    /// The fast convolution with the given algorithm, or as `KernelChoice` picks it (nil).
    func run<S: TensorScalar>(
        _ algorithm: ConvolutionAlgorithm?, x: Tensor<S>, w: Tensor<S>, dy: Tensor<S>, padding: Int
    ) -> Gradients<S> {
        let c = ConvolutionSettings(stride: 1, padding: padding)
        let chosen = algorithm ?? KernelChoice.convolution(
            Conv2dGeometry.checked(x, weight: w, bias: nil, c))
        let y = Tensor.conv2dFast(x, weight: w, bias: nil, c, algorithm: chosen)
        let g = Tensor.conv2dBackwardFast(x, weight: w, upstream: dy, c, [.input, .weight], algorithm: chosen)
        return (y, g.input!, g.weight!)
    }

    @Test func onesCountTheValidNeighbours() {
        // All-ones 8×8 input and kernel, padding 1: each output counts its in-bounds
        // neighbours (4 at corners, 6 on edges, 9 inside); with an all-ones upstream, the input
        // gradient is the same picture and the weight gradient counts the outputs whose
        // tap (i, j) is inside: (8 − |i − 1|)·(8 − |j − 1|).
        let x = Tensor<Double>.ones([1, 1, 8, 8]), w = Tensor<Double>.ones([1, 1, 3, 3])
        let r = run(.winograd, x: x, w: w, dy: .ones([1, 1, 8, 8]), padding: 1)
        var expected = [Double](repeating: 0, count: 64)
        for y in 0..<8 {
            for x in 0..<8 {
                expected[y * 8 + x] = Double((y == 0 || y == 7 ? 2 : 3) * (x == 0 || x == 7 ? 2 : 3))
            }
        }
        #expect(r.output.scalars == expected)
        #expect(r.input.scalars == expected)
        #expect(r.weight.scalars == [49, 56, 49, 56, 64, 56, 49, 56, 49])
    }

    @Test(arguments: [
        // [N, C, H, W], Cout, padding: odd sizes (part tiles), no padding, one sample (one
        // worker), odd batches (uneven split), and enough tiles for several chunks.
        ([2, 3, 8, 8], 4, 1), ([3, 2, 11, 9], 5, 1), ([1, 4, 10, 12], 3, 0), ([5, 1, 13, 8], 2, 1),
        ([2, 3, 40, 37], 2, 1), ([3, 6, 12, 12], 7, 2),
    ])
    func matchesUnfoldingInDouble(shape: [Int], outChannels: Int, padding: Int) {
        var g = RandomGenerator(seed: 11)
        let x = Tensor<Double>.normal(shape, generator: &g)
        let w = Tensor<Double>.normal([outChannels, shape[1], 3, 3], generator: &g)
        let out = [shape[0], outChannels, shape[2] + 2 * padding - 2, shape[3] + 2 * padding - 2]
        let dy = Tensor<Double>.normal(out, generator: &g)
        let a = run(.winograd, x: x, w: w, dy: dy, padding: padding)
        let b = run(.unfold, x: x, w: w, dy: dy, padding: padding)
        #expect(a.output.shape == out)
        #expect(compare(a.output, b.output, atol: 1e-12, rtol: 1e-12).passed)
        #expect(compare(a.input, b.input, atol: 1e-12, rtol: 1e-12).passed)
        #expect(compare(a.weight, b.weight, atol: 1e-12, rtol: 1e-12).passed)
        // The Winograd path was taken: the two round differently.
        #expect(a.output.scalars != b.output.scalars)
    }

    @Test func matchesUnfoldingInFloatAtAModelShape() {
        var g = RandomGenerator(seed: 12)
        // 32 input channels on a 23×23 map: Winograd chosen automatically.
        let x = Tensor<Float>.normal([4, 32, 23, 23], generator: &g)
        let w = Tensor<Float>.kaimingUniform([32, 32, 3, 3], generator: &g)
        let dy = Tensor<Float>.normal([4, 32, 23, 23], generator: &g)
        let a = run(nil, x: x, w: w, dy: dy, padding: 1)
        let b = run(.unfold, x: x, w: w, dy: dy, padding: 1)
        #expect(compare(a.output, b.output, atol: 1e-5, rtol: 1e-4).passed)
        #expect(compare(a.input, b.input, atol: 1e-5, rtol: 1e-4).passed)
        #expect(compare(a.weight, b.weight, atol: 1e-4, rtol: 1e-4).passed)
        #expect(a.output.scalars != b.output.scalars)
    }

    @Test func isDeterministic() {
        var g = RandomGenerator(seed: 13)
        let x = Tensor<Float>.normal([6, 8, 30, 30], generator: &g)
        let w = Tensor<Float>.normal([8, 8, 3, 3], generator: &g)
        let dy = Tensor<Float>.normal([6, 8, 30, 30], generator: &g)
        let a = run(.winograd, x: x, w: w, dy: dy, padding: 1)
        let b = run(.winograd, x: x, w: w, dy: dy, padding: 1)
        #expect(a.output.scalars == b.output.scalars)
        #expect(a.input.scalars == b.input.scalars)
        #expect(a.weight.scalars == b.weight.scalars)
    }
}
