import FastKernels
import TensorCore

/// Batch normalisation over axis 1 of `x[N, C, …]` (BatchNorm2d for `[N, C, H, W]`,
/// BatchNorm1d for `[N, C]`).
///
/// Training: normalises with the batch mean and biased variance and moves the running
/// estimates by `momentum` (unbiased variance, PyTorch semantics). Evaluation: normalises
/// with the running estimates, which are left unchanged.
public func batchNorm<S>(
    _ x: Variable<S>, gamma: Variable<S>, beta: Variable<S>,
    runningMean: inout Tensor<S>, runningVariance: inout Tensor<S>,
    training: Bool, momentum: S = 0.1, eps: S = 1e-5
) -> Variable<S> {
    requireShapes { () throws(ShapeError) in
        try Tensor<S>.validateBatchNorm(x.shape, channels: gamma.value.count)
        guard runningMean.count == gamma.value.count, runningVariance.count == gamma.value.count
        else {
            throw ShapeError(
                "batch_norm",
                "running statistics \(describe(runningMean.shape)), "
                    + "\(describe(runningVariance.shape)) do not match \(gamma.value.count) "
                    + "channels"
            )
        }
    }
    let runningInvStd = training ? [] : runningVariance.scalars.map { 1 / ($0 + eps).squareRoot() }
    if !training {
        // Evaluation: a convolution still held back takes the batch norm into its epilogue.
        let norm = ChannelNormalization(
            mean: runningMean.scalars, invStd: runningInvStd, gamma: gamma.value,
            beta: beta.value)
        if let fused = x.absorbing("batch_norm", .batchNorm(norm: norm), extra: [gamma, beta]) {
            return fused
        }
    }
    let mean: [S], invStd: [S]
    if training {
        let stats = x.value.channelStatistics()
        mean = stats.mean
        invStd = stats.variance.map { 1 / ($0 + eps).squareRoot() }
        Tensor.updateRunningStatistics(
            mean: &runningMean, variance: &runningVariance, batch: stats, momentum: momentum)
    } else {
        mean = runningMean.scalars
        invStd = runningInvStd
    }
    let (input, scale, shift) = (x.value, gamma.value, beta.value)
    let norm = ChannelNormalization(mean: mean, invStd: invStd, gamma: scale, beta: shift)
    // The value is held back for the kernel layer to fuse with its consumer, when it does.
    return Variable.recordDeferred(
        "batch_norm", kernel: .batchNorm(x: input, norm: norm, training: training), shape: x.shape,
        parents: [x, gamma, beta],
        compute: {
            Tensor.batchNormApply(input, mean: mean, invStd: invStd, gamma: scale, beta: shift)
        }
    ) { g, needs in
        let sums = Tensor.batchNormReductions(input, upstream: g, norm)
        let (sumDy, sumDyX) = (sums.sumDy, sums.sumDyXhat)
        var dx: Tensor<S>? = nil
        if needs[0] {
            if training {
                dx = Tensor.batchNormTrainingInputGradient(input, upstream: g, norm, sums)
            } else {
                dx = Tensor.scaledPerChannel(g, zip(scale.scalars, invStd).map { $0 * $1 })
            }
        }
        return [
            dx,
            needs[1] ? Tensor(shape: gamma.shape, scalars: sumDyX.map { S($0) }) : nil,
            needs[2] ? Tensor(shape: beta.shape, scalars: sumDy.map { S($0) }) : nil,
        ]
    }
}

extension Variable {
    /// `x / max(‖x‖₂, eps)` along `axis` (PyTorch's `F.normalize`; Eq. 7's normalisation).
    public func l2Normalized(axis: Int, eps: Scalar = 1e-12) -> Variable {
        let input = value
        return Variable.record(
            "l2_normalize", value: Tensor.l2Normalized(input, axis: axis, eps: eps), parents: [self]
        ) { g, _ in
            [Tensor.l2NormalizedBackward(input, upstream: g, axis: axis, eps: eps)]
        }
    }

    /// Dropout: in training, zeroes each element with probability `p` and scales the rest by
    /// `1/(1 − p)`, drawing the mask from `generator`; in evaluation, the identity.
    public func dropout(p: Double, training: Bool, generator: inout RandomGenerator) -> Variable {
        guard training, p > 0 else { return self }
        let mask = Tensor<Scalar>.dropoutMask(shape, p: p, generator: &generator)
        return Variable.record("dropout", value: value * mask, parents: [self]) { g, _ in [g * mask]
        }
    }
}
