import TensorCore

extension Tensor {
    /// The logistic function over a tensor, on two threads when large, by the branch-free
    /// `fastSigmoid` (so the loop vectorises); `Float` only.
    static func sigmoidFast(_ x: Tensor<Float>) -> Tensor<Float> {
        Tensor<Float>(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                guard p.count > 0 else { return }
                let (src, dst) = (SendablePointer(p.start), SendableMutablePointer(out.start))
                ParallelWork.split(p.count, elements: p.count) { range in
                    for i in range { dst.pointer[i] = fastSigmoid(src.pointer[i]) }
                }
            }
        }
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
