import Autodiff
import DDLModel
import Layers
import Testing
import FastKernels
import TensorCore

/// Batch norm followed by PReLU is fused by the graph, not by the layers: batch norm's value
/// is held back, and the PReLU that consumes it runs with it as one kernel (training and
/// evaluation, forward and backward) when the kernel layer says so (`Float`, one slope).
/// Values and every gradient must be those of the two ops in turn, bit for bit.
@Suite("Batch norm + PReLU fused by the graph")
struct GraphFusionTests {
    /// A batch norm with non-trivial running statistics and affine parameters, and a PReLU.
    func layers<S: TensorScalar>(_: S.Type, channels: Int, seed: UInt64) -> (BatchNorm<S>, PReLU<S>) {
        var g = RandomGenerator(seed: seed)
        let bn = BatchNorm<S>(channels), p = PReLU<S>(initial: 0.3)
        bn.weight.assign(.normal([channels], generator: &g))
        bn.bias.assign(.normal([channels], generator: &g))
        bn.runningMean.value = .normal([channels], generator: &g)
        bn.runningVariance.value = Tensor.uniform([channels], low: 0.5, high: 2, generator: &g)
        return (bn, p)
    }

    /// The output and the gradients of x, γ, β and the slope, fused or (`separate`) with
    /// batch norm's value read before PReLU runs, which computes it and so leaves nothing to
    /// fuse.
    func run<S: TensorScalar>(
        _: S.Type, training: Bool, separate: Bool, alsoUseBatchNorm: Bool = false,
        shape: [Int] = [3, 6, 9, 11]
    ) -> (y: Tensor<S>, grads: [Tensor<S>?], profile: [String: KernelProfile.Entry]) {
        let (bn, p) = layers(S.self, channels: shape[1], seed: 41)
        var g = RandomGenerator(seed: 42)
        let x = Variable(Tensor<S>.normal(shape, generator: &g), requiresGrad: true)
        let dy = Tensor<S>.normal(shape, generator: &g)
        let mode: Mode = training ? .train(RandomSource(seed: 1)) : .eval
        let profile = KernelProfile()
        let y = profile.recording { () -> Variable<S> in
            let z = bn(x, mode: mode)
            if separate { _ = z.value }
            let out = p(z, mode: mode)
            let y = alsoUseBatchNorm ? out + S(2) * z : out
            y.backward(upstream: dy)
            return y
        }
        return (y.value, [x.grad, bn.weight.grad, bn.bias.grad, p.weight.grad], profile.snapshot)
    }

    /// Small, on the calling thread; and large enough (4·8·64·64) for the fused kernels to
    /// split their planes between two threads, with one thread and with two.
    static let fusionCases: [(shape: [Int], threads: Int)] = [
        ([3, 6, 9, 11], 2), ([4, 8, 64, 64], 1), ([4, 8, 64, 64], 2),
    ]

    @Test(arguments: [true, false], fusionCases)
    func fusedEqualsTheTwoOpsBitForBit(training: Bool, fusion: (shape: [Int], threads: Int)) {
        let (fused, separate) = KernelThreads.with(fusion.threads) {
            (run(Float.self, training: training, separate: false, shape: fusion.shape),
             run(Float.self, training: training, separate: true, shape: fusion.shape))
        }
        #expect(fused.profile["batch_norm_prelu"]?.calls == 1)
        #expect(fused.profile["batch_norm_prelu_backward"]?.calls == 1)
        #expect(fused.profile["prelu"] == nil && fused.profile["batch_norm"] == nil)
        #expect(separate.profile["batch_norm_prelu"] == nil && separate.profile["prelu"]?.calls == 1)
        #expect(fused.y == separate.y)
        for (a, b) in zip(fused.grads, separate.grads) {
            #expect(a != nil && a == b, "\(fusion.shape), \(fusion.threads) threads")
        }
    }

    @Test func aBatchNormOutputUsedTwiceStillGetsBothGradients() {
        // PReLU absorbs batch norm, and another op reads batch norm's value: the gradient of
        // x sums both paths (equal within rounding to the unfused graph, which adds them in
        // another order).
        let fused = run(Float.self, training: true, separate: false, alsoUseBatchNorm: true)
        let separate = run(Float.self, training: true, separate: true, alsoUseBatchNorm: true)
        #expect(fused.profile["batch_norm_prelu"]?.calls == 1)
        #expect(fused.y == separate.y)
        for (a, b) in zip(fused.grads, separate.grads) {
            #expect(compare(a!, b!, atol: 1e-5, rtol: 1e-5).passed)
        }
    }

    @Test func doubleRunsTheReferenceOpsUnfused() {
        let r = run(Double.self, training: true, separate: false)
        #expect(r.profile["batch_norm_prelu"] == nil)
        #expect(r.profile["prelu"]?.calls == 1)
    }

    @Test func inferenceRecordsNoGraphAndTrainingStillUpdatesStatistics() {
        let (bn, p) = layers(Float.self, channels: 4, seed: 43)
        var g = RandomGenerator(seed: 44)
        let x = Variable(Tensor<Float>.normal([2, 4, 5, 5], generator: &g))
        let eval = withoutGradients { p(bn(x, mode: .eval), mode: .eval) }
        #expect(eval.operation == "leaf")
        let before = bn.batchesTracked.value
        let training = withoutGradients { p(bn(x, mode: .train(RandomSource(seed: 1))), mode: .eval) }
        #expect(bn.batchesTracked.value == before + 1)
        #expect(training.shape == x.shape)
    }

    /// Conv2d (with bias) → batch norm (eval) → PReLU on `x`, without gradients; `read` reads
    /// the convolution's value before the batch norm runs (nothing left to merge), and
    /// `reuse` reads it after (the merged op has taken it, so it is computed again).
    func convolutionChain<S: TensorScalar>(_: S.Type, read: Bool, reuse: Bool = false) -> (
        y: Tensor<S>, conv: Tensor<S>?, profile: [String: KernelProfile.Entry]
    ) {
        var g = RandomGenerator(seed: 45)
        let conv = Conv2d<S>(5, 6, kernel: 3, stride: 1, padding: 1, bias: true, generator: &g)
        let (bn, p) = layers(S.self, channels: 6, seed: 46)
        let x = Variable(Tensor<S>.normal([2, 5, 14, 13], generator: &g))
        let profile = KernelProfile()
        var convValue: Tensor<S>? = nil
        let y = profile.recording {
            withoutGradients { () -> Tensor<S> in
                let h = conv(x, mode: .eval)
                if read { _ = h.value }
                let y = p(bn(h, mode: .eval), mode: .eval).value
                if reuse { convValue = h.value }
                return y
            }
        }
        return (y, convValue, profile.snapshot)
    }

    @Test func inferenceMergesConvolutionBatchNormAndPReLU() {
        let merged = convolutionChain(Float.self, read: false)
        let separate = convolutionChain(Float.self, read: true)
        #expect(merged.profile["conv2d_bn_prelu"]?.calls == 1)
        #expect(merged.profile["conv2d"] == nil && merged.profile["batch_norm_prelu"] == nil)
        #expect(separate.profile["conv2d"]?.calls == 1)
        #expect(separate.profile["batch_norm_prelu"]?.calls == 1)
        // The same maps, rounded differently (the batch norm folded into scale and shift).
        #expect(compare(merged.y, separate.y, atol: 1e-5, rtol: 1e-5).passed)
        #expect(merged.y.scalars.contains { $0 < 0 } && merged.y.scalars.contains { $0 > 0 })
        // Double runs the reference ops one by one.
        let double = convolutionChain(Double.self, read: false)
        #expect(double.profile["conv2d_bn_prelu"] == nil && double.profile["conv2d"]?.calls == 1)
        #expect(compare(merged.y, double.y, atol: 1e-4, rtol: 1e-4).passed)
    }

    @Test func aConvolutionReadAfterTheMergeIsComputedAgainCorrectly() {
        let r = convolutionChain(Float.self, read: false, reuse: true)
        let separate = convolutionChain(Float.self, read: true)
        #expect(r.profile["conv2d_bn_prelu"]?.calls == 1 && r.profile["conv2d"]?.calls == 1)
        #expect(r.y == convolutionChain(Float.self, read: false).y)
        // The convolution's own output, bias included, not the merged one.
        let reference = withoutGradients { () -> Tensor<Float> in
            var g = RandomGenerator(seed: 45)
            let conv = Conv2d<Float>(5, 6, kernel: 3, stride: 1, padding: 1, bias: true, generator: &g)
            let x = Variable(Tensor<Float>.normal([2, 5, 14, 13], generator: &g))
            return conv(x, mode: .eval).value
        }
        #expect(r.conv == reference)
        #expect(compare(separate.y, r.y, atol: 1e-5, rtol: 1e-5).passed)
    }

    @Test func trainingAndRecordedEvaluationDoNotMerge() {
        var g = RandomGenerator(seed: 47)
        let conv = Conv2d<Float>(3, 4, kernel: 3, stride: 1, padding: 1, bias: true, generator: &g)
        let (bn, p) = layers(Float.self, channels: 4, seed: 48)
        let x = Variable(Tensor<Float>.normal([2, 3, 8, 8], generator: &g), requiresGrad: true)
        for mode in [Mode.eval, .train(RandomSource(seed: 2))] {
            let profile = KernelProfile()
            profile.recording {
                let y = p(bn(conv(x, mode: mode), mode: mode), mode: mode)
                y.sum().backward()
            }
            let snapshot = profile.snapshot
            #expect(snapshot["conv2d"]?.calls == 1 && snapshot["conv2d_bn_prelu"] == nil)
            #expect(snapshot["batch_norm_prelu"]?.calls == 1)
            #expect(x.grad != nil && conv.weight.grad != nil)
            x.zeroGrad()
        }
    }
}
