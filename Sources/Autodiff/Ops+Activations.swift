import TensorCore

extension Variable {
    /// `max(x, 0)`.
    public func relu() -> Variable {
        Variable.record("relu", value: value.map { $0 > 0 ? $0 : 0 }, parents: [self]) { g, _ in
            [g.zip(self.value) { d, x in x > 0 ? d : 0 }]
        }
    }

    /// `x` for `x > 0`, `slope·x` otherwise, for a constant slope (LeakyReLU).
    public func leakyRelu(slope: Scalar = 0.01) -> Variable {
        Variable.record("leaky_relu", value: value.map { $0 > 0 ? $0 : slope * $0 }, parents: [self]) { g, _ in
            [g.zip(self.value) { d, x in x > 0 ? d : slope * d }]
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
    Variable.record("prelu", value: Tensor.prelu(x.value, slope: slope.value), parents: [x, slope]) { g, needs in
        let r = Tensor.preluBackward(x.value, slope: slope.value, upstream: g)
        return [needs[0] ? r.input : nil, needs[1] ? r.slope : nil]
    }
}
