import RealModule

extension Tensor {
    /// `(outer, size, inner)` of this shape around `axis`.
    public func split(around axis: Int) -> (outer: Int, size: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Softmax (or log-softmax) along `axis`, shifted by the maximum for stability.
    static func softmaxKernel(_ x: Tensor, axis: Int, log: Bool = false) -> Tensor {
        let a = requireShapes { () throws(ShapeError) in
            try Shape.axis(axis, rank: x.rank, operation: log ? "log_softmax" : "softmax")
        }
        let (outer, n, inner) = x.split(around: a)
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { p in
                for o in 0..<outer {
                    for i in 0..<inner {
                        let base = o * n * inner + i
                        var m = -Scalar.infinity
                        for k in 0..<n { m = Swift.max(m, p[base + k * inner]) }
                        var z: Scalar = 0
                        for k in 0..<n { z += Scalar.exp(p[base + k * inner] - m) }
                        if log {
                            let lz = Scalar.log(z) + m
                            for k in 0..<n { out[base + k * inner] = p[base + k * inner] - lz }
                        } else {
                            for k in 0..<n {
                                out[base + k * inner] = Scalar.exp(p[base + k * inner] - m) / z
                            }
                        }
                    }
                }
            }
        }
    }

    /// Backward of softmax given its output `y`: `dx = y·(dy − Σ dy·y)`; of log-softmax:
    /// `dx = dy − softmax·Σ dy`.
    static func softmaxBackwardKernel(output y: Tensor, upstream dy: Tensor, axis: Int, log: Bool)
        -> Tensor
    {
        let a = requireShapes { () throws(ShapeError) in
            try Shape.axis(axis, rank: y.rank, operation: "softmax_backward")
        }
        let (outer, n, inner) = y.split(around: a)
        return Tensor(shape: y.shape) { out in
            y.scalars.withUnsafeBufferPointer { py in
                dy.scalars.withUnsafeBufferPointer { pd in
                    for o in 0..<outer {
                        for i in 0..<inner {
                            let base = o * n * inner + i
                            var dot: Scalar = 0
                            for k in 0..<n {
                                dot +=
                                    log
                                    ? pd[base + k * inner]
                                    : pd[base + k * inner] * py[base + k * inner]
                            }
                            for k in 0..<n {
                                let j = base + k * inner
                                out[j] =
                                    log ? pd[j] - Scalar.exp(py[j]) * dot : py[j] * (pd[j] - dot)
                            }
                        }
                    }
                }
            }
        }
    }
}
