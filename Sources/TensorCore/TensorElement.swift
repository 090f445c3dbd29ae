import COpenBLAS
import RealModule

/// A floating-point scalar a tensor can hold: `Float` for training, `Double` for gradient
/// checks.
///
/// The protocol carries the BLAS entry points, so every kernel has one generic code path and
/// the product dispatches to `sgemm` or `dgemm` by type, with no runtime dtype. It also
/// carries the reference kernels built for the concrete type (see `KernelTable`).
public protocol TensorElement: BinaryFloatingPoint, Real, Sendable, CustomStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// A short name for reports and files: `"float32"` or `"float64"`.
    static var dtypeName: String { get }

    /// The reference kernels of this type, their per-element work split by `split`.
    static func referenceKernels(split: WorkSplitter) -> KernelTable<Self>

    /// Row-major general product `C[m×n] = alpha·op(A)·op(B) + beta·C` (BLAS `?gemm`), on
    /// the BLAS threads as they are currently set.
    ///
    /// `op(A)` is `m×k` and `op(B)` is `k×n`; `lda`, `ldb`, `ldc` are the row strides of the
    /// matrices as stored.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    )
}

extension Float: TensorElement {
    /// `"float32"`.
    public static var dtypeName: String { "float32" }

    /// The reference kernels compiled for `Float`.
    public static func referenceKernels(split: WorkSplitter) -> KernelTable<Float> {
        KernelTable<Float>.make(split: split)
    }

    /// `sgemm`.
    @inlinable
    public static func gemm(
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

extension Double: TensorElement {
    /// `"float64"`.
    public static var dtypeName: String { "float64" }

    /// The reference kernels compiled for `Double`.
    public static func referenceKernels(split: WorkSplitter) -> KernelTable<Double> {
        KernelTable<Double>.make(split: split)
    }

    /// `dgemm`.
    @inlinable
    public static func gemm(
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

/// The BLAS library's own thread settings, as the C shim holds them. The policy of when a
/// product uses more than one thread belongs to the fast layer (`BLASThreads` there); this
/// is only the switch, kept in the one file that imports the shim.
public enum BLASLibrary {
    /// The largest number of threads a product may use (OpenBLAS's own default until set).
    public static var threadLimit: Int { Int(ddl_blas_limit()) }

    /// Sets the largest number of threads a product may use (at least 1).
    public static func setThreadLimit(_ n: Int) { ddl_blas_set_limit(Int32(max(1, n))) }

    /// Runs the next products on all allowed threads (`all`) or on one.
    public static func useThreads(all: Bool) { ddl_blas_fit(all ? 1 : 0) }

    /// The OpenBLAS kernel family in use ("Haswell", "SkylakeX", "Zen", …): set by the CPU,
    /// or by the environment variable `OPENBLAS_CORETYPE`.
    public static var core: String { String(cString: ddl_blas_core()) }
}

/// How a kernel spreads per-element work: `run(count, elements, body)` calls `body` over
/// ranges that cover `0..<count` exactly once (`elements` is how many elements the whole
/// range touches, for deciding whether splitting pays). Each range is computed by the same
/// code in the same order however the work is split, so results do not depend on it.
public struct WorkSplitter: Sendable {
    /// Calls the body over ranges covering `0..<count`.
    public let run: @Sendable (Int, Int, @Sendable (Range<Int>) -> Void) -> Void

    /// A splitter from its rule.
    public init(_ run: @escaping @Sendable (Int, Int, @Sendable (Range<Int>) -> Void) -> Void) {
        self.run = run
    }

    /// The whole range at once, on the calling thread: the reference kernels' way.
    public static let serial = WorkSplitter { count, _, body in body(0..<count) }
}
