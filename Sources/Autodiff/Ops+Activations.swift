import TensorCore

extension Variable {
    /// `max(x, 0)`.
    public func relu() -> Variable {
        let input = value
        return Variable.record("relu", value: input.map { $0 > 0 ? $0 : 0 }, parents: [self]) { g, _ in
            [g.zip(input) { d, x in x > 0 ? d : 0 }]
        }
    }

    /// `x` for `x > 0`, `slope·x` otherwise, for a constant slope (LeakyReLU).
    public func leakyRelu(slope: Scalar = 0.01) -> Variable {
        let input = value
        return Variable.record("leaky_relu", value: input.map { $0 > 0 ? $0 : slope * $0 }, parents: [self]) { g, _ in
            [g.zip(input) { d, x in x > 0 ? d : slope * d }]
        }
    }

    /// The logistic function.
    public func sigmoid() -> Variable {
        let y = value.map(Tensor<Scalar>.sigmoid)
        return Variable.record("sigmoid", value: y, parents: [self]) { g, _ in
            [g.zip(y) { d, s in d * s * (1 - s) }]
        }
    }

    /// Softmax along `axis`.
    public func softmax(axis: Int) -> Variable {
        let y = Tensor.softmax(value, axis: axis)
        return Variable.record("softmax", value: y, parents: [self]) { g, _ in
            [Tensor.softmaxBackward(output: y, upstream: g, axis: axis, log: false)]
        }
    }

    /// Log-softmax along `axis`.
    public func logSoftmax(axis: Int) -> Variable {
        let y = Tensor.softmax(value, axis: axis, log: true)
        return Variable.record("log_softmax", value: y, parents: [self]) { g, _ in
            [Tensor.softmaxBackward(output: y, upstream: g, axis: axis, log: true)]
        }
    }
}

/// PReLU with a learnable slope: one shared (`[1]`) or one per channel (`[C]`, axis 1).
public func prelu<S>(_ x: Variable<S>, slope: Variable<S>) -> Variable<S> {
    let (input, a) = (x.value, slope.value)
    return Variable.record("prelu", value: Tensor.prelu(input, slope: a), parents: [x, slope]) { g, needs in
        let r = Tensor.preluBackward(input, slope: a, upstream: g)
        return [needs[0] ? r.input : nil, needs[1] ? r.slope : nil]
    }
}
