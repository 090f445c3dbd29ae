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
        let shared = slope.count == 1
        let (n, c, s) = x.rank >= 2 ? x.channelLayout() : (1, 1, x.count)
        let slopes = slope.scalars
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                guard p.count > 0 else { return }
                let (src, dst) = (SendablePointer(p.start), SendableMutablePointer(out.start))
                ParallelWork.split(n * c, elements: n * c * s) { planes in
                    for plane in planes {
                        let a = slopes[shared ? 0 : plane % c], x = src.pointer + plane * s, y = dst.pointer + plane * s
                        for t in 0..<s { let v = x[t]; y[t] = v > 0 ? v : a * v }
                    }
                }
            }
        }
    }

    /// Gradients of PReLU: `dx = dy·(x > 0 ? 1 : a)`, `da = Σ_{x ≤ 0} dy·x` (per slope).
    static func preluBackwardKernel(_ x: Tensor, slope: Tensor, upstream dy: Tensor) -> (input: Tensor, slope: Tensor) {
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
                        let (xs, dys, dst) = (SendablePointer(p.start), SendablePointer(pd.start), SendableMutablePointer(out.start))
                        let sums = SendableMutablePointer(pp.start)
                        ParallelWork.split(n * c, elements: 2 * n * c * s) { planes in
                            for plane in planes {
                                let a = slopes[shared ? 0 : plane % c]
                                let x = xs.pointer + plane * s, d = dys.pointer + plane * s, y = dst.pointer + plane * s
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

    /// The logistic function over a tensor, on two threads when large; `Float` takes the
    /// branch-free `fastSigmoid`, so the loop vectorises.
    static func sigmoidKernel(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                guard p.count > 0 else { return }
                let (src, dst) = (SendablePointer(p.start), SendableMutablePointer(out.start))
                ParallelWork.split(p.count, elements: p.count) { range in
                    if Scalar.self == Float.self {
                        let x = UnsafeRawPointer(src.pointer).assumingMemoryBound(to: Float.self)
                        let y = UnsafeMutableRawPointer(dst.pointer).assumingMemoryBound(to: Float.self)
                        for i in range { y[i] = fastSigmoid(x[i]) }
                    } else {
                        for i in range { dst.pointer[i] = sigmoid(src.pointer[i]) }
                    }
                }
            }
        }
    }

    /// The logistic function `1 / (1 + e^{−x})`, computed without overflow for large `|x|`.
    @inlinable
    public static func sigmoid(_ v: Scalar) -> Scalar {
        if v >= 0 { return 1 / (1 + Scalar.exp(-v)) }
        let e = Scalar.exp(v)
        return e / (1 + e)
    }
}

/// The logistic function in `Float` without branches: `t = e^{−|v|}` (never overflows),
/// `σ(v) = 1/(1 + t)` for `v ≥ 0` and `t/(1 + t)` otherwise. The exponential is Cephes'
/// `expf` scheme: `e^x = 2^n·e^r` with `n = round(x·log₂e)`, `r = x − n·ln 2` (ln 2 split in
/// two parts) and a degree-7 polynomial for `e^r`; within 2 ulp of `1/(1 + expf(−v))` down to
/// v = −87, and 0 below (σ < 2^{−125} there). NaN in gives NaN out; ±∞ give 1 and 0.
@inline(__always)
public func fastSigmoid(_ v: Float) -> Float {
    let a = -Swift.abs(v)
    let x: Float = a < -87 ? -87 : a
    // Round x·log₂e to an integer by adding 1.5·2²³: the integer lands in the low mantissa bits.
    let shifted = x * 1.44269504088896341 + 12582912.0
    let n = shifted - 12582912.0
    var r = x - n * 0.693359375
    r = r - n * -2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * r * r + r + 1
    let exponent = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000 &+ 127
    let scaled = p * Float(bitPattern: UInt32(bitPattern: exponent &<< 23))
    // Below −87, e^{−|v|} < 2^{−125}: taken as 0, so σ(−∞) = 0.
    let t: Float = a < -87 ? 0 : scaled
    let s = 1 / (1 + t)
    return v >= 0 ? s : t * s
}
