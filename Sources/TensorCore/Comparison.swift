import Foundation
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
    /// The quantity that decides: the largest `|a − b| / (atol + rtol·|b|)` (elements equal
    /// to their reference count 0); every element passes when it is at most 1.
    public let toleranceRatio: Double
    /// The tolerances compared with (nil for a result built by hand without them).
    public let tolerance: (atol: Double, rtol: Double)?

    /// A comparison result built by hand (e.g. a failure with no tensors to compare); the
    /// tolerance ratio is 0 for a pass and infinite for a failure unless given.
    public init(
        passed: Bool, maxAbsError: Double, maxRelError: Double, firstFailure: [Int]?,
        reason: String?,
        toleranceRatio: Double? = nil, tolerance: (atol: Double, rtol: Double)? = nil
    ) {
        self.passed = passed
        self.maxAbsError = maxAbsError
        self.maxRelError = maxRelError
        self.firstFailure = firstFailure
        self.reason = reason
        self.toleranceRatio = toleranceRatio ?? (passed ? 0 : .infinity)
        self.tolerance = tolerance
    }

    /// The deciding quantity as a line says it: `max |a−b|/(1e-05 + 0.001·|b|) = 0.31 ≤ 1`.
    public func verdictQuantity(_ a: String = "a", _ b: String = "b") -> String {
        let ratio = toleranceRatio.isFinite ? Self.short(toleranceRatio) : "\(toleranceRatio)"
        let bound =
            tolerance.map { String(format: "%g + %g", $0.atol, $0.rtol) + "·|\(b)|" }
            ?? "atol + rtol·|\(b)|"
        return "max |\(a)−\(b)|/(\(bound)) = \(ratio) \(toleranceRatio <= 1 ? "≤" : ">") 1"
    }

    /// Three significant digits (trailing zeros dropped), exponent form outside [0.01, 1000).
    static func short(_ x: Double) -> String {
        if x == 0 { return "0" }
        if abs(x) >= 0.01 && abs(x) < 1000 {
            let digits =
                abs(x) >= 100 ? 0 : abs(x) >= 10 ? 1 : abs(x) >= 1 ? 2 : abs(x) >= 0.1 ? 3 : 4
            var text = String(format: "%.\(digits)f", x)
            if text.contains(".") {
                while text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
            }
            return text
        }
        return String(format: "%.1e", x)
    }

    /// The verdict as printed: the largest errors when close, else the reason (or `not close`).
    public var description: String {
        if passed {
            return "close (max abs \(maxAbsError), max rel \(maxRelError))"
        }
        return reason ?? "not close"
    }
}

/// The one comparison helper: `|a − b| ≤ atol + rtol·|b|`, shapes checked first,
/// reporting the first index that differs. `b` is the reference.
public func compare<A: TensorElement, B: TensorElement>(
    _ a: Tensor<A>, _ b: Tensor<B>, atol: Double, rtol: Double
) -> Closeness {
    guard a.shape == b.shape else {
        return Closeness(
            passed: false, maxAbsError: .infinity, maxRelError: .infinity, firstFailure: nil,
            reason: "shapes differ: \(describe(a.shape)) vs reference \(describe(b.shape))")
    }
    var maxAbs = 0.0
    var maxRel = 0.0
    var ratio = 0.0
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
        if x != y { ratio = diff.isNaN ? .infinity : max(ratio, diff / (atol + rtol * abs(y))) }
    }
    if let f = first {
        let index = b.multiIndex(f)
        return Closeness(
            passed: false, maxAbsError: maxAbs, maxRelError: maxRel, firstFailure: index,
            reason: "first mismatch at \(index): \(a.scalars[f]) vs reference \(b.scalars[f]) "
                + "(atol \(atol), rtol \(rtol)); max abs \(maxAbs), max rel \(maxRel)",
            toleranceRatio: max(ratio, 1 + 1e-12), tolerance: (atol, rtol))
    }
    return Closeness(
        passed: true, maxAbsError: maxAbs, maxRelError: maxRel, firstFailure: nil, reason: nil,
        toleranceRatio: ratio, tolerance: (atol, rtol))
}
