/// One tensor as a safetensors file stores it: a name, a dtype, a shape and its raw
/// little-endian bytes.
public struct SafetensorsTensor: Sendable, Equatable {
    /// The element types written here, by their safetensors names.
    public enum DType: String, Sendable, Equatable {
        /// 32- and 64-bit floats and 64-bit integers.
        case f32 = "F32", f64 = "F64", i64 = "I64"

        /// Bytes per element.
        public var size: Int { self == .f32 ? 4 : 8 }
    }

    /// The state-dict name.
    public let name: String
    /// The element type.
    public let dtype: DType
    /// The shape (`[]` for a scalar).
    public let shape: [Int]
    /// `shape.product × dtype.size` bytes, little-endian.
    public let bytes: [UInt8]

    /// A tensor from its parts.
    /// - Precondition: `bytes.count` is the shape's element count times the dtype's size.
    public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
        precondition(
            bytes.count == shape.reduce(1, *) * dtype.size,
            "SafetensorsTensor \(name): \(bytes.count) bytes for \(shape) \(dtype.rawValue)")
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// The little-endian bytes of `values` (each value's bytes reversed on a big-endian host).
    static func littleEndian<T>(_ values: [T]) -> [UInt8] {
        var bytes = values.withUnsafeBytes { Array($0) }
        #if _endian(big)
            let size = MemoryLayout<T>.size
            for start in stride(from: 0, to: bytes.count, by: size) {
                bytes[start..<(start + size)].reverse()
            }
        #endif
        return bytes
    }
}
