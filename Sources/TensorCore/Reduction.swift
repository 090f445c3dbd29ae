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
}
