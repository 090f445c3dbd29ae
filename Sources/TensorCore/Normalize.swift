import RealModule

extension Tensor {
    /// The L2 norm of every fibre along `axis`, shaped `[outer, inner]` in a flat array.
    public func norms(alongAxis axis: Int) -> [Scalar] {
        let (outer, n, inner) = split(around: axis)
        var result = [Scalar](repeating: 0, count: outer * inner)
        scalars.withUnsafeBufferPointer { p in
            for o in 0..<outer {
                for i in 0..<inner {
                    var acc: Scalar = 0
                    for k in 0..<n { let v = p[(o * n + k) * inner + i]; acc += v * v }
                    result[o * inner + i] = acc.squareRoot()
                }
            }
        }
        return result
    }

    /// `x / max(‖x‖₂, eps)` along `axis` (PyTorch's `F.normalize`).
    static func l2NormalizedKernel(_ x: Tensor, axis: Int, eps: Scalar) -> Tensor {
        let a = requireShapes { () throws(ShapeError) in
            try Shape.axis(axis, rank: x.rank, operation: "l2_normalize")
        }
        let norms = x.norms(alongAxis: a)
        let (outer, n, inner) = x.split(around: a)
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                for o in 0..<outer {
                    for i in 0..<inner {
                        let d = Swift.max(norms[o * inner + i], eps)
                        for k in 0..<n { let j = (o * n + k) * inner + i; out[j] = p[j] / d }
                    }
                }
            }
        }
    }

    /// Backward of `l2Normalized`: `(dy − y·Σ dy·y)/‖x‖` where `‖x‖ > eps`, else `dy/eps`.
    static func l2NormalizedBackwardKernel(_ x: Tensor, upstream dy: Tensor, axis: Int, eps: Scalar)
        -> Tensor
    {
        let a = requireShapes { () throws(ShapeError) in
            try Shape.axis(axis, rank: x.rank, operation: "l2_normalize_backward")
        }
        let norms = x.norms(alongAxis: a)
        let (outer, n, inner) = x.split(around: a)
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                dy.scalars.withUnsafeBufferPointer { pd in
                    for o in 0..<outer {
                        for i in 0..<inner {
                            let norm = norms[o * inner + i]
                            if norm > eps {
                                var dot: Scalar = 0
                                for k in 0..<n {
                                    let j = (o * n + k) * inner + i; dot += pd[j] * p[j]
                                }
                                let dot2 = dot / (norm * norm)
                                for k in 0..<n {
                                    let j = (o * n + k) * inner + i;
                                    out[j] = (pd[j] - p[j] * dot2) / norm
                                }
                            } else {
                                for k in 0..<n {
                                    let j = (o * n + k) * inner + i; out[j] = pd[j] / eps
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A dropout mask: each element kept with probability `1 − p` and scaled by `1/(1 − p)`,
    /// otherwise 0. Drawn from `generator`, so the same seed gives the same mask.
    static func dropoutMaskKernel(_ shape: [Int], p: Double, generator: inout RandomGenerator)
        -> Tensor
    {
        precondition(p >= 0 && p <= 1, "dropout: probability \(p) is outside [0, 1]")
        let keep: Scalar = p < 1 ? Scalar(1 / (1 - p)) : 0
        return Tensor(shape: shape) { out in
            for i in 0..<out.count { out[i] = generator.nextUnit() < p ? 0 : keep }
        }
    }
}
