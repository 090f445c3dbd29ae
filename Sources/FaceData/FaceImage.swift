/// One square RGB image of bytes in three planes (channel, row, column), the layout of an
/// image of `FaceSet.pixels`; the preprocessing ops (`resized`, `grayscale`, `rotated`,
/// `colorJittered`) map one to another.
public struct FaceImage: Sendable, Equatable {
    /// Side in pixels.
    public let side: Int
    /// `3 × side × side` bytes: the red plane, then green, then blue.
    public internal(set) var pixels: [UInt8]

    /// An image of the given bytes.
    /// - Precondition: `side > 0` and `pixels.count == 3 · side · side`.
    public init(side: Int, pixels: [UInt8]) {
        precondition(side > 0 && pixels.count == 3 * side * side,
                     "FaceImage: \(pixels.count) bytes for a \(side)×\(side) RGB image")
        self.side = side
        self.pixels = pixels
    }

    /// Image `index` of `set`.
    public init(_ set: FaceSet, index: Int) {
        self.init(side: set.size, pixels: Array(set.image(index)))
    }

    /// The byte of `channel` at (`row`, `column`).
    public subscript(channel: Int, row: Int, column: Int) -> UInt8 {
        pixels[(channel * side + row) * side + column]
    }

    /// A value in byte units rounded to the nearest integer (halves away from zero) and
    /// clamped to 0…255: how every op turns its real-valued result back into a byte.
    @inline(__always)
    static func byte(_ value: Double) -> UInt8 {
        UInt8(min(max(value.rounded(), 0), 255))
    }
}
