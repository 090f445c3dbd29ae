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
        _: S.Type, training: Bool, separate: Bool, alsoUseBatchNorm: Bool = false
    ) -> (y: Tensor<S>, grads: [Tensor<S>?], profile: [String: KernelProfile.Entry]) {
        let (bn, p) = layers(S.self, channels: 6, seed: 41)
        var g = RandomGenerator(seed: 42)
        let x = Variable(Tensor<S>.normal([3, 6, 9, 11], generator: &g), requiresGrad: true)
        let dy = Tensor<S>.normal([3, 6, 9, 11], generator: &g)
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

    @Test(arguments: [true, false])
    func fusedEqualsTheTwoOpsBitForBit(training: Bool) {
        let fused = run(Float.self, training: training, separate: false)
        let separate = run(Float.self, training: training, separate: true)
        #expect(fused.profile["batch_norm_prelu"]?.calls == 1)
        #expect(fused.profile["batch_norm_prelu_backward"]?.calls == 1)
        #expect(fused.profile["prelu"] == nil && fused.profile["batch_norm"] == nil)
        #expect(separate.profile["batch_norm_prelu"] == nil && separate.profile["prelu"]?.calls == 1)
        #expect(fused.y == separate.y)
        for (a, b) in zip(fused.grads, separate.grads) {
            #expect(a != nil && a == b)
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
}
