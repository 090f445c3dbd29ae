import Foundation
import TensorCore

/// Time and arithmetic per kernel while a profile is active (`KernelProfile.recording`):
/// how `ddl bench` reports where a training step spends its time.
public final class KernelProfile: @unchecked Sendable {
    /// What one kernel accumulated.
    public struct Entry: Sendable {
        /// Calls of the kernel.
        public var calls = 0
        /// Seconds spent in them.
        public var seconds = 0.0
        /// Floating-point operations (multiply and add counted apart) of the products.
        public var flops = 0.0
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    /// Whether kernels that name their operands' shapes are recorded apart per shape.
    public let byShape: Bool

    /// A profile; with `byShape`, convolutions are recorded per geometry.
    public init(byShape: Bool = false) { self.byShape = byShape }

    /// The profile that kernels called inside `recording` report to.
    @TaskLocal static var current: KernelProfile?

    /// Runs `body` with this profile recording every kernel it calls.
    public func recording<T>(_ body: () throws -> T) rethrows -> T {
        try KernelProfile.$current.withValue(self) { try body() }
    }

    /// Everything recorded so far, by kernel name.
    public var snapshot: [String: Entry] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }

    /// Clears what was recorded.
    public func reset() {
        lock.lock()
        entries = [:]
        lock.unlock()
    }

    func add(_ name: String, seconds: Double, flops: Double) {
        lock.lock()
        entries[name, default: Entry()].calls += 1
        entries[name, default: Entry()].seconds += seconds
        entries[name, default: Entry()].flops += flops
        lock.unlock()
    }

    /// Runs a kernel, timing it when a profile is recording.
    @inline(__always)
    public static func measure<T>(
        _ name: String, shape: @autoclosure () -> String = "", flops: @autoclosure () -> Double = 0,
        _ body: () -> T
    ) -> T {
        guard let profile = current else { return body() }
        let key =
            profile.byShape ? [name, shape()].filter { !$0.isEmpty }.joined(separator: " ") : name
        let clock = ContinuousClock()
        let start = clock.now
        let result = body()
        let d = clock.now - start
        profile.add(
            key, seconds: Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18,
            flops: flops())
        return result
    }
}
