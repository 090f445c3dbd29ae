import CHDF5
import Foundation

/// An open HDF5 file. Closed when the last reference to it or to one of its groups goes.
public final class HDF5File {
    /// The file's path on disk.
    public let path: String
    let id: hid_t

    private init(path: String, id: hid_t) {
        self.path = path
        self.id = id
    }

    deinit { H5Fclose(id) }

    /// Opens an existing file for reading.
    /// - Throws: `HDF5Error` `.missingFile` or `.notHDF5`, naming the file.
    public static func open(_ path: String) throws(HDF5Error) -> HDF5File {
        ddl_h5_silence_errors()
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error(.missingFile, file: path, path: "/")
        }
        let id = H5Fopen(path, ddl_h5f_acc_rdonly(), ddl_h5p_default())
        guard id >= 0 else { throw HDF5Error(.notHDF5, file: path, path: "/") }
        return HDF5File(path: path, id: id)
    }

    /// Creates (or truncates) a file for writing. Prefer `write(to:_:)`, which is atomic.
    public static func create(_ path: String) throws(HDF5Error) -> HDF5File {
        ddl_h5_silence_errors()
        let id = H5Fcreate(path, ddl_h5f_acc_trunc(), ddl_h5p_default(), ddl_h5p_default())
        guard id >= 0 else { throw HDF5Error(.writeFailed, file: path, path: "/", "cannot create the file") }
        return HDF5File(path: path, id: id)
    }

    /// The root group.
    public var root: HDF5Group {
        get throws(HDF5Error) { try HDF5Group.open(in: self, at: "/") }
    }

    /// Creates `path`, lets `body` fill it, and flushes; the file closes when this returns.
    private static func fill(_ path: String, _ body: (HDF5Group) throws -> Void) throws {
        let file = try HDF5File.create(path)
        try body(try file.root)
        guard H5Fflush(file.id, H5F_SCOPE_GLOBAL) >= 0 else {
            throw HDF5Error(.writeFailed, file: path, path: "/", "flush failed")
        }
    }

    /// Writes a file atomically: `body` fills a temporary file beside `path`, which is
    /// flushed and renamed into place only when `body` succeeds. An interrupted or failed
    /// write leaves any previous file at `path` untouched.
    public static func write(to path: String, _ body: (HDF5Group) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temp = directory + "/." + url.lastPathComponent + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try fill(temp, body)
            guard rename(temp, path) == 0 else {
                throw HDF5Error(.writeFailed, file: path, path: "/", "cannot rename \(temp) into place (errno \(errno))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
    }
}
