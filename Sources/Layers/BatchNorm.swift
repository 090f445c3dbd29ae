import Autodiff
import FastKernels
import TensorCore

/// Batch normalisation over axis 1 (BatchNorm2d on `[N, C, H, W]`, BatchNorm1d on `[N, C]`):
/// `weight`, `bias`; buffers `running_mean`, `running_var`, `num_batches_tracked`.
/// Momentum 0.1, eps 1e-5, unbiased running variance (PyTorch semantics).
public struct BatchNorm<Scalar: TensorScalar>: Layer {
    /// γ `[C]`, the scale.
    public var weight: Variable<Scalar>
    /// β `[C]`, the shift.
    public var bias: Variable<Scalar>
    /// The running mean `[C]`.
    public let runningMean: Buffer<Scalar>
    /// The running (unbiased) variance `[C]`.
    public let runningVariance: Buffer<Scalar>
    /// Training batches seen (`num_batches_tracked`).
    public let batchesTracked: Counter
    /// The weight of a new batch in the running statistics.
    public let momentum: Scalar
    /// Added to the variance before the square root.
    public let eps: Scalar

    /// A layer of `channels` with PyTorch's initial state (γ = 1, β = 0, mean 0, variance 1).
    public init(_ channels: Int, momentum: Scalar = 0.1, eps: Scalar = 1e-5) {
        weight = Variable(.ones([channels]), requiresGrad: true)
        bias = Variable(.zeros([channels]), requiresGrad: true)
        runningMean = Buffer(.zeros([channels]))
        runningVariance = Buffer(.ones([channels]))
        batchesTracked = Counter()
        self.momentum = momentum
        self.eps = eps
    }

    /// Normalises `x` with batch statistics in training (updating the running ones), else running.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        if mode.training { batchesTracked.value += 1 }
        return batchNorm(
            x, gamma: weight, beta: bias, runningMean: &runningMean.value,
            runningVariance: &runningVariance.value,
            training: mode.training, momentum: momentum, eps: eps)
    }

    /// `weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`.
    public func stateEntries() -> [StateEntry<Scalar>] {
        [
            .parameter("weight", weight), .parameter("bias", bias),
            .buffer("running_mean", runningMean),
            .buffer("running_var", runningVariance), .counter("num_batches_tracked", batchesTracked)
        ]
    }
}
