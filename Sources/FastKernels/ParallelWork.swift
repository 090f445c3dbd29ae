import Dispatch
import TensorCore

/// How many threads the fast kernels may use: the BLAS library's limit, or fewer when a
/// caller forces a count for the work it runs (`KernelThreads.$forced`), as the tests of
/// the fast kernels do to check the one-thread and two-thread paths on any machine.
public enum KernelThreads {
    /// A count forced for the current task, or nil for the library's limit.
    @TaskLocal public static var forced: Int? = nil

    /// The threads a kernel may use now (at least 1).
    public static var count: Int {
        let limit = BLASLibrary.threadLimit
        return max(1, forced.map { min($0, limit) } ?? limit)
    }

    /// Runs `body` with the fast kernels limited to `n` threads.
    public static func with<T>(_ n: Int, _ body: () throws -> T) rethrows -> T {
        try $forced.withValue(n) { try body() }
    }
}

/// Work that is cheap per element (batch norm, activations, pooling) runs on two threads when
/// there is enough of it and two may be used; each thread takes a contiguous half of the
/// index range, so every element is computed by the same code in the same order whichever
/// way the work is split.
public enum ParallelWork {
    /// Elements below which a kernel stays on the calling thread: handing work to a second
    /// thread costs about as much as a cheap pass over this many elements (chosen with the
    /// training-step benchmark).
    public static let minimumElements = 1 << 18

    /// Calls `body` for `0..<count` at once, or for two halves on two threads when
    /// `elements` (the elements the whole range touches) is large enough.
    @inlinable
    public static func split(_ count: Int, elements: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard count >= 2, elements >= minimumElements, KernelThreads.count >= 2 else {
            return body(0..<count)
        }
        let half = count / 2
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            body(i == 0 ? 0..<half : half..<count)
        }
    }

    /// `split` as the reference kernels take it.
    public static let splitter = WorkSplitter { count, elements, body in
        split(count, elements: elements, body)
    }
}

/// When the BLAS library runs a product on more than one thread.
///
/// OpenBLAS's threads spin and yield on small products, which costs more than it gains;
/// products below `parallelThreshold` multiply-adds therefore run on one thread and larger
/// ones on every thread allowed.
public enum BLASThreads {
    /// The largest number of threads a product may use now.
    public static var count: Int { KernelThreads.count }

    /// The OpenBLAS kernel family in use (see `BLASLibrary.core`).
    public static var core: String { BLASLibrary.core }

    /// Sets the largest number of threads a product may use (at least 1).
    public static func set(_ n: Int) { BLASLibrary.setThreadLimit(n) }

    /// Products with fewer multiply-adds than this run single-threaded.
    public static let parallelThreshold = 1 << 24

    /// Chooses the thread count for an `m×k · k×n` product.
    @inlinable
    public static func fit(m: Int, n: Int, k: Int) {
        BLASLibrary.useThreads(all: m &* n &* k >= parallelThreshold && KernelThreads.count >= 2)
    }
}

extension TensorElement {
    /// `C = op(A)·op(B) + beta·C` for the workers of a kernel: on the calling thread alone
    /// when `serial` (two workers run side by side after `BLASThreads.fit` chose one BLAS
    /// thread), otherwise with the thread count `BLASThreads.fit` chooses.
    @inlinable
    static func product(
        serial: Bool, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        if !serial { BLASThreads.fit(m: m, n: n, k: k) }
        gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda,
             b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}
