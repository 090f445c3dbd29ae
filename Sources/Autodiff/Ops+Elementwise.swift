import FastKernels
import TensorCore

extension Variable {
    /// `x²`.
    public func squared() -> Variable {
        let input = value
        return Variable.record("square", value: .pointwise(.square, input), parents: [self]) {
            g, _ in
            [.pointwiseGradient(.square, upstream: g, saved: input)]
        }
    }

    /// `x^p` for a constant exponent; integral exponents accept negative bases.
    public func pow(_ p: Scalar) -> Variable {
        let input = value, e = Double(p)
        return Variable.record("pow", value: .pointwise(.pow(e), input), parents: [self]) { g, _ in
            [.pointwiseGradient(.pow(e), upstream: g, saved: input)]
        }
    }

    /// `√x`.
    public func sqrt() -> Variable {
        let y = Tensor.pointwise(.sqrt, value)
        return Variable.record("sqrt", value: y, parents: [self]) { g, _ in
            [.pointwiseGradient(.sqrt, upstream: g, saved: y)]
        }
    }

    /// The Euclidean norm over `axes`, `√(Σ x²)`, with a zero gradient where the norm is 0
    /// (as PyTorch's `vector_norm`), so a vanishing difference gives no NaN.
    public func l2Norm(alongAxes axes: [Int]) -> Variable {
        let s = squared().sum(alongAxes: axes)
        let y = Tensor.pointwise(.sqrt, s.value)
        return Variable.record("l2_norm", value: y, parents: [s]) { g, _ in
            [.pointwiseGradient(.sqrtOfNorm, upstream: g, saved: y)]
        }
    }

    /// `eˣ`.
    public func exp() -> Variable {
        let y = Tensor.pointwise(.exp, value)
        return Variable.record("exp", value: y, parents: [self]) { g, _ in
            [.pointwiseGradient(.exp, upstream: g, saved: y)]
        }
    }

    /// `log x` (natural).
    public func log() -> Variable {
        let input = value
        return Variable.record("log", value: .pointwise(.log, input), parents: [self]) { g, _ in
            [.pointwiseGradient(.log, upstream: g, saved: input)]
        }
    }

    /// The same value cut from the graph: no gradient flows through it.
    public func detached() -> Variable { Variable(value) }
}
