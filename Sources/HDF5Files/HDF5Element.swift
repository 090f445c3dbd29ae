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
    public static var nativeType: hid_t { ddl_h5t_native_float() }
    public static var typeClass: H5T_class_t { H5T_FLOAT }
    public static var typeName: String { "float32" }
    public static var zero: Float { 0 }
}

extension Double: HDF5Element {
    public static var nativeType: hid_t { ddl_h5t_native_double() }
    public static var typeClass: H5T_class_t { H5T_FLOAT }
    public static var typeName: String { "float64" }
    public static var zero: Double { 0 }
}

extension Int64: HDF5Element {
    public static var nativeType: hid_t { ddl_h5t_native_int64() }
    public static var typeClass: H5T_class_t { H5T_INTEGER }
    public static var typeName: String { "int64" }
    public static var zero: Int64 { 0 }
}

extension UInt8: HDF5Element {
    public static var nativeType: hid_t { ddl_h5t_native_uint8() }
    public static var typeClass: H5T_class_t { H5T_INTEGER }
    public static var typeName: String { "uint8" }
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
