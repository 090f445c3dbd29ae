import RealModule

extension Tensor {
    /// Validates PReLU slopes: one shared slope, or one per channel (axis 1).
    public static func validatePReLU(_ shape: [Int], slopes: Int) throws(ShapeError) {
        guard slopes == 1 || (shape.count >= 2 && shape[1] == slopes) else {
            throw ShapeError(
                "prelu",
                "\(slopes) slopes do not fit input \(describe(shape)): need 1 or one per channel")
        }
    }

    /// `max(x, 0) + a·min(x, 0)` with one shared slope or one per channel (axis 1).
    static func preluKernel(_ x: Tensor, slope: Tensor, split: WorkSplitter) -> Tensor {
        requireShapes { () throws(ShapeError) in try validatePReLU(x.shape, slopes: slope.count) }
        let shared = slope.count == 1
        let (n, c, s) = x.rank >= 2 ? x.channelLayout() : (1, 1, x.count)
        let slopes = slope.scalars
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                guard p.count > 0 else { return }
                let (src, dst) = (SendablePointer(p.start), SendableMutablePointer(out.start))
                split.run(n * c, n * c * s) { planes in
                    for plane in planes {
                        let a = slopes[shared ? 0 : plane % c], x = src.pointer + plane * s,
                            y = dst.pointer + plane * s
                        for t in 0..<s { let v = x[t]; y[t] = v > 0 ? v : a * v }
                    }
                }
            }
        }
    }

    /// Gradients of PReLU: `dx = dy·(x > 0 ? 1 : a)`, `da = Σ_{x ≤ 0} dy·x` (per slope).
    static func preluBackwardKernel(
        _ x: Tensor, slope: Tensor, upstream dy: Tensor, split: WorkSplitter
    ) -> (input: Tensor, slope: Tensor) {
        let shared = slope.count == 1
        let (n, c, s) = x.rank >= 2 ? x.channelLayout() : (1, 1, x.count)
        let slopes = slope.scalars
        // One partial sum per (sample, channel) plane, added in plane order afterwards, so
        // the slope gradient does not depend on how the planes were split between threads.
        var partial = [Double](repeating: 0, count: n * c)
        let dx = Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                dy.scalars.withUnsafeBufferPointer { pd in
                    partial.withUnsafeMutableBufferPointer { pp in
                        guard p.count > 0 else { return }
                        let (xs, dys, dst) = (
                            SendablePointer(p.start), SendablePointer(pd.start),
                            SendableMutablePointer(out.start)
                        )
                        let sums = SendableMutablePointer(pp.start)
                        split.run(n * c, 2 * n * c * s) { planes in
                            for plane in planes {
                                let a = slopes[shared ? 0 : plane % c]
                                let x = xs.pointer + plane * s, d = dys.pointer + plane * s,
                                    y = dst.pointer + plane * s
                                for t in 0..<s {
                                    let v = x[t], g = d[t]
                                    y[t] = v > 0 ? g : a * g
                                }
                                // Σ_{x ≤ 0} dy·x = Σ dy·min(x, 0), in four running sums.
                                var a0: Scalar = 0, a1: Scalar = 0, a2: Scalar = 0, a3: Scalar = 0
                                var t = 0
                                while t + 4 <= s {
                                    a0 += d[t] * Swift.min(x[t], 0)
                                    a1 += d[t + 1] * Swift.min(x[t + 1], 0)
                                    a2 += d[t + 2] * Swift.min(x[t + 2], 0)
                                    a3 += d[t + 3] * Swift.min(x[t + 3], 0)
                                    t += 4
                                }
                                while t < s { a0 += d[t] * Swift.min(x[t], 0); t += 1 }
                                sums.pointer[plane] = Double((a0 + a1) + (a2 + a3))
                            }
                        }
                    }
                }
            }
        }
        var da = [Double](repeating: 0, count: slope.count)
        for plane in 0..<(n * c) { da[shared ? 0 : plane % c] += partial[plane] }
        return (dx, Tensor(shape: slope.shape, scalars: da.map { Scalar($0) }))
    }

    /// The logistic function `1 / (1 + e^{−x})`, computed without overflow for large `|x|`.
    @inlinable
    public static func sigmoid(_ v: Scalar) -> Scalar {
        if v >= 0 { return 1 / (1 + Scalar.exp(-v)) }
        let e = Scalar.exp(v)
        return e / (1 + e)
    }
}

