import RealModule

extension Tensor {
    /// Validates a concatenation along `axis` and returns the normalised axis and output shape.
    public static func concatShape(_ shapes: [[Int]], axis: Int) throws(ShapeError) -> (
        axis: Int, shape: [Int]
    ) {
        guard let first = shapes.first else {
            throw ShapeError("concat", "needs at least one tensor")
        }
        let a = try Shape.axis(axis, rank: first.count, operation: "concat")
        var out = first
        for s in shapes.dropFirst() {
            guard s.count == first.count,
                  s.enumerated().allSatisfy({ $0.offset == a || $0.element == first[$0.offset] })
            else {
                throw ShapeError(
                    "concat",
                    "shapes \(shapes.map(describe).joined(separator: ", ")) differ off axis \(a)")
            }
            out[a] += s[a]
        }
        return (a, out)
    }

    /// Concatenation along `axis` (axis 1 joins channels).
    static func concatKernel(_ parts: [Tensor], axis: Int) -> Tensor {
        let (a, shape) = requireShapes { () throws(ShapeError) in
            try concatShape(parts.map { $0.shape }, axis: axis)
        }
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        let row = shape[a] * inner
        return Tensor(shape: shape) { out in
            var offset = 0
            for p in parts {
                let width = p.shape[a] * inner
                p.scalars.withUnsafeBufferPointer { src in
                    for o in 0..<outer where width > 0 {
                        (out.start + o * row + offset).update(
                            from: src.start + o * width, count: width)
                    }
                }
                offset += width
            }
        }
    }

    /// Splits along `axis` into pieces of the given sizes (the backward of `concat`).
    func splitKernel(sizes: [Int], axis: Int) -> [Tensor] {
        let a = requireShapes { () throws(ShapeError) -> Int in
            let a = try Shape.axis(axis, rank: rank, operation: "split")
            guard sizes.reduce(0, +) == shape[a] else {
                throw ShapeError(
                    "split",
                    "sizes \(sizes) do not add up to \(shape[a]) along axis \(a) of " +
                    "\(describe(shape))"
                )
            }
            return a
        }
        let (outer, total, inner) = split(around: a)
        var offset = 0
        return sizes.map { size in
            var s = shape
            s[a] = size
            let width = size * inner, start = offset
            offset += width
            return Tensor(shape: s) { out in
                scalars.withUnsafeBufferPointer { src in
                    for o in 0..<outer where width > 0 {
                        (out.start + o * width).update(
                            from: src.start + o * total * inner + start, count: width)
                    }
                }
            }
        }
    }
}
