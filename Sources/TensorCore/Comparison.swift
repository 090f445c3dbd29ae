import RealModule

/// The result of comparing two tensors element by element under `|a − b| ≤ atol + rtol·|b|`.
public struct Closeness: Sendable, CustomStringConvertible {
    /// Whether the shapes agree and every element passes.
    public let passed: Bool
    /// Largest `|a − b|`.
    public let maxAbsError: Double
    /// Largest `|a − b| / |b|` over elements where `b ≠ 0` (0 when there are none).
    public let maxRelError: Double
    /// The first multi-index that fails, if any.
    public let firstFailure: [Int]?
    /// A human-readable reason when the comparison failed.
    public let reason: String?

    /// A comparison result built by hand (e.g. a failure with no tensors to compare).
    public init(passed: Bool, maxAbsError: Double, maxRelError: Double, firstFailure: [Int]?, reason: String?) {
        self.passed = passed
        self.maxAbsError = maxAbsError
        self.maxRelError = maxRelError
        self.firstFailure = firstFailure
        self.reason = reason
    }

    public var description: String {
        if passed {
            return "close (max abs \(maxAbsError), max rel \(maxRelError))"
        }
        return reason ?? "not close"
    }
}

/// The one comparison helper: `|a − b| ≤ atol + rtol·|b|`, shapes checked first,
/// reporting the first index that differs. `b` is the reference.
public func compare<A: TensorScalar, B: TensorScalar>(
    _ a: Tensor<A>, _ b: Tensor<B>, atol: Double, rtol: Double
) -> Closeness {
    guard a.shape == b.shape else {
        return Closeness(
            passed: false, maxAbsError: .infinity, maxRelError: .infinity, firstFailure: nil,
            reason: "shapes differ: \(describe(a.shape)) vs reference \(describe(b.shape))")
    }
    var maxAbs = 0.0
    var maxRel = 0.0
    var first: Int? = nil
    for i in 0..<a.count {
        let x = Double(a.scalars[i])
        let y = Double(b.scalars[i])
        let diff = abs(x - y)
        let ok = diff <= atol + rtol * abs(y) || (x == y)  // equal infinities pass
        if diff.isNaN || !ok {
            if first == nil { first = i }
        }
        if diff.isNaN { maxAbs = .nan } else if !maxAbs.isNaN { maxAbs = max(maxAbs, diff) }
        if y != 0, !diff.isNaN { maxRel = max(maxRel, diff / abs(y)) }
    }
    if let f = first {
        let index = b.multiIndex(f)
        return Closeness(
            passed: false, maxAbsError: maxAbs, maxRelError: maxRel, firstFailure: index,
            reason: "first mismatch at \(index): \(a.scalars[f]) vs reference \(b.scalars[f]) "
                + "(atol \(atol), rtol \(rtol)); max abs \(maxAbs), max rel \(maxRel)")
    }
    return Closeness(passed: true, maxAbsError: maxAbs, maxRelError: maxRel, firstFailure: nil, reason: nil)
}
