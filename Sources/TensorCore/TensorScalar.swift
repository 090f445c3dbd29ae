import COpenBLAS
import RealModule

/// A floating-point scalar a tensor can hold: `Float` for training, `Double` for gradient checks.
///
/// The protocol carries the BLAS entry points, so every kernel has one generic code path and
/// the product dispatches to `sgemm` or `dgemm` by type, with no runtime dtype.
public protocol TensorScalar: BinaryFloatingPoint, Real, Sendable, CustomStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// A short name for reports and files: `"float32"` or `"float64"`.
    static var dtypeName: String { get }

    /// Every kernel, specialised for this scalar type (see `KernelTable`).
    static var kernels: KernelTable<Self> { get }

    /// Row-major general product `C[m×n] = alpha·op(A)·op(B) + beta·C` (BLAS `?gemm`).
    ///
    /// `op(A)` is `m×k` and `op(B)` is `k×n`; `lda`, `ldb`, `ldc` are the row strides of the
    /// matrices as stored.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    )

    /// The same product on the BLAS threads as they are currently set, without choosing a
    /// count: for workers that run products side by side after `BLASThreads.fit` chose one.
    static func gemmOnCurrentThreads(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    )
}

extension Float: TensorScalar {
    public static var dtypeName: String { "float32" }
    public static let kernels = KernelTable<Float>.make()

    @inlinable
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        BLASThreads.fit(m: m, n: n, k: k)
        gemmOnCurrentThreads(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                             b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    @inlinable
    public static func gemmOnCurrentThreads(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        ddl_sgemm(
            transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension Double: TensorScalar {
    public static var dtypeName: String { "float64" }
    public static let kernels = KernelTable<Double>.make()

    @inlinable
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        BLASThreads.fit(m: m, n: n, k: k)
        gemmOnCurrentThreads(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                             b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    @inlinable
    public static func gemmOnCurrentThreads(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        ddl_dgemm(
            transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension TensorScalar {
    /// `C = op(A)·op(B) + beta·C` for the workers of a kernel: on the calling thread alone
    /// when `serial` (two workers run side by side after `BLASThreads.fit` chose one BLAS
    /// thread), otherwise with the thread count `gemm` chooses.
    @inlinable
    static func product(
        serial: Bool, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int, beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        if serial {
            gemmOnCurrentThreads(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda,
                                 b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        } else {
            gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda,
                 b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}

/// Threading of the BLAS library behind every large product.
///
/// OpenBLAS's threads spin and yield on small products, which costs more than it gains;
/// products below `parallelThreshold` multiply-adds therefore run on one thread and larger
/// ones on `count` threads.
public enum BLASThreads {
    /// The largest number of threads a product may use (OpenBLAS's own default until set).
    public static var count: Int { Int(ddl_blas_limit()) }

    /// The OpenBLAS kernel family in use ("Haswell", "SkylakeX", "Cooperlake", …): set by
    /// the CPU, or by the environment variable `OPENBLAS_CORETYPE`.
    public static var core: String { String(cString: ddl_blas_core()) }

    /// Sets the largest number of threads a product may use (at least 1).
    public static func set(_ n: Int) { ddl_blas_set_limit(Int32(max(1, n))) }

    /// Products with fewer multiply-adds than this run single-threaded.
    public static let parallelThreshold = 1 << 24

    /// Chooses the thread count for an `m×k · k×n` product.
    @inlinable
    public static func fit(m: Int, n: Int, k: Int) {
        ddl_blas_fit(m &* n &* k >= parallelThreshold ? 1 : 0)
    }
}
