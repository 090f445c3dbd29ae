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

    /// Opens an existing file for reading: the one way every reader opens a file, so that the
    /// child-process check of `HDF5Preflight` (when enabled) comes before libhdf5 reads it here.
    /// - Throws: `HDF5Error` `.missingFile`, `.notHDF5` or `.unreadable`, naming the file.
    public static func open(_ path: String) throws(HDF5Error) -> HDF5File {
        try open(path, preflight: true)
    }

    /// Opens an existing file for reading, with or without the preflight.
    static func open(_ path: String, preflight: Bool) throws(HDF5Error) -> HDF5File {
        ddl_h5_silence_errors()
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error(.missingFile, file: path, path: "/")
        }
        if preflight { try HDF5Preflight.ensure(path) }
        if let problem = GlobalHeapCheck.problem(atPath: path) {
            throw HDF5Error(.notHDF5, file: path, path: "/", problem)
        }
        let id = H5Fopen(path, ddl_h5f_acc_rdonly(), ddl_h5p_default())
        guard id >= 0 else { throw HDF5Error(.notHDF5, file: path, path: "/") }
        return HDF5File(path: path, id: id)
    }

    /// Creates (or truncates) a file for writing. Prefer `write(to:_:)`, which is atomic.
    public static func create(_ path: String) throws(HDF5Error) -> HDF5File {
        ddl_h5_silence_errors()
        let id = H5Fcreate(path, ddl_h5f_acc_trunc(), ddl_h5p_default(), ddl_h5p_default())
        guard id >= 0 else {
            throw HDF5Error(.writeFailed, file: path, path: "/", "cannot create the file")
        }
        return HDF5File(path: path, id: id)
    }

    /// A file that lives in memory only (HDF5's core driver without a backing store), named
    /// `path` in messages; `image()` gives its bytes.
    static func createInMemory(named path: String) throws(HDF5Error) -> HDF5File {
        ddl_h5_silence_errors()
        let access = H5Pcreate(ddl_h5p_file_access())
        guard access >= 0 else {
            throw HDF5Error(
                .writeFailed, file: path, path: "/", "cannot make a file access property list")
        }
        defer { H5Pclose(access) }
        guard H5Pset_fapl_core(access, 1 << 20, false) >= 0 else {
            throw HDF5Error(
                .writeFailed, file: path, path: "/", "cannot select the in-memory driver")
        }
        let id = H5Fcreate(path, ddl_h5f_acc_trunc(), ddl_h5p_default(), access)
        guard id >= 0 else {
            throw HDF5Error(.writeFailed, file: path, path: "/", "cannot create the file in memory")
        }
        return HDF5File(path: path, id: id)
    }

    /// The bytes of the whole file as it would be on disk.
    func image() throws(HDF5Error) -> [UInt8] {
        guard H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0 else {
            throw HDF5Error(.writeFailed, file: path, path: "/", "flush failed")
        }
        let size = H5Fget_file_image(id, nil, 0)
        guard size > 0 else {
            throw HDF5Error(.writeFailed, file: path, path: "/", "cannot size the file image")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        let copied = bytes.withUnsafeMutableBytes { H5Fget_file_image(id, $0.baseAddress, size) }
        guard copied == size else {
            throw HDF5Error(.writeFailed, file: path, path: "/", "cannot copy the file image")
        }
        return bytes
    }

    /// The size of the file in bytes (0 when unknown).
    var size: Int {
        var bytes: hsize_t = 0
        guard H5Fget_filesize(id, &bytes) >= 0 else { return 0 }
        return Int(exactly: bytes) ?? Int.max
    }

    /// The root group.
    public var root: HDF5Group {
        get throws(HDF5Error) { try HDF5Group.open(in: self, at: "/") }
    }

    /// The suffix of the temporary files `write(to:_:)` makes beside their target:
    /// `.NAME.tmp-PID`, so that a run folder's owner can find and remove those of dead
    /// processes.
    public static let temporaryMarker = ".tmp-"

    /// Writes a file atomically: `body` fills the file in memory, whose bytes go to a
    /// temporary file beside `path` (`.NAME.tmp-PID`), which is synced and renamed into place
    /// only when everything succeeded. An interrupted or failed write (a full disk) leaves
    /// any previous file at `path` untouched and the temporary file removed; libhdf5 itself
    /// never writes to the disk, so a failed write leaves it no open file to trip over at exit.
    /// - Throws: `HDF5Error` from `body`, or a `FileSystemError` naming the path and the
    ///   system's reason.
    public static func write(to path: String, _ body: (HDF5Group) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        try FileSystemError.createDirectory(directory)
        let temp = directory + "/." + url.lastPathComponent + temporaryMarker + "\(getpid())"
        let bytes: [UInt8]
        do {
            let file = try createInMemory(named: path)
            try body(try file.root)
            bytes = try file.image()
        }
        try writeBytes(bytes, to: temp, replacing: path)
    }

    /// Writes `bytes` to `temp`, syncs it and renames it to `path`; removes `temp` on failure.
    static func writeBytes(_ bytes: [UInt8], to temp: String, replacing path: String) throws {
        let fd = Foundation.open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystemError("creating", path: temp, errno: errno) }
        var failure: FileSystemError? = nil
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(
                    fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = FileSystemError("writing", path: path, errno: errno)
                    return
                }
                offset += n
            }
        }
        if failure == nil, fsync(fd) != 0 {
            failure = FileSystemError("syncing", path: path, errno: errno)
        }
        if close(fd) != 0, failure == nil {
            failure = FileSystemError("closing", path: path, errno: errno)
        }
        if failure == nil, rename(temp, path) != 0 {
            failure = FileSystemError("renaming \(temp) to", path: path, errno: errno)
        }
        if let failure {
            unlink(temp)
            throw failure
        }
    }
}
