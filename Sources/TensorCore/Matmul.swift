import RealModule

extension Tensor {
    /// Matrix product `op(a) · op(b)` of two rank-2 tensors through BLAS gemm.
    ///
    /// Shapes: `op(a)` is `[m, k]`, `op(b)` is `[k, n]`, the result `[m, n]`.
    /// (The reference product, on the BLAS threads as they are set; `m`, `k`, `n` come from
    /// `matmulShape`.)
    public static func matmulKernel(
        _ a: Tensor, _ b: Tensor, m: Int, k: Int, n: Int, transposeA: Bool, transposeB: Bool
    ) -> Tensor {
        Tensor(shape: [m, n]) { out in
            guard m > 0, n > 0 else { return }
            if k == 0 {
                for i in 0..<out.count { out[i] = 0 }
                return
            }
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    Scalar.gemm(
                        transA: transposeA, transB: transposeB, m: m, n: n, k: k,
                        alpha: 1, a: pa.start, lda: a.shape[1],
                        b: pb.start, ldb: b.shape[1],
                        beta: 0, c: out.start, ldc: n)
                }
            }
        }
    }

    /// Validates a matrix product and returns `(m, k, n)`.
    public static func matmulShape(
        _ a: [Int], _ b: [Int], transposeA: Bool, transposeB: Bool
    ) throws(ShapeError) -> (Int, Int, Int) {
        guard a.count == 2, b.count == 2 else {
            throw ShapeError("matmul", "needs two matrices, got \(describe(a)) and \(describe(b))")
        }
        let (m, ka) = transposeA ? (a[1], a[0]) : (a[0], a[1])
        let (kb, n) = transposeB ? (b[1], b[0]) : (b[0], b[1])
        guard ka == kb else {
            throw ShapeError(
                "matmul",
                "inner sizes differ: \(describe(a))\(transposeA ? "ᵀ" : "") · " +
                "\(describe(b))\(transposeB ? "ᵀ" : "")"
            )
        }
        return (m, ka, n)
    }

    /// The transpose of a rank-2 tensor.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed: needs a matrix, got \(describe(shape))")
        let r = shape[0], c = shape[1]
        return Tensor(shape: [c, r]) { out in
            scalars.withUnsafeBufferPointer { p in
                for i in 0..<r { for j in 0..<c { out[j * r + i] = p[i * c + j] } }
            }
        }
    }
}
