import RealModule

/// Per-channel statistics of a batch, as batch normalisation computes them in training.
public struct ChannelStatistics<Scalar: TensorElement>: Sendable {
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
    public func channelLayout() -> (n: Int, c: Int, s: Int) {
        (shape[0], shape[1], shape.dropFirst(2).reduce(1, *))
    }

    /// Mean and biased variance per channel (axis 1), accumulated in `Double` by two passes.
    func channelStatisticsKernel(split: WorkSplitter) -> ChannelStatistics<Scalar> {
        requireShapes { () throws(ShapeError) in
            guard rank >= 2 else {
                throw ShapeError("batch_norm", "input \(describe(shape)) needs [N, C, …]")
            }
        }
        let (n, c, s) = channelLayout()
        guard n * s > 0 else {
            // No elements: the mean and variance of nothing.
            return ChannelStatistics(
                mean: .init(repeating: .nan, count: c), variance: .init(repeating: .nan, count: c),
                count: 0)
        }
        var mean = [Scalar](repeating: 0, count: c), variance = [Scalar](repeating: 0, count: c)
        scalars.withUnsafeBufferPointer { p in
            mean.withUnsafeMutableBufferPointer { pm in
                variance.withUnsafeMutableBufferPointer { pv in
                    let (src, means, variances) = (
                        SendablePointer(p.start), SendableMutablePointer(pm.start),
                        SendableMutablePointer(pv.start)
                    )
                    split.run(c, n * c * s) { channels in
                        for ch in channels {
                            var acc = 0.0
                            for b in 0..<n { acc += sumAsDouble(src.pointer + (b * c + ch) * s, s) }
                            let m = acc / Double(n * s)
                            var sq = 0.0
                            for b in 0..<n {
                                sq += sumOfSquaredDeviations(
                                    src.pointer + (b * c + ch) * s, s, from: m)
                            }
                            means.pointer[ch] = Scalar(m)
                            variances.pointer[ch] = Scalar(sq / Double(n * s))
                        }
                    }
                }
            }
        }
        return ChannelStatistics(mean: mean, variance: variance, count: n * s)
    }

    /// `y = (x − mean)·invStd·γ + β` per channel, computed as `x·scale + shift` with
    /// `scale = invStd·γ` and `shift = β − mean·scale`.
    static func batchNormApplyKernel(
        _ x: Tensor, _ norm: ChannelNormalization<Scalar>, split: WorkSplitter
    ) -> Tensor {
        requireShapes { () throws(ShapeError) in
            try norm.validate(for: x.shape, operation: "batch_norm")
        }
        let (n, c, s) = x.channelLayout()
        let (scales, shifts) = norm.affine
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                guard p.count > 0 else { return }
                let (src, dst) = (SendablePointer(p.start), SendableMutablePointer(out.start))
                split.run(n * c, n * c * s) { planes in
                    for plane in planes {
                        let ch = plane % c, scale = scales[ch], shift = shifts[ch]
                        let x = src.pointer + plane * s, y = dst.pointer + plane * s
                        for t in 0..<s { y[t] = x[t] * scale + shift }
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
            runningMean.storage[ch] =
                (1 - momentum) * runningMean.scalars[ch] + momentum * batch.mean[ch]
            runningVariance.storage[ch] =
                (1 - momentum) * runningVariance.scalars[ch] + momentum * unbiased[ch]
        }
    }

    /// Per-channel `Σ dy` and `Σ dy·x̂` with `x̂ = (x − mean)·invStd`, accumulated in `Double`.
    static func batchNormReductionsKernel(
        _ x: Tensor, upstream dy: Tensor, _ norm: ChannelNormalization<Scalar>, split: WorkSplitter
    ) -> BatchNormSums {
        let (mean, invStd) = (norm.mean, norm.invStd)
        let (n, c, s) = x.channelLayout()
        var sumDy = [Double](repeating: 0, count: c), sumDyX = [Double](repeating: 0, count: c)
        guard x.count > 0 else { return BatchNormSums(sumDy: sumDy, sumDyXhat: sumDyX) }
        x.scalars.withUnsafeBufferPointer { px in
            dy.scalars.withUnsafeBufferPointer { pd in
                sumDy.withUnsafeMutableBufferPointer { ps in
                    sumDyX.withUnsafeMutableBufferPointer { psx in
                        let (xs, dys) = (SendablePointer(px.start), SendablePointer(pd.start))
                        let (sums, products) = (
                            SendableMutablePointer(ps.start), SendableMutablePointer(psx.start)
                        )
                        split.run(c, 2 * n * c * s) { channels in
                            for ch in channels {
                                var a = 0.0, b2 = 0.0
                                for b in 0..<n {
                                    let base = (b * c + ch) * s
                                    let r = sumAndProduct(
                                        dys.pointer + base, xs.pointer + base, s, mean: mean[ch],
                                        invStd: invStd[ch])
                                    a += r.sum; b2 += r.product
                                }
                                sums.pointer[ch] = a; products.pointer[ch] = b2
                            }
                        }
                    }
                }
            }
        }
        return BatchNormSums(sumDy: sumDy, sumDyXhat: sumDyX)
    }

    /// Input gradient of batch norm in training mode (batch statistics):
    /// `dx = γ·invStd/M · (M·dy − Σdy − x̂·Σ(dy·x̂))`.
    static func batchNormTrainingInputGradientKernel(
        _ x: Tensor, upstream dy: Tensor, _ norm: ChannelNormalization<Scalar>,
        _ sums: BatchNormSums,
        split: WorkSplitter
    ) -> Tensor {
        let (mean, invStd, gamma) = (norm.mean, norm.invStd, norm.gamma)
        let (sumDy, sumDyXhat) = (sums.sumDy, sums.sumDyXhat)
        let (n, c, s) = x.channelLayout()
        let m = Scalar(n * s)
        let g = gamma.scalars
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { px in
                dy.scalars.withUnsafeBufferPointer { pd in
                    guard px.count > 0 else { return }
                    let (xs, dys, dst) = (
                        SendablePointer(px.start), SendablePointer(pd.start),
                        SendableMutablePointer(out.start)
                    )
                    split.run(n * c, 2 * n * c * s) { planes in
                        for plane in planes {
                            let ch = plane % c
                            let k = g[ch] * invStd[ch] / m
                            let sd = Scalar(sumDy[ch]), sdx = Scalar(sumDyXhat[ch])
                            let mu = mean[ch], inv = invStd[ch]
                            let x = xs.pointer + plane * s, d = dys.pointer + plane * s,
                                y = dst.pointer + plane * s
                            for t in 0..<s {
                                let xhat = (x[t] - mu) * inv
                                y[t] = k * (m * d[t] - sd - xhat * sdx)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Multiplies each channel (axis 1) by its factor: the input gradient of batch norm in
    /// evaluation mode is `scaledPerChannel(dy, γ·invStd)`.
    static func scaledPerChannelKernel(_ x: Tensor, _ factors: [Scalar], split: WorkSplitter)
        -> Tensor
    {
        let (n, c, s) = x.channelLayout()
        precondition(
            factors.count == c,
            "scaledPerChannel: \(factors.count) factors for \(describe(x.shape))")
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                guard p.count > 0 else { return }
                let (src, dst) = (SendablePointer(p.start), SendableMutablePointer(out.start))
                split.run(n * c, n * c * s) { planes in
                    for plane in planes {
                        let f = factors[plane % c], x = src.pointer + plane * s,
                            y = dst.pointer + plane * s
                        for t in 0..<s { y[t] = x[t] * f }
                    }
                }
            }
        }
    }
}

/// `Σ p[t]` in `Double`, in four running sums (so the additions overlap).
@inlinable
func sumAsDouble<S: TensorElement>(_ p: UnsafePointer<S>, _ count: Int) -> Double {
    var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
    var t = 0
    while t + 4 <= count {
        a0 += Double(p[t]); a1 += Double(p[t + 1]); a2 += Double(p[t + 2]); a3 += Double(p[t + 3])
        t += 4
    }
    while t < count { a0 += Double(p[t]); t += 1 }
    return (a0 + a1) + (a2 + a3)
}

/// `Σ (p[t] − mean)²` in `Double`, in four running sums.
@inlinable
func sumOfSquaredDeviations<S: TensorElement>(
    _ p: UnsafePointer<S>, _ count: Int, from mean: Double
) -> Double {
    var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
    var t = 0
    while t + 4 <= count {
        let d0 = Double(p[t]) - mean, d1 = Double(p[t + 1]) - mean, d2 = Double(p[t + 2]) - mean,
            d3 = Double(p[t + 3]) - mean
        a0 += d0 * d0; a1 += d1 * d1; a2 += d2 * d2; a3 += d3 * d3
        t += 4
    }
    while t < count { let d = Double(p[t]) - mean; a0 += d * d; t += 1 }
    return (a0 + a1) + (a2 + a3)
}

/// `Σ dy[t]` and `Σ dy[t]·(x[t] − mean)·invStd` in `Double`, four running sums each.
@inlinable
public func sumAndProduct<S: TensorElement>(
    _ dy: UnsafePointer<S>, _ x: UnsafePointer<S>, _ count: Int, mean: S, invStd: S
) -> (sum: Double, product: Double) {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, p0 = 0.0, p1 = 0.0, p2 = 0.0, p3 = 0.0
    var t = 0
    while t + 4 <= count {
        let d0 = Double(dy[t]), d1 = Double(dy[t + 1]), d2 = Double(dy[t + 2]),
            d3 = Double(dy[t + 3])
        s0 += d0; s1 += d1; s2 += d2; s3 += d3
        p0 += d0 * Double((x[t] - mean) * invStd); p1 += d1 * Double((x[t + 1] - mean) * invStd)
        p2 += d2 * Double((x[t + 2] - mean) * invStd); p3 += d3 * Double((x[t + 3] - mean) * invStd)
        t += 4
    }
    while t < count {
        let d = Double(dy[t])
        s0 += d; p0 += d * Double((x[t] - mean) * invStd)
        t += 1
    }
    return ((s0 + s1) + (s2 + s3), (p0 + p1) + (p2 + p3))
}
