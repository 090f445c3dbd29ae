import TensorCore

extension Tensor {
    /// `PReLU(batchNorm(x))` with one shared slope `a`, in one pass over the data:
    /// `v = x·scale + shift` (as the reference batch norm computes it), then `v > 0 ? v : a·v`,
    /// so the result equals the two reference kernels in turn bit for bit.
    static func batchNormPReLUFast(
        _ x: Tensor, _ norm: ChannelNormalization<Scalar>, slope a: Scalar, split: WorkSplitter
    ) -> Tensor {
        requireShapes { () throws(ShapeError) in
            try validateBatchNorm(x.shape, channels: norm.gamma.count)
            guard norm.beta.count == norm.gamma.count, norm.mean.count == norm.gamma.count,
                  norm.invStd.count == norm.gamma.count
            else {
                throw ShapeError(
                    "batch_norm_prelu",
                    "γ, β and statistics must all have \(norm.gamma.count) channels")
            }
        }
        let (n, c, s) = x.channelLayout()
        let g = norm.gamma.scalars, b = norm.beta.scalars
        let scales = (0..<c).map { norm.invStd[$0] * g[$0] }
        let shifts = (0..<c).map { b[$0] - norm.mean[$0] * scales[$0] }
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
