import TensorCore

// The tile transforms run along a tile row: the same sums for every tile t, written to
// (and read from) many streams at once, too many for the compiler to prove apart, so it
// leaves those loops scalar. Written once over `WinogradLanes`, each loop body runs on eight
// tiles at a time in Float (`SIMD8<Float>`) and on one at a time otherwise. Lanes do exactly
// the scalar operations, in the same order (additions, subtractions and products by
// constants, no fused multiply-add), so the results are the same bit for bit either way.

/// Values a tile transform computes with: one scalar, or several tiles' scalars side by side.
protocol WinogradLanes {
    /// The scalar type of the tensors.
    associatedtype Element
    /// The type of the transforms' constant coefficients (2, 4, −5, …).
    associatedtype Coefficient: ExpressibleByIntegerLiteral
    /// Tiles per value.
    static var width: Int { get }
    /// `width` consecutive scalars from `p`.
    init(loadingFrom p: UnsafePointer<Element>)
    /// Writes the value's scalars to `width` consecutive places from `p`.
    func store(to p: UnsafeMutablePointer<Element>)
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static prefix func - (a: Self) -> Self
    static func * (a: Coefficient, b: Self) -> Self
}

/// One tile's scalar.
struct ScalarLane<S: TensorElement>: WinogradLanes {
    typealias Element = S
    typealias Coefficient = S
    var value: S
    static var width: Int { 1 }
    @inline(__always) init(_ value: S) { self.value = value }
    @inline(__always) init(loadingFrom p: UnsafePointer<S>) { value = p.pointee }
    @inline(__always) func store(to p: UnsafeMutablePointer<S>) { p.pointee = value }
    @inline(__always) static func + (a: Self, b: Self) -> Self { Self(a.value + b.value) }
    @inline(__always) static func - (a: Self, b: Self) -> Self { Self(a.value - b.value) }
    @inline(__always) static prefix func - (a: Self) -> Self { Self(-a.value) }
    @inline(__always) static func * (a: S, b: Self) -> Self { Self(a * b.value) }
}

/// Eight tiles' Float scalars.
extension SIMD8: WinogradLanes where Scalar == Float {
    typealias Element = Float
    typealias Coefficient = Float
    static var width: Int { 8 }
    @inline(__always) init(loadingFrom p: UnsafePointer<Float>) {
        self = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inline(__always) func store(to p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: SIMD8<Float>.self)
    }
}

/// Runs a transform's loop body over tiles `0..<count` along a tile row.
struct TileLanes<S: TensorElement> {
    /// Whether Float runs eight tiles at a time (`WinogradPlan.vectorLanes`).
    let vectors: Bool

    /// `scalar(t)` for each tile, or, for Float with eight tiles or more, `vector(t)` for the
    /// blocks of eight from t = 0 and one last block ending at `count`, overlapping the one
    /// before it: every body writes values that depend only on its tiles, so a tile done
    /// twice is written twice with the same value.
    @inline(__always)
    func forEach(
        _ count: Int, scalar: (Int) -> Void, vector: (Int) -> Void
    ) {
        guard vectors, S.self == Float.self, count >= 8 else {
            for t in 0..<count { scalar(t) }
            return
        }
        var t = 0
        while t + 8 < count {
            vector(t)
            t += 8
        }
        vector(count - 8)
    }
}

/// A pointer of a generic scalar that is Float, seen as Float (used only where `S` is Float).
@inline(__always)
func floatView<S>(_ p: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
}

/// A read-only pointer of a generic scalar that is Float, seen as Float.
@inline(__always)
func floatView<S>(reading p: UnsafePointer<S>) -> UnsafePointer<Float> {
    UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
}
