import RealModule

extension Tensor {
    /// Validates PReLU slopes: one shared slope, or one per channel (axis 1).
    public static func validatePReLU(_ shape: [Int], slopes: Int) throws(ShapeError) {
        guard slopes == 1 || (shape.count >= 2 && shape[1] == slopes) else {
            throw ShapeError("prelu", "\(slopes) slopes do not fit input \(describe(shape)): need 1 or one per channel")
        }
    }

    /// `max(x, 0) + a·min(x, 0)` with one shared slope or one per channel (axis 1).
    static func preluKernel(_ x: Tensor, slope: Tensor) -> Tensor {
        requireShapes { () throws(ShapeError) in try validatePReLU(x.shape, slopes: slope.count) }
        if slope.count == 1 {
            let a = slope.scalars[0]
            return x.map { $0 > 0 ? $0 : a * $0 }
        }
        let (n, c, s) = x.channelLayout()
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                for b in 0..<n {
                    for ch in 0..<c {
                        let a = slope.scalars[ch], base = (b * c + ch) * s
                        for t in 0..<s { let v = p[base + t]; out[base + t] = v > 0 ? v : a * v }
                    }
                }
            }
        }
    }

    /// Gradients of PReLU: `dx = dy·(x > 0 ? 1 : a)`, `da = Σ_{x ≤ 0} dy·x` (per slope).
    static func preluBackwardKernel(_ x: Tensor, slope: Tensor, upstream dy: Tensor) -> (input: Tensor, slope: Tensor) {
        let shared = slope.count == 1
        let (n, c, s) = x.rank >= 2 ? x.channelLayout() : (1, 1, x.count)
        var da = [Double](repeating: 0, count: slope.count)
        let dx = Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                dy.scalars.withUnsafeBufferPointer { pd in
                    for b in 0..<n {
                        for ch in 0..<c {
                            let k = shared ? 0 : ch
                            let a = slope.scalars[k], base = (b * c + ch) * s
                            for t in 0..<s {
                                let v = p[base + t], g = pd[base + t]
                                out[base + t] = v > 0 ? g : a * g
                            }
                            // Σ_{x ≤ 0} dy·x = Σ dy·min(x, 0), in four running sums.
                            var a0: Scalar = 0, a1: Scalar = 0, a2: Scalar = 0, a3: Scalar = 0
                            var t = 0
                            while t + 4 <= s {
                                a0 += pd[base + t] * Swift.min(p[base + t], 0)
                                a1 += pd[base + t + 1] * Swift.min(p[base + t + 1], 0)
                                a2 += pd[base + t + 2] * Swift.min(p[base + t + 2], 0)
                                a3 += pd[base + t + 3] * Swift.min(p[base + t + 3], 0)
                                t += 4
                            }
                            while t < s { a0 += pd[base + t] * Swift.min(p[base + t], 0); t += 1 }
                            da[k] += Double((a0 + a1) + (a2 + a3))
                        }
                    }
                }
            }
        }
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
