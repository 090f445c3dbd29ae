import Testing
import FastKernels
import TensorCore

/// A convolution's epilogue (`ConvolutionEpilogue`): a folded evaluation batch norm and a
/// PReLU applied as the outputs are written, against the reference convolution, batch norm
/// and PReLU in turn, for every algorithm, with one and two threads, in Float and Double.
@Suite("Convolution epilogues against the reference ops in turn")
struct ConvolutionEpilogueTests {
    /// [N, C, H, W], Cout, kernel, stride, with and without a bias: unfolded (1×1 over large
    /// planes sample by sample, strided, grouped samples), F(2×2) and F(4×4) by the choice.
    static let cases: [([Int], Int, Int, Int, Bool)] = [
        ([2, 3, 7, 9], 4, 3, 1, true), ([3, 4, 33, 33], 3, 1, 1, true),
        ([5, 2, 13, 8], 2, 3, 2, false), ([4, 40, 12, 12], 8, 3, 1, true),
        ([2, 8, 9, 33], 5, 3, 1, false), ([2, 6, 12, 12], 7, 1, 1, false),
    ]

    /// A batch norm of `channels` with running statistics and affine parameters not 0 or 1.
    func norm<S: TensorScalar>(_: S.Type, _ channels: Int, _ g: inout RandomGenerator)
        -> ChannelNormalization<S>
    {
        let variance = Tensor<S>.uniform([channels], low: 0.5, high: 2, generator: &g)
        return ChannelNormalization(
            mean: Tensor<S>.normal([channels], generator: &g).scalars,
            invStd: variance.scalars.map { 1 / ($0 + S(1e-5)).squareRoot() },
            gamma: .normal([channels], generator: &g), beta: .normal([channels], generator: &g))
    }

    func check<S: TensorScalar>(_: S.Type, threads: Int, atol: Double, rtol: Double) {
        let reference = S.referenceKernels(split: .serial)
        for (shape, cout, k, stride, hasBias) in Self.cases {
            var g = RandomGenerator(seed: 71)
            let x = Tensor<S>.normal(shape, generator: &g)
            let w = Tensor<S>.normal([cout, shape[1], k, k], generator: &g)
            let b = hasBias ? Tensor<S>.normal([cout], generator: &g) : nil
            let n = norm(S.self, cout, &g)
            let slope = Tensor<S>(shape: [1], scalars: [S(0.25)])
            let c = ConvolutionSettings(stride: stride, padding: k / 2)
            let y = reference.conv2d(x, w, b, c)
            let bnY = reference.batchNormApply(y, n)
            let expected = reference.prelu(bnY, slope)
            let bn = ConvolutionEpilogue<S>.bias(b).followed(by: n)!
            let bnPReLU = bn.followed(byPReLU: slope.scalars[0])!
            for algorithm in ConvolutionAlgorithm.allCases {
                KernelThreads.with(threads) {
                    let label = "\(S.dtypeName) \(shape) k\(k) s\(stride) bias \(hasBias) "
                        + "\(algorithm) \(threads) threads"
                    let both = Tensor.conv2dFast(
                        x, weight: w, bias: nil, c, algorithm: algorithm, epilogue: bnPReLU)
                    let bnOnly = Tensor.conv2dFast(
                        x, weight: w, bias: nil, c, algorithm: algorithm, epilogue: bn)
                    let biasOnly = Tensor.conv2dFast(
                        x, weight: w, bias: nil, c, algorithm: algorithm, epilogue: .bias(b))
                    #expect(compare(both, expected, atol: atol, rtol: rtol).passed, "\(label)")
                    #expect(compare(bnOnly, bnY, atol: atol, rtol: rtol).passed, "\(label)")
                    #expect(compare(biasOnly, y, atol: atol, rtol: rtol).passed, "\(label)")
                    // The PReLU did act: some outputs are negative and scaled.
                    #expect(both.scalars.contains { $0 < 0 } && bnOnly.scalars.contains { $0 < 0 })
                }
            }
        }
    }

    @Test(arguments: [1, 2])
    func float(threads: Int) { check(Float.self, threads: threads, atol: 2e-4, rtol: 1e-4) }

    @Test(arguments: [1, 2])
    func double(threads: Int) { check(Double.self, threads: threads, atol: 1e-10, rtol: 1e-10) }

    @Test func handCase() {
        // A 1×1 convolution of one channel with weight 2, bias 1, on x = (1, −2): y = (3, −3).
        // Batch norm with μ = 1, 1/σ = 0.5, γ = 2, β = −1: (y − 1)·1 − 1 = (1, −5). PReLU
        // with slope 0.1: (1, −0.5). Folded: scale 1, shift (1 − 1)·1 − 1 = −1.
        let x = Tensor<Double>(shape: [1, 1, 1, 2], scalars: [1, -2])
        let w = Tensor<Double>(shape: [1, 1, 1, 1], scalars: [2])
        let b = Tensor<Double>(shape: [1], scalars: [1])
        let n = ChannelNormalization<Double>(
            mean: [1], invStd: [0.5], gamma: Tensor(shape: [1], scalars: [2]),
            beta: Tensor(shape: [1], scalars: [-1]))
        let e = ConvolutionEpilogue.bias(b).followed(by: n)!
        #expect(e.scale == [1] && e.shift == [-1] && e.slope == nil)
        let c = ConvolutionSettings(stride: 1, padding: 0)
        let y = Tensor.conv2dFast(
            x, weight: w, bias: nil, c, algorithm: .unfold, epilogue: e.followed(byPReLU: 0.1)!)
        #expect(y.scalars == [1, -0.5])
    }

    @Test func whatDoesNotFoldIsRefused() {
        let n = ChannelNormalization<Float>(
            mean: [0, 0], invStd: [1, 1], gamma: .ones([2]), beta: .zeros([2]))
        let bn = ConvolutionEpilogue<Float>.bias(nil).followed(by: n)!
        // A second batch norm, or one after a PReLU, is not one affine map; nor a second PReLU.
        #expect(bn.followed(by: n) == nil)
        #expect(ConvolutionEpilogue<Float>(slope: 0.2).followed(by: n) == nil)
        #expect(bn.followed(byPReLU: 0.2)!.followed(byPReLU: 0.3) == nil)
        // Statistics for another channel count than the bias's.
        let three = ChannelNormalization<Float>(
            mean: [0, 0, 0], invStd: [1, 1, 1], gamma: .ones([3]), beta: .zeros([3]))
        #expect(ConvolutionEpilogue<Float>(shift: [1, 2]).followed(by: three) == nil)
        #expect(ConvolutionEpilogue<Float>.bias(nil).isIdentity && !bn.isIdentity)
    }
}
