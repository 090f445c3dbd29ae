import FastKernels
import TensorCore

/// Matrix product `a[m, k] · b[k, n]` through BLAS.
public func matmul<S>(_ a: Variable<S>, _ b: Variable<S>) -> Variable<S> {
    let (x, y) = (a.value, b.value)
    return Variable.record("matmul", value: Tensor.matmul(x, y), parents: [a, b]) { g, needs in
        [needs[0] ? Tensor.matmul(g, y, transposeB: true) : nil,
         needs[1] ? Tensor.matmul(x, g, transposeA: true) : nil]
    }
}

/// A fully connected layer's product: `y = x · Wᵀ + b` for `x[N, in]`, `W[out, in]`, `b[out]`.
public func linear<S>(_ x: Variable<S>, weight: Variable<S>, bias: Variable<S>?) -> Variable<S> {
    requireShapes { () throws(ShapeError) in
        guard x.shape.count == 2, weight.shape.count == 2, x.shape[1] == weight.shape[1] else {
            throw ShapeError(
                "linear",
                "input \(describe(x.shape)) does not fit weight \(describe(weight.shape)) ([out, "
                    + "in])"
            )
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw ShapeError(
                "linear",
                "bias \(describe(bias.shape)) does not match weight \(describe(weight.shape))")
        }
    }
    let (input, w) = (x.value, weight.value)
    var y = Tensor.matmul(input, w, transposeB: true)
    if let bias { y = y + bias.value }
    let parents = bias.map { [x, weight, $0] } ?? [x, weight]
    return Variable.record("linear", value: y, parents: parents) { g, needs in
        var grads: [Tensor<S>?] = [
            needs[0] ? Tensor.matmul(g, w) : nil,
            needs[1] ? Tensor.matmul(g, input, transposeA: true) : nil,
        ]
        if bias != nil { grads.append(needs[2] ? g.sum(alongAxes: [0]) : nil) }
        return grads
    }
}
