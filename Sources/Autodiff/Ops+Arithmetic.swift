import TensorCore

// Elementwise arithmetic with broadcasting (scalar, per-channel, same shape, any NumPy
// broadcast); each backward sums the gradient back to its input's shape.

/// `a + b` with broadcasting.
public func + <S>(a: Variable<S>, b: Variable<S>) -> Variable<S> {
    Variable.record("add", value: a.value + b.value, parents: [a, b]) { g, needs in
        [needs[0] ? g.summed(toShape: a.shape) : nil, needs[1] ? g.summed(toShape: b.shape) : nil]
    }
}

/// `a − b` with broadcasting.
public func - <S>(a: Variable<S>, b: Variable<S>) -> Variable<S> {
    Variable.record("sub", value: a.value - b.value, parents: [a, b]) { g, needs in
        [needs[0] ? g.summed(toShape: a.shape) : nil, needs[1] ? (-g).summed(toShape: b.shape) : nil]
    }
}

/// `a ⊙ b` with broadcasting.
public func * <S>(a: Variable<S>, b: Variable<S>) -> Variable<S> {
    Variable.record("mul", value: a.value * b.value, parents: [a, b]) { g, needs in
        [needs[0] ? (g * b.value).summed(toShape: a.shape) : nil,
         needs[1] ? (g * a.value).summed(toShape: b.shape) : nil]
    }
}

/// `a / b` with broadcasting.
public func / <S>(a: Variable<S>, b: Variable<S>) -> Variable<S> {
    let y = a.value / b.value
    return Variable.record("div", value: y, parents: [a, b]) { g, needs in
        [needs[0] ? (g / b.value).summed(toShape: a.shape) : nil,
         needs[1] ? (-(g * y) / b.value).summed(toShape: b.shape) : nil]
    }
}

/// `x + s` for a constant scalar.
public func + <S>(x: Variable<S>, s: S) -> Variable<S> {
    Variable.record("add_scalar", value: x.value + s, parents: [x]) { g, _ in [g] }
}

/// `s · x` for a constant scalar.
public func * <S>(s: S, x: Variable<S>) -> Variable<S> {
    Variable.record("mul_scalar", value: x.value * s, parents: [x]) { g, _ in [g * s] }
}

/// `−x`.
public prefix func - <S>(x: Variable<S>) -> Variable<S> {
    Variable.record("neg", value: -x.value, parents: [x]) { g, _ in [-g] }
}
