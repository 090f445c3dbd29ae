import TensorCore

// The tile transforms run along a tile row: the same sums for every tile t, written to
// (and read from) many streams at once, too many for the compiler to prove apart, so it
// leaves those loops scalar. Written once over `WinogradLanes`, each loop body runs on eight
// or four tiles at a time in Float (`SIMD8<Float>`, `SIMD4<Float>`) and on one at a time
// otherwise. Lanes do exactly the scalar operations, in the same order (additions,
// subtractions, sign flips and products by constants, no fused multiply-add), so the
// results are the same bit for bit either way, signed zeros included.

/// Values a tile transform computes with: one scalar, or several tiles' scalars side by side.
protocol WinogradLanes {
    /// The scalar type of the tensors.
    associatedtype Element
    /// The type of the transforms' constant coefficients (2, 4, −5, …).
    associatedtype Coefficient: ExpressibleByIntegerLiteral
    /// `width` consecutive scalars from `p`.
    init(loadingFrom p: UnsafePointer<Element>)
    /// Writes the value's scalars to `width` consecutive places from `p`.
    func store(to p: UnsafeMutablePointer<Element>)
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    /// The value with its sign flipped, zeros included (−0 for +0, as the scalar `-x`; the
    /// SIMD types' own prefix minus computes `0 − x`, which gives +0 for +0).
    func negated() -> Self
    static func * (a: Coefficient, b: Self) -> Self
}

/// One tile's scalar.
struct ScalarLane<S: TensorElement>: WinogradLanes {
    typealias Element = S
    typealias Coefficient = S
    var value: S
    @inline(__always) init(_ value: S) { self.value = value }
    @inline(__always) init(loadingFrom p: UnsafePointer<S>) { value = p.pointee }
    @inline(__always) func store(to p: UnsafeMutablePointer<S>) { p.pointee = value }
    @inline(__always) static func + (a: Self, b: Self) -> Self { Self(a.value + b.value) }
    @inline(__always) static func - (a: Self, b: Self) -> Self { Self(a.value - b.value) }
    @inline(__always) func negated() -> Self { Self(-value) }
    @inline(__always) static func * (a: S, b: Self) -> Self { Self(a * b.value) }
}

/// Loads, stores and sign flips of Float vectors, shared by the conformances below.
extension SIMD where Scalar == Float {
    /// `scalarCount` consecutive scalars from `p`.
    @inline(__always) init(loadingFrom p: UnsafePointer<Float>) {
        self = UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
    /// Writes the scalars to `scalarCount` consecutive places from `p`.
    @inline(__always) func store(to p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self)
    }
    /// Each lane with its sign bit flipped, as the scalar `-x` (the SIMD types' own prefix
    /// minus computes `0 − x`, which gives +0 for +0).
    @inline(__always) func negated() -> Self {
        var r = self
        for i in indices { r[i] = Float(bitPattern: self[i].bitPattern ^ (1 << 31)) }
        return r
    }
}

/// Eight tiles' Float scalars.
extension SIMD8: WinogradLanes where Scalar == Float {
    typealias Element = Float
    typealias Coefficient = Float
}

/// Four tiles' Float scalars, for tile rows of four to seven tiles.
extension SIMD4: WinogradLanes where Scalar == Float {
    typealias Element = Float
    typealias Coefficient = Float
}

/// Runs a transform's loop body over tiles `0..<count` along a tile row.
struct TileLanes<S: TensorElement> {
    /// Whether Float runs several tiles at a time (`WinogradPlan.vectorLanes`).
    let vectors: Bool

    /// `scalar(t)` for each tile, or, for Float, `vector(t)` for blocks of eight from t = 0
    /// on rows of eight tiles or more and `vector4(t)` for blocks of four on rows of four to
    /// seven, the last block ending at `count` and overlapping the one before it when the
    /// tiles do not divide evenly: every body writes values that depend only on its tiles,
    /// so a tile done twice is written twice with the same value (23 tiles: blocks at 0, 8
    /// and 15; 6 tiles: 0 and 2). An overlapping block of eight measured faster than ending
    /// a long row with blocks of four (16×64×90×90: 77 against 82 ms forward and backward).
    @inline(__always)
    func forEach(
        _ count: Int, scalar: (Int) -> Void, vector: (Int) -> Void, vector4: (Int) -> Void
    ) {
        guard vectors, S.self == Float.self, count >= 4 else {
            for t in 0..<count { scalar(t) }
            return
        }
        guard count >= 8 else {
            vector4(0)
            if count > 4 { vector4(count - 4) }
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
