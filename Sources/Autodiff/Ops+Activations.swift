import FastKernels
import TensorCore

extension Variable {
    /// `max(x, 0)`.
    public func relu() -> Variable {
        let input = value
        return Variable.record("relu", value: .pointwise(.relu, input), parents: [self]) { g, _ in
            [.pointwiseGradient(.relu, upstream: g, saved: input)]
        }
    }

    /// `x` for `x > 0`, `slope·x` otherwise, for a constant slope (LeakyReLU).
    public func leakyRelu(slope: Scalar = 0.01) -> Variable {
        let input = value, s = Double(slope)
        return Variable.record(
            "leaky_relu", value: .pointwise(.leakyRelu(slope: s), input), parents: [self]
        ) { g, _ in
            [.pointwiseGradient(.leakyRelu(slope: s), upstream: g, saved: input)]
        }
    }

    /// The logistic function.
    public func sigmoid() -> Variable {
        let y = Tensor.pointwise(.sigmoid, value)
        return Variable.record("sigmoid", value: y, parents: [self]) { g, _ in
            [.pointwiseGradient(.sigmoid, upstream: g, saved: y)]
        }
    }

    /// The hyperbolic tangent.
    public func tanh() -> Variable {
        let y = Tensor.pointwise(.tanh, value)
        return Variable.record("tanh", value: y, parents: [self]) { g, _ in
            [.pointwiseGradient(.tanh, upstream: g, saved: y)]
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
    if let fused = x.absorbing("prelu", .prelu(slope: slope.value), extra: [slope]) { return fused }
    let (input, a) = (x.value, slope.value)
    return Variable.record("prelu", value: Tensor.prelu(input, slope: a), parents: [x, slope]) {
        g, needs in
        let r = Tensor.preluBackward(input, slope: a, upstream: g)
        return [needs[0] ? r.input : nil, needs[1] ? r.slope : nil]
    }
}
