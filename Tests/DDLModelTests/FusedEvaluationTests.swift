import Autodiff
import DDLModel
import Layers
import Testing
import FastKernels
import TensorCore

/// Batch norm followed by PReLU runs as one pass in evaluation when nothing is
/// differentiated; the values must be those of the two layers in turn, bit for bit, and
/// training or differentiation must still record both ops.
@Suite("Batch norm + PReLU in one pass for evaluation")
struct FusedEvaluationTests {
    /// A batch norm with non-trivial running statistics and affine parameters, and a PReLU.
    func layers(channels: Int, seed: UInt64) -> (BatchNorm<Float>, PReLU<Float>) {
        var g = RandomGenerator(seed: seed)
        let bn = BatchNorm<Float>(channels), p = PReLU<Float>(initial: 0.3)
        bn.weight.assign(.normal([channels], generator: &g))
        bn.bias.assign(.normal([channels], generator: &g))
        bn.runningMean.value = .normal([channels], generator: &g)
        bn.runningVariance.value = Tensor.uniform([channels], low: 0.5, high: 2, generator: &g)
        return (bn, p)
    }

    @Test func sequentialAndHelperGiveTheTwoLayersValues() {
        let (bn, p) = layers(channels: 6, seed: 41)
        var g = RandomGenerator(seed: 42)
        let x = Variable(Tensor<Float>.normal([3, 6, 9, 11], generator: &g))
        let separate = withoutGradients { p(bn(x, mode: .eval), mode: .eval) }
        let helper = withoutGradients { batchNormThenPReLU(bn, p, x, mode: .eval) }
        let sequential = withoutGradients { Sequential<Float>([("bn", bn), ("prelu", p)])(x, mode: .eval) }
        #expect(helper.value.scalars == separate.value.scalars)
        #expect(sequential.value.scalars == separate.value.scalars)
        #expect(helper.operation == "leaf")  // one pass, no graph
        // The kernel ran: the profile names it.
        let profile = KernelProfile()
        profile.recording { _ = withoutGradients { batchNormThenPReLU(bn, p, x, mode: .eval) } }
        #expect(profile.snapshot["batch_norm_prelu"]?.calls == 1)
        #expect(profile.snapshot["prelu"] == nil)
    }

    @Test func gradientsAndTrainingStillRecordBothOps() {
        let (bn, p) = layers(channels: 4, seed: 43)
        var g = RandomGenerator(seed: 44)
        let x = Variable(Tensor<Float>.normal([2, 4, 5, 5], generator: &g), requiresGrad: true)
        let evalWithGradients = batchNormThenPReLU(bn, p, x, mode: .eval)
        #expect(evalWithGradients.operation == "prelu")
        evalWithGradients.backward(upstream: .ones(evalWithGradients.shape))
        #expect(p.weight.grad != nil && x.grad != nil)
        let before = bn.batchesTracked.value
        let training = withoutGradients { batchNormThenPReLU(bn, p, x, mode: .train(RandomSource(seed: 1))) }
        #expect(bn.batchesTracked.value == before + 1)  // batch statistics: not the fused path
        #expect(training.shape == x.shape)
    }
}
