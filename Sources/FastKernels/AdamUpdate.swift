import TensorCore

/// The per-step numbers of one Adam update (PyTorch's `torch.optim.Adam`).
public struct AdamCoefficients: Sendable {
    /// `lr / (1 − β1ᵗ)`.
    public var stepSize: Double
    /// `1 − β1`, `β2`, `1 − β2`.
    public var oneMinusBeta1: Double, beta2: Double, oneMinusBeta2: Double
    /// L2 weight decay added to the gradient.
    public var weightDecay: Double
    /// Added to the bias-corrected `√v` in the update's denominator (stability term).
    public var eps: Double
    /// `√(1 − β2ᵗ)`.
    public var correction2Root: Double

    /// Coefficients from their values, one parameter per stored property.
    public init(stepSize: Double, oneMinusBeta1: Double, beta2: Double, oneMinusBeta2: Double,
                weightDecay: Double, eps: Double, correction2Root: Double) {
        self.stepSize = stepSize
        self.oneMinusBeta1 = oneMinusBeta1
        self.beta2 = beta2
        self.oneMinusBeta2 = oneMinusBeta2
        self.weightDecay = weightDecay
        self.eps = eps
        self.correction2Root = correction2Root
    }
}

extension Tensor {
    /// One Adam update in place: `g ← g + wd·p`, `m ← m + (1 − β1)(g − m)`,
    /// `v ← β2·v + (1 − β2)·g²`, `p ← p − stepSize · m / (√v/√(1 − β2ᵗ) + eps)`.
    static func adamUpdateKernel(
        value: inout Tensor, m: inout Tensor, v: inout Tensor, gradient: Tensor,
        _ c: AdamCoefficients,
        split: WorkSplitter
    ) {
        let stepSize = Scalar(c.stepSize), b1 = Scalar(c.oneMinusBeta1), b2 = Scalar(c.beta2),
            c2 = Scalar(c.oneMinusBeta2)
        let wd = Scalar(c.weightDecay), e = Scalar(c.eps), root = Scalar(c.correction2Root)
        value.withUnsafeMutableBufferPointer { pv in
            m.withUnsafeMutableBufferPointer { pm in
                v.withUnsafeMutableBufferPointer { pvv in
                    gradient.scalars.withUnsafeBufferPointer { pg in
                        guard pv.count > 0 else { return }
                        let (x, mean, square, g) = (
                            SendableMutablePointer(pv.start), SendableMutablePointer(pm.start),
                            SendableMutablePointer(pvv.start), SendablePointer(pg.start)
                        )
                        split.run(pv.count, 4 * pv.count) { range in
                            var i = range.lowerBound
                            if Scalar.self == Float.self {
                                i = adamLanes(
                                    range, x.pointer, mean.pointer, square.pointer, g.pointer,
                                    coefficients: c)
                            }
                            let (pv, pm, pvv, pg) = (
                                x.pointer, mean.pointer, square.pointer, g.pointer
                            )
                            while i < range.upperBound {
                                let grad = pg[i] + wd * pv[i]
                                pm[i] += b1 * (grad - pm[i])
                                pvv[i] = b2 * pvv[i] + c2 * grad * grad
                                pv[i] -= stepSize * pm[i] / (pvv[i].squareRoot() / root + e)
                                i += 1
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The Adam update of `adamUpdateKernel` sixteen Float lanes at a time, over the whole groups
/// of sixteen at the start of `range`; returns the first index it did not update. Every lane
/// computes the same operations in the same order as the scalar loop (IEEE addition,
/// multiplication, division and square root are exact per lane), so the bits are the same.
/// Without it the loop stays scalar: the compiler cannot rule out that the four arrays
/// overlap.
@inline(__always)
func adamLanes<S: TensorElement>(
    _ range: Range<Int>, _ value: UnsafeMutablePointer<S>, _ mean: UnsafeMutablePointer<S>,
    _ square: UnsafeMutablePointer<S>, _ gradient: UnsafePointer<S>,
    coefficients c: AdamCoefficients
) -> Int {
    typealias V = SIMD16<Float>
    let stepSize = V(repeating: Float(c.stepSize)), b1 = V(repeating: Float(c.oneMinusBeta1))
    let b2 = V(repeating: Float(c.beta2)), c2 = V(repeating: Float(c.oneMinusBeta2))
    let wd = V(repeating: Float(c.weightDecay)), e = V(repeating: Float(c.eps))
    let root = V(repeating: Float(c.correction2Root))
    let p = UnsafeMutableRawPointer(value), m = UnsafeMutableRawPointer(mean),
        v = UnsafeMutableRawPointer(square), g = UnsafeRawPointer(gradient)
    var i = range.lowerBound
    while i + 16 <= range.upperBound {
        let at = i * MemoryLayout<Float>.size
        let pi = p.loadUnaligned(fromByteOffset: at, as: V.self)
        let grad = g.loadUnaligned(fromByteOffset: at, as: V.self) + wd * pi
        var mi = m.loadUnaligned(fromByteOffset: at, as: V.self)
        mi += b1 * (grad - mi)
        let vi = b2 * v.loadUnaligned(fromByteOffset: at, as: V.self) + c2 * grad * grad
        m.storeBytes(of: mi, toByteOffset: at, as: V.self)
        v.storeBytes(of: vi, toByteOffset: at, as: V.self)
        let step = stepSize * mi / (vi.squareRoot() / root + e)
        p.storeBytes(of: pi - step, toByteOffset: at, as: V.self)
        i += 16
    }
    return i
}
