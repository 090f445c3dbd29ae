import FastKernels
import TensorCore

// The small vocabulary the face painter draws with: linear RGB colours, soft coverage of
// signed distances (anti-aliasing over about one pixel), approximate distances to
// ellipses and curves, and seeded draws.

/// A linear colour with components nominally in [0, 1].
struct RGB: Sendable, Equatable {
    var r: Float
    var g: Float
    var b: Float

    init(_ r: Float, _ g: Float, _ b: Float) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// `self` blended towards `other` by `t` (0 keeps `self`, 1 gives `other`).
    @inline(__always) func mixed(with other: RGB, _ t: Float) -> RGB {
        RGB(r + (other.r - r) * t, g + (other.g - g) * t, b + (other.b - b) * t)
    }

    @inline(__always) static func * (c: RGB, k: Float) -> RGB { RGB(c.r * k, c.g * k, c.b * k) }
    @inline(__always) static func * (c: RGB, d: RGB) -> RGB { RGB(c.r * d.r, c.g * d.g, c.b * d.b) }
    @inline(__always) static func + (c: RGB, d: RGB) -> RGB { RGB(c.r + d.r, c.g + d.g, c.b + d.b) }
}

/// How much of a pixel a shape covers, given the signed distance `d` of the pixel centre
/// to the shape's edge (negative inside) and the pixel's footprint `aa` in the same units.
@inline(__always) func coverage(_ d: Float, _ aa: Float) -> Float {
    min(max(0.5 - d / aa, 0), 1)
}

/// Approximate signed distance from `(x, y)` to the ellipse with half-axes `a`, `b`
/// centred at the origin (first-order: the implicit function over its gradient).
@inline(__always) func ellipseDistance(_ x: Float, _ y: Float, _ a: Float, _ b: Float) -> Float {
    let xa = x / a, yb = y / b
    let k = (xa * xa + yb * yb).squareRoot()
    let gx = xa / a, gy = yb / b
    let g = (gx * gx + gy * gy).squareRoot()
    if g < 1e-6 { return -min(a, b) }
    return (k - 1) * k / g
}

/// Approximate distance from `(x, y)` to the graph of a curve through `(x, yc)` with slope
/// `slope` there, minus half the stroke `width` (negative on the stroke).
@inline(__always) func strokeDistance(_ y: Float, _ yc: Float, slope: Float, width: Float) -> Float
{
    abs(y - yc) / (1 + slope * slope).squareRoot() - 0.5 * width
}

/// `t` clamped to [0, 1].
@inline(__always) func saturate(_ t: Float) -> Float { min(max(t, 0), 1) }

/// Smooth step from 0 at `a` to 1 at `b`.
@inline(__always) func smoothstep(_ a: Float, _ b: Float, _ x: Float) -> Float {
    let t = saturate((x - a) / (b - a))
    return t * t * (3 - 2 * t)
}

/// A seed derived from `seed` and `salt` (different salts give unrelated streams).
func mixSeed(_ seed: UInt64, _ salt: UInt64) -> UInt64 {
    var g = RandomGenerator(seed: seed ^ (salt &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    return g.next()
}

extension RandomGenerator {
    /// A uniform float in `[low, high)`.
    @inline(__always) mutating func drawFloat(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * Float(nextUnit())
    }

    /// A uniform float in `[-amplitude, amplitude)`.
    @inline(__always) mutating func drawSymmetric(_ amplitude: Float) -> Float {
        amplitude * (2 * Float(nextUnit()) - 1)
    }

    /// A uniform integer in `0..<n` (n ≥ 1).
    @inline(__always) mutating func drawIndex(_ n: Int) -> Int {
        Int(next() % UInt64(n))
    }
}
