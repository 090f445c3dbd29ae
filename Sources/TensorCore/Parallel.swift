import Dispatch

/// Work that is cheap per element (batch norm, activations, pooling) runs on two threads when
/// there is enough of it and BLAS may use two threads (the library's thread budget); each
/// thread takes a contiguous half of the index range, so every element is computed by the
/// same code in the same order whichever way the work is split.
public enum ParallelWork {
    /// Elements below which a kernel stays on the calling thread: handing work to a second
    /// thread costs microseconds, as much as a cheap pass over this many elements (measured:
    /// 2^18 rather than 2^16 made the quick configuration's training step 34 → 32 ms and
    /// left the paper configuration as it was).
    public static let minimumElements = 1 << 18

    /// Calls `body` for `0..<count` at once, or for two halves on two threads when
    /// `elements` (the elements the whole range touches) is large enough.
    @inlinable
    public static func split(_ count: Int, elements: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard count >= 2, elements >= minimumElements, BLASThreads.count >= 2 else { return body(0..<count) }
        let half = count / 2
        DispatchQueue.concurrentPerform(iterations: 2) { i in body(i == 0 ? 0..<half : half..<count) }
    }
}
