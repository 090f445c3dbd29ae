import TensorCore

extension Variable {
    /// `x²`.
    public func squared() -> Variable {
        let input = value
        return Variable.record("square", value: input.map { $0 * $0 }, parents: [self]) { g, _ in
            [g.zip(input) { d, x in 2 * x * d }]
        }
    }

    /// `x^p` for a constant exponent; integral exponents accept negative bases.
    public func pow(_ p: Scalar) -> Variable {
        let integral = p.rounded() == p && abs(p) < Scalar(1 << 30)
        func power(_ x: Scalar, _ e: Scalar) -> Scalar {
            if integral {
                let n = Int(e)
                return Scalar.pow(x, n)
            }
            return Scalar.pow(x, e)
        }
        let input = value
        return Variable.record("pow", value: input.map { power($0, p) }, parents: [self]) { g, _ in
            [g.zip(input) { d, x in d * p * power(x, p - 1) }]
        }
    }

    /// `√x`.
    public func sqrt() -> Variable {
        let y = value.map { $0.squareRoot() }
        return Variable.record("sqrt", value: y, parents: [self]) { g, _ in
            [g.zip(y) { d, r in d / (2 * r) }]
        }
    }

    /// `eˣ`.
    public func exp() -> Variable {
        let y = value.map { Scalar.exp($0) }
        return Variable.record("exp", value: y, parents: [self]) { g, _ in [g * y] }
    }

    /// `log x` (natural).
    public func log() -> Variable {
        let input = value
        return Variable.record("log", value: input.map { Scalar.log($0) }, parents: [self]) { g, _ in
            [g.zip(input) { d, x in d / x }]
        }
    }

    /// The same value cut from the graph: no gradient flows through it.
    public func detached() -> Variable { Variable(value) }
}
