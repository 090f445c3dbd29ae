import TensorCore

extension Tensor {
    /// `PReLU(batchNorm(x))` with one shared slope `a`, in one pass over the data:
    /// `v = x·scale + shift` (as the reference batch norm computes it), then `v > 0 ? v : a·v`,
    /// so the result equals the two reference kernels in turn bit for bit.
    static func batchNormPReLUFast(
        _ x: Tensor, _ norm: ChannelNormalization<Scalar>, slope a: Scalar, split: WorkSplitter
    ) -> Tensor {
        requireShapes { () throws(ShapeError) in
            try norm.validate(for: x.shape, operation: "batch_norm_prelu")
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
                        for t in 0..<s {
                            let v = x[t] * scale + shift
                            y[t] = v > 0 ? v : a * v
                        }
                    }
                }
            }
        }
    }
}

/// The gradients of `PReLU(batchNorm(x))` with one shared slope, for the fused node's
/// inputs: `x`, `γ`, `β` and the slope.
public struct BatchNormPReLUGradients<S: TensorElement>: Sendable {
    /// `∂/∂x`, or nil when not asked for.
    public var input: Tensor<S>?
    /// `∂/∂γ` (`[C]`).
    public var gamma: Tensor<S>
    /// `∂/∂β` (`[C]`).
    public var beta: Tensor<S>
    /// `∂/∂a` (`[1]`).
    public var slope: Tensor<S>
}

extension Tensor where Scalar: TensorScalar {
    /// The backward of `PReLU(batchNorm(x))` without the batch norm's output, and without
    /// ever storing the PReLU's input gradient `dz = dy·(z > 0 ? 1 : a)` (`z = x·scale + shift`)
    /// for the whole batch:
    /// 1. per plane, `dz` into a plane-sized scratch buffer, then from it (still in cache) the
    ///    slope's `Σ dy·min(z, 0)` and batch norm's `Σ dz`, `Σ dz·x̂`;
    /// 2. batch norm's input gradient, recomputing `dz` from `x` and `dy` on the fly
    ///    (training: batch statistics, `k·(m·dz − Σ dz − x̂·Σ dz·x̂)`; evaluation:
    ///    `dz·γ·invStd`).
    /// Every sum is taken in the order the separate kernels take it and every element
    /// computed by the same expression, so the result equals them bit for bit; a whole-batch
    /// write and read of `dz` are saved.
    static func batchNormPReLUBackwardFast(
        _ x: Tensor, upstream dy: Tensor, _ norm: ChannelNormalization<Scalar>, slope a: Scalar,
        training: Bool, needInput: Bool, split: WorkSplitter
    ) -> BatchNormPReLUGradients<Scalar> {
        let (n, c, s) = x.channelLayout()
        let (scales, shifts) = norm.affine
        let (mean, invStd) = (norm.mean, norm.invStd)
        var slopeParts = [Double](repeating: 0, count: n * c)
        var sums = [Double](repeating: 0, count: n * c),
            products = [Double](repeating: 0, count: n * c)
        x.scalars.withUnsafeBufferPointer { px in
            dy.scalars.withUnsafeBufferPointer { pd in
                slopeParts.withUnsafeMutableBufferPointer { pa in
                    sums.withUnsafeMutableBufferPointer { ps in
                        products.withUnsafeMutableBufferPointer { pp in
                            guard px.count > 0 else { return }
                            let xs = SendablePointer(px.start), ds = SendablePointer(pd.start)
                            let (sa, ss, sp) = (SendableMutablePointer(pa.start),
                                                SendableMutablePointer(ps.start),
                                                SendableMutablePointer(pp.start))
                            split.run(n * c, 2 * n * c * s) { planes in
                                var scratch = [Scalar](repeating: 0, count: s)
                                scratch.withUnsafeMutableBufferPointer { buffer in
                                    let y = buffer.start
                                    for plane in planes {
                                        let ch = plane % c, scale = scales[ch], shift = shifts[ch]
                                        let x = xs.pointer + plane * s, d = ds.pointer + plane * s
                                        // dz first, in its own loop (it vectorises), then
                                        // the slope's sum over the plane, still in cache.
                                        for t in 0..<s {
                                            let z = x[t] * scale + shift
                                            y[t] = z > 0 ? d[t] : a * d[t]
                                        }
                                        sa.pointer[plane] = slopeSum(d, x, s, scale, shift)
                                        let r = sumAndProduct(
                                            UnsafePointer(y), x, s, mean: mean[ch],
                                            invStd: invStd[ch])
                                        ss.pointer[plane] = r.sum
                                        sp.pointer[plane] = r.product
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var sumDy = [Double](repeating: 0, count: c), sumDyX = [Double](repeating: 0, count: c)
        for ch in 0..<c {
            var u = 0.0, v = 0.0
            for sample in 0..<n { u += sums[sample * c + ch]; v += products[sample * c + ch] }
            sumDy[ch] = u
            sumDyX[ch] = v
        }
        var da = 0.0
        for plane in 0..<(n * c) { da += slopeParts[plane] }
        let dx = needInput
            ? inputGradient(
                x, dy, norm, slope: a, training: training,
                sums: BatchNormSums(sumDy: sumDy, sumDyXhat: sumDyX), split: split)
            : nil
        return BatchNormPReLUGradients(
            input: dx, gamma: Tensor(shape: [c], scalars: sumDyX.map { Scalar($0) }),
            beta: Tensor(shape: [c], scalars: sumDy.map { Scalar($0) }),
            slope: Tensor(shape: [1], scalars: [Scalar(da)]))
    }

    /// `Σ dy·min(x·scale + shift, 0)` over one plane, in four interleaved partial sums.
    @inline(__always)
    static func slopeSum(
        _ d: UnsafePointer<Scalar>, _ x: UnsafePointer<Scalar>, _ s: Int, _ scale: Scalar,
        _ shift: Scalar
    ) -> Double {
        var a0: Scalar = 0, a1: Scalar = 0, a2: Scalar = 0, a3: Scalar = 0
        var t = 0
        while t + 4 <= s {
            a0 += d[t] * Swift.min(x[t] * scale + shift, 0)
            a1 += d[t + 1] * Swift.min(x[t + 1] * scale + shift, 0)
            a2 += d[t + 2] * Swift.min(x[t + 2] * scale + shift, 0)
            a3 += d[t + 3] * Swift.min(x[t + 3] * scale + shift, 0)
            t += 4
        }
        while t < s {
            a0 += d[t] * Swift.min(x[t] * scale + shift, 0)
            t += 1
        }
        return Double((a0 + a1) + (a2 + a3))
    }

    /// Batch norm's input gradient with the PReLU's `dz` recomputed per element from `x` and
    /// `dy`: the same expressions as `batchNormTrainingInputGradientKernel` (training) and
    /// `scaledPerChannelKernel` with `γ·invStd` (evaluation) applied to `dz`.
    static func inputGradient(
        _ x: Tensor, _ dy: Tensor, _ norm: ChannelNormalization<Scalar>, slope a: Scalar,
        training: Bool, sums: BatchNormSums, split: WorkSplitter
    ) -> Tensor {
        let (n, c, s) = x.channelLayout()
        let (scales, shifts) = norm.affine
        let (mean, invStd, g) = (norm.mean, norm.invStd, norm.gamma.scalars)
        let m = Scalar(n * s)
        let factors = Swift.zip(g, invStd).map { $0 * $1 }
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { px in
                dy.scalars.withUnsafeBufferPointer { pd in
                    guard px.count > 0 else { return }
                    let (xs, ds, dst) = (
                        SendablePointer(px.start), SendablePointer(pd.start),
                        SendableMutablePointer(out.start))
                    split.run(n * c, 2 * n * c * s) { planes in
                        for plane in planes {
                            let ch = plane % c, scale = scales[ch], shift = shifts[ch]
                            let x = xs.pointer + plane * s, d = ds.pointer + plane * s,
                                y = dst.pointer + plane * s
                            if training {
                                let k = g[ch] * invStd[ch] / m
                                let sd = Scalar(sums.sumDy[ch]), sdx = Scalar(sums.sumDyXhat[ch])
                                let mu = mean[ch], inv = invStd[ch]
                                for t in 0..<s {
                                    let z = x[t] * scale + shift
                                    let dz = z > 0 ? d[t] : a * d[t]
                                    let xhat = (x[t] - mu) * inv
                                    y[t] = k * (m * dz - sd - xhat * sdx)
                                }
                            } else {
                                let f = factors[ch]
                                for t in 0..<s {
                                    let z = x[t] * scale + shift
                                    y[t] = (z > 0 ? d[t] : a * d[t]) * f
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
