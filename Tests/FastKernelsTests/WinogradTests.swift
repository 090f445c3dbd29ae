import Testing
import FastKernels
import TensorCore

/// The Winograd paths, F(2×2, 3×3) and F(4×4, 3×3), against a hand-computed case and against
/// the unfolding path, forward and both gradients.
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

    static let winograds: [ConvolutionAlgorithm] = [.winograd, .winograd4x4]

    @Test(arguments: winograds)
    func onesCountTheValidNeighbours(algorithm: ConvolutionAlgorithm) {
        // All-ones 8×8 input and kernel, padding 1: each output counts its in-bounds
        // neighbours (4 at corners, 6 on edges, 9 inside); with an all-ones upstream, the input
        // gradient is the same picture and the weight gradient counts the outputs whose
        // tap (i, j) is inside: (8 − |i − 1|)·(8 − |j − 1|).
        let x = Tensor<Double>.ones([1, 1, 8, 8]), w = Tensor<Double>.ones([1, 1, 3, 3])
        let r = run(algorithm, x: x, w: w, dy: .ones([1, 1, 8, 8]), padding: 1)
        var expected = [Double](repeating: 0, count: 64)
        for y in 0..<8 {
            for x in 0..<8 {
                expected[y * 8 + x] = Double((y == 0 || y == 7 ? 2 : 3) * (x == 0 || x == 7 ? 2 : 3))
            }
        }
        // F(2×2, 3×3)'s matrices hold only 0, ±1 and ½: its sums are exact. F(4×4, 3×3)'s
        // sixths and twenty-fourths round, by a few units in the last place.
        let exact = algorithm == .winograd ? 0.0 : 1e-13
        let weights: [Double] = [49, 56, 49, 56, 64, 56, 49, 56, 49]
        #expect(compare(r.output, Tensor(shape: [1, 1, 8, 8], scalars: expected), atol: exact, rtol: exact).passed)
        #expect(compare(r.input, Tensor(shape: [1, 1, 8, 8], scalars: expected), atol: exact, rtol: exact).passed)
        #expect(compare(r.weight, Tensor(shape: [1, 1, 3, 3], scalars: weights), atol: exact, rtol: exact).passed)
    }

    /// [N, C, H, W], Cout, padding: odd sizes (part tiles of both sizes: 9, 10, 11 and 13
    /// leave 1, 2 or 3 columns of the last 4×4 tile), no padding, one sample (one worker), odd
    /// batches (uneven split), maps smaller than one 4×4 tile, and enough tiles for several
    /// chunks.
    static let doubleCases: [([Int], Int, Int)] = [
        ([2, 3, 8, 8], 4, 1), ([3, 2, 11, 9], 5, 1), ([1, 4, 10, 12], 3, 0), ([5, 1, 13, 8], 2, 1),
        ([2, 3, 40, 37], 2, 1), ([3, 6, 12, 12], 7, 2), ([2, 2, 3, 5], 3, 1), ([1, 2, 6, 7], 2, 0),
    ]

    @Test(arguments: winograds)
    func matchesUnfoldingInDouble(algorithm: ConvolutionAlgorithm) {
        for (shape, outChannels, padding) in Self.doubleCases {
            matchesUnfolding(algorithm, shape: shape, outChannels: outChannels, padding: padding)
        }
    }

    func matchesUnfolding(
        _ algorithm: ConvolutionAlgorithm, shape: [Int], outChannels: Int, padding: Int
    ) {
        var g = RandomGenerator(seed: 11)
        let x = Tensor<Double>.normal(shape, generator: &g)
        let w = Tensor<Double>.normal([outChannels, shape[1], 3, 3], generator: &g)
        let out = [shape[0], outChannels, shape[2] + 2 * padding - 2, shape[3] + 2 * padding - 2]
        let dy = Tensor<Double>.normal(out, generator: &g)
        let a = run(algorithm, x: x, w: w, dy: dy, padding: padding)
        let b = run(.unfold, x: x, w: w, dy: dy, padding: padding)
        let label = "\(algorithm) \(shape) → \(outChannels), padding \(padding)"
        #expect(a.output.shape == out, "\(label)")
        #expect(compare(a.output, b.output, atol: 1e-12, rtol: 1e-12).passed, "\(label)")
        #expect(compare(a.input, b.input, atol: 1e-12, rtol: 1e-12).passed, "\(label)")
        #expect(compare(a.weight, b.weight, atol: 1e-12, rtol: 1e-12).passed, "\(label)")
        // The Winograd path was taken: the two round differently.
        #expect(a.output.scalars != b.output.scalars, "\(label)")
    }

    @Test func matchesUnfoldingInFloatAtAModelShape() {
        var g = RandomGenerator(seed: 12)
        // 32 input channels on a 23×23 map, F(2×2, 3×3) (the choice there is F(4×4, 3×3),
        // held to its own tolerance below).
        let x = Tensor<Float>.normal([4, 32, 23, 23], generator: &g)
        let w = Tensor<Float>.kaimingUniform([32, 32, 3, 3], generator: &g)
        let dy = Tensor<Float>.normal([4, 32, 23, 23], generator: &g)
        let a = run(.winograd, x: x, w: w, dy: dy, padding: 1)
        let b = run(.unfold, x: x, w: w, dy: dy, padding: 1)
        #expect(compare(a.output, b.output, atol: 1e-5, rtol: 1e-4).passed)
        #expect(compare(a.input, b.input, atol: 1e-5, rtol: 1e-4).passed)
        #expect(compare(a.weight, b.weight, atol: 1e-4, rtol: 1e-4).passed)
        #expect(a.output.scalars != b.output.scalars)
    }

    @Test func f4x4MatchesTheDoubleResultInFloatAtTheModelsShapes() {
        // F(4×4, 3×3)'s sixths and twenty-fourths and its ±8 in Aᵀ make its Float results
        // rougher than unfolding's or F(2×2, 3×3)'s: measured here, the largest error over
        // each result is 0.3–1.0·10⁻⁵ of the result's largest magnitude (unfolding and
        // F(2×2, 3×3): 2–8·10⁻⁷). The check: within 2·10⁻⁵ of that magnitude, against
        // the Double result of the same Float inputs, and at most 60 times unfolding's error.
        for (shape, cout) in [([2, 64, 45, 45], 64), ([2, 128, 23, 23], 128), ([2, 256, 12, 12], 96)] {
            var g = RandomGenerator(seed: 14)
            let x = Tensor<Float>.normal(shape, generator: &g)
            let w = Tensor<Float>.kaimingUniform([cout, shape[1], 3, 3], generator: &g)
            let dy = Tensor<Float>.normal([shape[0], cout, shape[2], shape[3]], generator: &g)
            let exact = run(
                .unfold, x: x.converted(to: Double.self), w: w.converted(to: Double.self),
                dy: dy.converted(to: Double.self), padding: 1)
            let a = run(.winograd4x4, x: x, w: w, dy: dy, padding: 1)
            let b = run(.unfold, x: x, w: w, dy: dy, padding: 1)
            for (name, fast, unfolded, truth) in [
                ("output", a.output, b.output, exact.output), ("input", a.input, b.input, exact.input),
                ("weight", a.weight, b.weight, exact.weight),
            ] {
                let scale = truth.scalars.map(abs).max() ?? 0
                let worst = zip(fast.scalars, truth.scalars).map { abs(Double($0) - $1) }.max() ?? .nan
                let unfoldError = zip(unfolded.scalars, truth.scalars).map { abs(Double($0) - $1) }.max() ?? .nan
                #expect(scale > 0 && worst <= 2e-5 * scale, "\(name) \(shape): \(worst / scale) of the scale")
                #expect(worst <= 60 * unfoldError, "\(name) \(shape): \(worst) vs unfolding's \(unfoldError)")
                #expect(fast.scalars.allSatisfy { $0.isFinite })
            }
        }
    }

    @Test(arguments: winograds)
    func isDeterministic(algorithm: ConvolutionAlgorithm) {
        var g = RandomGenerator(seed: 13)
        let x = Tensor<Float>.normal([6, 8, 30, 30], generator: &g)
        let w = Tensor<Float>.normal([8, 8, 3, 3], generator: &g)
        let dy = Tensor<Float>.normal([6, 8, 30, 30], generator: &g)
        let a = run(algorithm, x: x, w: w, dy: dy, padding: 1)
        let b = run(algorithm, x: x, w: w, dy: dy, padding: 1)
        #expect(a.output.scalars == b.output.scalars)
        #expect(a.input.scalars == b.input.scalars)
        #expect(a.weight.scalars == b.weight.scalars)
    }
}
