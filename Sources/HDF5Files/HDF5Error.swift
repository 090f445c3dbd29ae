/// A failure reading or writing an HDF5 file, naming the file and the path inside it.
public struct HDF5Error: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong.
    public enum Kind: String, Sendable {
        /// The file does not exist.
        case missingFile = "no such file"
        /// The file is not HDF5, or is corrupt.
        case notHDF5 = "not an HDF5 file (or corrupt)"
        /// The HDF5 library crashed or hung reading the file (in `HDF5Preflight`'s child).
        case unreadable = "not a readable HDF5 file"
        /// The group, dataset or attribute is missing.
        case missingObject = "missing"
        /// The object is not of the kind expected (a group for a dataset, …).
        case wrongKind = "wrong kind of object"
        /// The element type is not the one asked for.
        case wrongType = "wrong element type"
        /// The shape is not the one expected.
        case wrongShape = "wrong shape"
        /// Reading failed.
        case readFailed = "read failed"
        /// Writing failed.
        case writeFailed = "write failed"
    }

    /// What went wrong.
    public let kind: Kind
    /// The file on disk.
    public let file: String
    /// The path inside the file (`/` for the file itself).
    public let path: String
    /// Details: expected and found types or shapes.
    public let detail: String

    /// An error of `kind` at `path` in `file`, with an optional detail.
    public init(_ kind: Kind, file: String, path: String, _ detail: String = "") {
        self.kind = kind
        self.file = file
        self.path = path
        self.detail = detail
    }

    /// The error as one line: `file: path: kind[: detail]`.
    public var description: String {
        "\(file): \(path): \(kind.rawValue)\(detail.isEmpty ? "" : ": \(detail)")"
    }
}
