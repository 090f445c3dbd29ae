import RealModule

/// Per-channel statistics of a batch, as batch normalisation computes them in training.
public struct ChannelStatistics<Scalar: TensorScalar>: Sendable {
    /// Mean of each channel over the batch and spatial positions.
    public let mean: [Scalar]
    /// Biased variance (divided by the count), used to normalise.
    public let variance: [Scalar]
    /// Elements per channel (`N · H · W`).
    public let count: Int

    /// Unbiased variance (divided by `count − 1`), used for the running estimate.
    public var unbiasedVariance: [Scalar] {
        let f = count > 1 ? Scalar(count) / Scalar(count - 1) : 1
        return variance.map { $0 * f }
    }
}

extension Tensor {
    /// Validates a batch-norm input `[N, C, …]` against per-channel parameters of size `C`.
    public static func validateBatchNorm(_ shape: [Int], channels: Int) throws(ShapeError) {
        guard shape.count >= 2, shape[1] == channels else {
            throw ShapeError("batch_norm", "input \(describe(shape)) needs [N, \(channels), …]")
        }
    }

    /// `(N, C, H·W)` of an `[N, C, …]` tensor.
    func channelLayout() -> (n: Int, c: Int, s: Int) {
        (shape[0], shape[1], shape.dropFirst(2).reduce(1, *))
    }

    /// Mean and biased variance per channel (axis 1), accumulated in `Double` by two passes.
    func channelStatisticsKernel() -> ChannelStatistics<Scalar> {
        requireShapes { () throws(ShapeError) in
            guard rank >= 2 else { throw ShapeError("batch_norm", "input \(describe(shape)) needs [N, C, …]") }
        }
        let (n, c, s) = channelLayout()
        var mean = [Scalar](repeating: 0, count: c), variance = [Scalar](repeating: 0, count: c)
        scalars.withUnsafeBufferPointer { p in
            for ch in 0..<c {
                var acc = 0.0
                for b in 0..<n { let base = (b * c + ch) * s; for t in 0..<s { acc += Double(p[base + t]) } }
                let m = acc / Double(n * s)
                var sq = 0.0
                for b in 0..<n {
                    let base = (b * c + ch) * s
                    for t in 0..<s { let d = Double(p[base + t]) - m; sq += d * d }
                }
                mean[ch] = Scalar(m)
                variance[ch] = Scalar(sq / Double(n * s))
            }
        }
        return ChannelStatistics(mean: mean, variance: variance, count: n * s)
    }

    /// `y = (x − mean)·invStd·γ + β` per channel.
    static func batchNormApplyKernel(
        _ x: Tensor, mean: [Scalar], invStd: [Scalar], gamma: Tensor, beta: Tensor
    ) -> Tensor {
        requireShapes { () throws(ShapeError) in
            try validateBatchNorm(x.shape, channels: gamma.count)
            guard beta.count == gamma.count, mean.count == gamma.count, invStd.count == gamma.count else {
                throw ShapeError("batch_norm", "γ \(describe(gamma.shape)), β \(describe(beta.shape)) and statistics must all have \(gamma.count) channels")
            }
        }
        let (n, c, s) = x.channelLayout()
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                gamma.scalars.withUnsafeBufferPointer { pg in
                    beta.scalars.withUnsafeBufferPointer { pb in
                        for b in 0..<n {
                            for ch in 0..<c {
                                let scale = invStd[ch] * pg[ch], shift = pb[ch] - mean[ch] * scale
                                let base = (b * c + ch) * s
                                for t in 0..<s { out[base + t] = p[base + t] * scale + shift }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Moves running estimates towards the batch: `r ← (1 − momentum)·r + momentum·batch`,
    /// with the unbiased variance (PyTorch semantics).
    public static func updateRunningStatistics(
        mean runningMean: inout Tensor, variance runningVariance: inout Tensor,
        batch: ChannelStatistics<Scalar>, momentum: Scalar
    ) {
        let unbiased = batch.unbiasedVariance
        for ch in 0..<runningMean.count {
            runningMean.storage[ch] = (1 - momentum) * runningMean.scalars[ch] + momentum * batch.mean[ch]
            runningVariance.storage[ch] = (1 - momentum) * runningVariance.scalars[ch] + momentum * unbiased[ch]
        }
    }

    /// Per-channel `Σ dy` and `Σ dy·x̂` with `x̂ = (x − mean)·invStd`, accumulated in `Double`.
    static func batchNormReductionsKernel(
        _ x: Tensor, upstream dy: Tensor, mean: [Scalar], invStd: [Scalar]
    ) -> (sumDy: [Double], sumDyXhat: [Double]) {
        let (n, c, s) = x.channelLayout()
        var sumDy = [Double](repeating: 0, count: c), sumDyX = [Double](repeating: 0, count: c)
        x.scalars.withUnsafeBufferPointer { px in
            dy.scalars.withUnsafeBufferPointer { pd in
                for ch in 0..<c {
                    var a = 0.0, b2 = 0.0
                    let m = mean[ch], inv = invStd[ch]
                    for b in 0..<n {
                        let base = (b * c + ch) * s
                        for t in 0..<s {
                            let d = Double(pd[base + t])
                            a += d
                            b2 += d * Double((px[base + t] - m) * inv)
                        }
                    }
                    sumDy[ch] = a; sumDyX[ch] = b2
                }
            }
        }
        return (sumDy, sumDyX)
    }

    /// Input gradient of batch norm in training mode (batch statistics):
    /// `dx = γ·invStd/M · (M·dy − Σdy − x̂·Σ(dy·x̂))`.
    static func batchNormTrainingInputGradientKernel(
        _ x: Tensor, upstream dy: Tensor, mean: [Scalar], invStd: [Scalar], gamma: Tensor,
        sumDy: [Double], sumDyXhat: [Double]
    ) -> Tensor {
        let (n, c, s) = x.channelLayout()
        let m = Scalar(n * s)
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { px in
                dy.scalars.withUnsafeBufferPointer { pd in
                    for ch in 0..<c {
                        let k = gamma.scalars[ch] * invStd[ch] / m
                        let sd = Scalar(sumDy[ch]), sdx = Scalar(sumDyXhat[ch])
                        let mu = mean[ch], inv = invStd[ch]
                        for b in 0..<n {
                            let base = (b * c + ch) * s
                            for t in 0..<s {
                                let xhat = (px[base + t] - mu) * inv
                                out[base + t] = k * (m * pd[base + t] - sd - xhat * sdx)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Multiplies each channel (axis 1) by its factor: the input gradient of batch norm in
    /// evaluation mode is `scaledPerChannel(dy, γ·invStd)`.
    static func scaledPerChannelKernel(_ x: Tensor, _ factors: [Scalar]) -> Tensor {
        let (n, c, s) = x.channelLayout()
        precondition(factors.count == c, "scaledPerChannel: \(factors.count) factors for \(describe(x.shape))")
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                for b in 0..<n {
                    for ch in 0..<c {
                        let base = (b * c + ch) * s, f = factors[ch]
                        for t in 0..<s { out[base + t] = p[base + t] * f }
                    }
                }
            }
        }
    }
}
