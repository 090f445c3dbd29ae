/// A failure reading or writing an HDF5 file, naming the file and the path inside it.
public struct HDF5Error: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong.
    public enum Kind: String, Sendable {
        case missingFile = "no such file"
        case notHDF5 = "not an HDF5 file (or corrupt)"
        /// The HDF5 library crashed or hung reading the file (in `HDF5Preflight`'s child).
        case unreadable = "not a readable HDF5 file"
        case missingObject = "missing"
        case wrongKind = "wrong kind of object"
        case wrongType = "wrong element type"
        case wrongShape = "wrong shape"
        case readFailed = "read failed"
        case writeFailed = "write failed"
    }

    public let kind: Kind
    /// The file on disk.
    public let file: String
    /// The path inside the file (`/` for the file itself).
    public let path: String
    /// Details: expected and found types or shapes.
    public let detail: String

    public init(_ kind: Kind, file: String, path: String, _ detail: String = "") {
        self.kind = kind
        self.file = file
        self.path = path
        self.detail = detail
    }

    public var description: String {
        "\(file): \(path): \(kind.rawValue)\(detail.isEmpty ? "" : ": \(detail)")"
    }
}
