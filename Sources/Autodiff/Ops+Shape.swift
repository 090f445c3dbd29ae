import FastKernels
import TensorCore

extension Variable {
    /// The value viewed under another shape (one size may be −1).
    public func reshaped(_ shape: [Int]) -> Variable {
        let original = self.shape
        return Variable.record("reshape", value: value.reshaped(shape), parents: [self]) { g, _ in
            [g.reshaped(original)]
        }
    }

    /// `[N, …] → [N, rest]`.
    public func flattened() -> Variable { reshaped([shape[0], -1]) }

    /// Sum over `axes` (all when nil).
    public func sum(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Variable {
        let original = shape
        let kept = requireShapes { () throws(ShapeError) in
            try Tensor<Scalar>.reducedShape(
                original, axes: axes ?? Array(0..<original.count), keepingDimensions: true)
        }
        return Variable.record(
            "sum", value: value.sum(alongAxes: axes, keepingDimensions: keepingDimensions),
            parents: [self]
        ) { g, _ in
            [g.reshaped(kept).broadcast(to: original)]
        }
    }

    /// Mean over `axes` (all when nil).
    public func mean(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Variable {
        let s = sum(alongAxes: axes, keepingDimensions: keepingDimensions)
        let n = value.count / Swift.max(s.value.count, 1)
        return (1 / Scalar(n)) * s
    }
}

/// Concatenation along `axis` (axis 1 joins channels, Eq. 10).
public func concat<S>(_ parts: [Variable<S>], axis: Int) -> Variable<S> {
    let sizes = parts.map { $0.shape[axis < 0 ? axis + $0.shape.count : axis] }
    return Variable.record(
        "concat", value: Tensor.concat(parts.map { $0.value }, axis: axis), parents: parts
    ) { g, needs in
        let pieces = g.split(sizes: sizes, axis: axis)
        return zip(pieces, needs).map { $1 ? $0 : nil }
    }
}

extension Variable {
    /// Element `i` of a rank-1 value, as a `[1]` tensor (broadcasts against anything).
    public func element(at i: Int) -> Variable {
        precondition(
            shape.count == 1 && i >= 0 && i < shape[0],
            "element(at: \(i)) of a value of shape \(describe(shape))")
        let n = shape[0]
        return Variable.record(
            "element", value: Tensor(shape: [1], scalars: [value.scalars[i]]), parents: [self]
        ) { g, _ in
            var d = Tensor<Scalar>.zeros([n])
            d[flat: i] = g.scalars[0]
            return [d]
        }
    }
}
