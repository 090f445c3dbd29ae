import RealModule

/// Shape arithmetic shared by the kernels: element counts, strides and broadcasting.
public enum Shape {
    /// The number of elements of a tensor of this shape (1 for a scalar, `[]`).
    @inlinable
    public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Row-major (C-contiguous) strides of a shape.
    @inlinable
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = acc
            acc *= shape[axis]
        }
        return strides
    }

    /// The broadcast shape of two shapes (NumPy rules: align on the right, sizes equal or 1).
    public static func broadcast(_ a: [Int], _ b: [Int], operation: String = "broadcast")
        throws(ShapeError) -> [Int]
    {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 {
                result[i] = da
            } else if da == 1 {
                result[i] = db
            } else {
                throw ShapeError(
                    operation, "shapes \(describe(a)) and \(describe(b)) do not broadcast")
            }
        }
        return result
    }

    /// Normalises a possibly negative axis against a rank.
    public static func axis(_ axis: Int, rank: Int, operation: String) throws(ShapeError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else {
            throw ShapeError(operation, "axis \(axis) is out of range for rank \(rank)")
        }
        return a
    }
}
