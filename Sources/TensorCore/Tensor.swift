import RealModule

/// A dense, contiguous, row-major tensor (NCHW for images) of `Float` or `Double`.
///
/// Storage is a Swift array, so copies are cheap until written (copy on write) and
/// `reshaped` is a view sharing the same buffer. Kernels run over the contiguous buffer.
public struct Tensor<Scalar: TensorElement>: Sendable {
    /// The sizes of the axes, outermost first.
    public let shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    @inlinable public var scalars: [Scalar] { storage }
    /// The stored elements; kernels in this module write through it.
    @usableFromInline internal var storage: [Scalar]

    /// Creates a tensor from a shape and its elements in row-major order.
    /// - Precondition: the element count matches the shape.
    public init(shape: [Int], scalars: [Scalar]) {
        precondition(
            shape.allSatisfy { $0 >= 0 }, "Tensor: negative size in shape \(describe(shape))")
        precondition(
            Shape.count(shape) == scalars.count,
            "Tensor: shape \(describe(shape)) needs \(Shape.count(shape)) elements, got " +
            "\(scalars.count)"
        )
        self.shape = shape
        self.storage = scalars
    }

    /// A tensor of the given shape filled with one value.
    public init(repeating value: Scalar, shape: [Int]) {
        precondition(
            shape.allSatisfy { $0 >= 0 }, "Tensor: negative size in shape \(describe(shape))")
        self.init(uncheckedShape: shape, scalars: Tensor.filled(value, count: Shape.count(shape)))
    }

    /// `count` copies of `value`. Called from generic code that is not specialised (a layer
    /// of another module making a gradient buffer), `[Scalar](repeating:count:)` copies each
    /// element through the type's value witness, about twenty times slower than a fill; here
    /// a positive zero is a byte fill and a Float or Double value a typed one.
    static func filled(_ value: Scalar, count n: Int) -> [Scalar] {
        [Scalar](unsafeUninitializedCapacity: n) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            if value == 0 && value.sign == .plus {
                raw.initializeMemory(as: UInt8.self, repeating: 0)
            } else if Scalar.self == Float.self {
                raw.bindMemory(to: Float.self).initialize(
                    repeating: unsafeBitCast(value, to: Float.self))
            } else if Scalar.self == Double.self {
                raw.bindMemory(to: Double.self).initialize(
                    repeating: unsafeBitCast(value, to: Double.self))
            } else {
                buffer.initialize(repeating: value)
            }
            initialized = n
        }
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// A rank-0 tensor holding one value.
    public init(_ value: Scalar) { self.init(shape: [], scalars: [value]) }

    /// Creates a tensor whose elements are written by `body` into uninitialised storage.
    ///
    /// `body` must initialise every element; kernels use this to avoid a zero fill.
    @inlinable
    public init(
        shape: [Int], unsafeUninitialized body: (UnsafeMutableBufferPointer<Scalar>) -> Void
    ) {
        let n = Shape.count(shape)
        self.init(
            uncheckedShape: shape,
            scalars: [Scalar](unsafeUninitializedCapacity: n) { buffer, count in
                body(buffer)
                count = n
            })
    }

    @usableFromInline
    init(uncheckedShape shape: [Int], scalars: [Scalar]) {
        self.shape = shape
        self.storage = scalars
    }

    /// The number of elements.
    @inlinable public var count: Int { scalars.count }
    /// The number of axes.
    @inlinable public var rank: Int { shape.count }

    /// The only element of a one-element tensor.
    public var scalar: Scalar {
        precondition(count == 1, "scalar: tensor of shape \(describe(shape)) has \(count) elements")
        return scalars[0]
    }

    /// The element at a multi-index.
    public subscript(_ index: Int...) -> Scalar {
        get { scalars[offset(index)] }
        set { storage[offset(index)] = newValue }
    }

    /// The element at a row-major offset.
    @inlinable
    public subscript(flat offset: Int) -> Scalar {
        get { scalars[offset] }
        set { storage[offset] = newValue }
    }

    /// Gives `body` the elements as a mutable contiguous buffer (the shape stays the same).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }

    /// The row-major offset of a multi-index, checked against the shape.
    public func offset(_ index: [Int]) -> Int {
        precondition(
            index.count == rank, "index \(index) has rank \(index.count), tensor \(describe(shape))"
        )
        var off = 0
        for (axis, i) in index.enumerated() {
            precondition(
                i >= 0 && i < shape[axis], "index \(index) is out of bounds for \(describe(shape))")
            off = off * shape[axis] + i
        }
        return off
    }

    /// The multi-index of a row-major offset.
    public func multiIndex(_ offset: Int) -> [Int] {
        var rest = offset
        var index = [Int](repeating: 0, count: rank)
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }

    /// The same elements under another shape with the same element count (a view: no copy).
    /// One size may be `-1` and is inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        requireShapes { () throws(ShapeError) in try Tensor.validateReshape(shape, newShape) }
        return Tensor(shape: Tensor.inferShape(newShape, count: count), scalars: scalars)
    }

    /// Checks that `from` can be viewed as `to`.
    public static func validateReshape(_ from: [Int], _ to: [Int]) throws(ShapeError) {
        let unknown = to.filter { $0 == -1 }.count
        guard unknown <= 1, to.allSatisfy({ $0 >= -1 }) else {
            throw ShapeError(
                "reshape",
                "target \(describe(to)) may hold at most one -1 and no other negative size")
        }
        let known = to.filter { $0 != -1 }.reduce(1, *)
        let n = Shape.count(from)
        let ok = unknown == 1 ? (known > 0 && n % known == 0) : known == n
        guard ok else {
            throw ShapeError(
                "reshape", "cannot view \(describe(from)) (\(n) elements) as \(describe(to))")
        }
    }

    static func inferShape(_ shape: [Int], count: Int) -> [Int] {
        guard let i = shape.firstIndex(of: -1) else { return shape }
        var s = shape
        s[i] = count / shape.filter { $0 != -1 }.reduce(1, *)
        return s
    }

    /// The tensor viewed as `[shape[0], rest]` (a view: no copy).
    public func flattened() -> Tensor {
        precondition(rank >= 1, "flattened: needs rank ≥ 1, got \(describe(shape))")
        return reshaped([shape[0], -1])
    }

    /// The same values converted to another scalar type.
    public func converted<Other: TensorElement>(to: Other.Type = Other.self) -> Tensor<Other> {
        Tensor<Other>(shape: shape, scalars: scalars.map { Other($0) })
    }
}

extension Tensor: Equatable {
    /// Exact equality of shape and every bit of every element (`NaN` never equals).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.scalars == rhs.scalars
    }
}

extension Tensor: CustomStringConvertible {
    /// The shape and up to the first 8 elements (`, …` when there are more): `Tensor[2](1.0, 2.0)`.
    public var description: String {
        let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor\(describe(shape))(\(shown)\(count > 8 ? ", …" : ""))"
    }
}
