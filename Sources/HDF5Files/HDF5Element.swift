import CHDF5

/// An element type that datasets and attributes can hold.
public protocol HDF5Element: Sendable {
    /// The native in-memory HDF5 type.
    static var nativeType: hid_t { get }
    /// Floating point or integer.
    static var typeClass: H5T_class_t { get }
    /// A name for messages: `float32`, `int64`, ….
    static var typeName: String { get }
    /// A zero value, for allocation.
    static var zero: Self { get }
}

extension Float: HDF5Element {
    /// The native in-memory HDF5 type of `Float`.
    public static var nativeType: hid_t { ddl_h5t_native_float() }
    /// The HDF5 type class of `Float`.
    public static var typeClass: H5T_class_t { H5T_FLOAT }
    /// The name of `Float` in messages.
    public static var typeName: String { "float32" }
    /// `Float`'s zero.
    public static var zero: Float { 0 }
}

extension Double: HDF5Element {
    /// The native in-memory HDF5 type of `Double`.
    public static var nativeType: hid_t { ddl_h5t_native_double() }
    /// The HDF5 type class of `Double`.
    public static var typeClass: H5T_class_t { H5T_FLOAT }
    /// The name of `Double` in messages.
    public static var typeName: String { "float64" }
    /// `Double`'s zero.
    public static var zero: Double { 0 }
}

extension Int64: HDF5Element {
    /// The native in-memory HDF5 type of `Int64`.
    public static var nativeType: hid_t { ddl_h5t_native_int64() }
    /// The HDF5 type class of `Int64`.
    public static var typeClass: H5T_class_t { H5T_INTEGER }
    /// The name of `Int64` in messages.
    public static var typeName: String { "int64" }
    /// `Int64`'s zero.
    public static var zero: Int64 { 0 }
}

extension UInt8: HDF5Element {
    /// The native in-memory HDF5 type of `UInt8`.
    public static var nativeType: hid_t { ddl_h5t_native_uint8() }
    /// The HDF5 type class of `UInt8`.
    public static var typeClass: H5T_class_t { H5T_INTEGER }
    /// The name of `UInt8` in messages.
    public static var typeName: String { "uint8" }
    /// `UInt8`'s zero.
    public static var zero: UInt8 { 0 }
}

/// A readable name of a stored HDF5 type, for error messages.
func describeType(_ type: hid_t) -> String {
    let size = H5Tget_size(type)
    switch H5Tget_class(type) {
    case H5T_FLOAT: return "float\(size * 8)"
    case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + "\(size * 8)"
    case H5T_STRING: return "string"
    default: return "an unsupported type"
    }
}
