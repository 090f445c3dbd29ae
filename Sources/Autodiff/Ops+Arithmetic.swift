import FastKernels
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
        [
            needs[0] ? g.summed(toShape: a.shape) : nil,
            needs[1] ? (-g).summed(toShape: b.shape) : nil
        ]
    }
}

/// `a ⊙ b` with broadcasting.
public func * <S>(a: Variable<S>, b: Variable<S>) -> Variable<S> {
    let (x, y) = (a.value, b.value)
    return Variable.record("mul", value: x * y, parents: [a, b]) { g, needs in
        [needs[0] ? (g * y).summed(toShape: x.shape) : nil,
         needs[1] ? (g * x).summed(toShape: y.shape) : nil]
    }
}

/// `a / b` with broadcasting.
public func / <S>(a: Variable<S>, b: Variable<S>) -> Variable<S> {
    let (numerator, denominator) = (a.value, b.value)
    let y = numerator / denominator
    return Variable.record("div", value: y, parents: [a, b]) { g, needs in
        [needs[0] ? (g / denominator).summed(toShape: numerator.shape) : nil,
         needs[1] ? (-(g * y) / denominator).summed(toShape: denominator.shape) : nil]
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
