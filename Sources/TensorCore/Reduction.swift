import RealModule

extension Tensor {
    /// The shape left after reducing `axes` (kept as size 1 when `keepingDimensions`).
    public static func reducedShape(
        _ shape: [Int], axes: [Int], keepingDimensions: Bool
    ) throws(ShapeError) -> [Int] {
        var normalized: [Int] = []
        for a in axes { normalized.append(try Shape.axis(a, rank: shape.count, operation: "sum")) }
        guard Set(normalized).count == normalized.count else {
            throw ShapeError("sum", "axes \(axes) repeat an axis of \(describe(shape))")
        }
        if keepingDimensions {
            return shape.enumerated().map { normalized.contains($0.offset) ? 1 : $0.element }
        }
        return shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
    }

    /// Sum over the given axes (all axes when `axes` is nil).
    public func sum(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let axes = axes ?? Array(0..<rank)
        let kept = requireShapes { () throws(ShapeError) in
            try Tensor.reducedShape(shape, axes: axes, keepingDimensions: true)
        }
        let result = summed(toShape: kept)
        let final = requireShapes { () throws(ShapeError) in
            try Tensor.reducedShape(shape, axes: axes, keepingDimensions: keepingDimensions)
        }
        return result.reshaped(final)
    }

    /// Mean over the given axes (all axes when `axes` is nil).
    public func mean(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let s = sum(alongAxes: axes, keepingDimensions: keepingDimensions)
        let n = count / Swift.max(s.count, 1)
        return s * (1 / Scalar(n))
    }

    /// Expands `self` (a reduced shape with size-1 axes) back to `shape` by repetition.
    public func broadcast(to target: [Int]) -> Tensor {
        Tensor.broadcasting(Tensor.zeros(target), self, operation: "broadcast_to") { _, b in b }
    }
}
