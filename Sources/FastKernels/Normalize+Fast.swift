import TensorCore

// L2 normalisation of contiguous fibres with its sums in partial sums. The reference sums
// each fibre's squares (and, backward, its products with the upstream gradient) in one
// accumulator, a chain of dependent additions; the attention-transfer loss (Eq. 7)
// normalises whole attention maps of up to 129,600 elements this way. Here a contiguous
// fibre (the normalised axis is the last that is not 1) is summed in four interleaved
// partial sums (`planeDot`); other layouts go to the reference. Rounding differs from the
// reference's in the sums; every other operation is the reference's.

extension Tensor {
    /// `x / max(‖x‖₂, eps)` along `axis`, as the reference `l2Normalized`; nil when the
    /// fibres along `axis` are not contiguous (or `x` is empty), for the reference to do.
    public static func l2NormalizedFast(_ x: Tensor, axis: Int, eps: Scalar) -> Tensor? {
        guard let (outer, n) = x.contiguousFibres(axis) else { return nil }
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { px in
                guard let p = px.baseAddress, let o = out.baseAddress else { return }
                for f in 0..<outer {
                    let v = p + f * n, w = o + f * n
                    let d = Swift.max(planeDot(v, v, count: n).squareRoot(), eps)
                    for k in 0..<n { w[k] = v[k] / d }
                }
            }
        }
    }

    /// The backward of `l2NormalizedFast`: `(dy − y·Σ dy·y)/‖x‖` where `‖x‖ > eps`, else
    /// `dy/eps`, as the reference `l2NormalizedBackward`; nil where `l2NormalizedFast` is
    /// (and when the shapes differ, for the reference's error).
    public static func l2NormalizedBackwardFast(
        _ x: Tensor, upstream dy: Tensor, axis: Int, eps: Scalar
    ) -> Tensor? {
        guard let (outer, n) = x.contiguousFibres(axis), dy.shape == x.shape else { return nil }
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { px in
                dy.scalars.withUnsafeBufferPointer { pd in
                    guard let p = px.baseAddress, let g = pd.baseAddress, let o = out.baseAddress
                    else { return }
                    for f in 0..<outer {
                        let v = p + f * n, u = g + f * n, w = o + f * n
                        let norm = planeDot(v, v, count: n).squareRoot()
                        if norm > eps {
                            let dot2 = planeDot(u, v, count: n) / (norm * norm)
                            for k in 0..<n { w[k] = (u[k] - v[k] * dot2) / norm }
                        } else {
                            for k in 0..<n { w[k] = u[k] / eps }
                        }
                    }
                }
            }
        }
    }

    /// `(fibres, length)` when every fibre along `axis` is contiguous (all later axes are 1)
    /// and the tensor is not empty; nil otherwise.
    func contiguousFibres(_ axis: Int) -> (Int, Int)? {
        guard axis >= 0, axis < rank, count > 0 else { return nil }
        let (outer, n, inner) = split(around: axis)
        return inner == 1 ? (outer, n) : nil
    }
}

/// `Σ a[t]·b[t]` over `count` elements in four interleaved partial sums, combined pairwise.
@inline(__always)
func planeDot<S: TensorElement>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, count: Int) -> S {
    var s0: S = 0, s1: S = 0, s2: S = 0, s3: S = 0
    var t = 0
    while t + 4 <= count {
        s0 += a[t] * b[t]
        s1 += a[t + 1] * b[t + 1]
        s2 += a[t + 2] * b[t + 2]
        s3 += a[t + 3] * b[t + 3]
        t += 4
    }
    while t < count {
        s0 += a[t] * b[t]
        t += 1
    }
    return (s0 + s1) + (s2 + s3)
}
