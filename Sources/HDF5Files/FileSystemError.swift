import Foundation

/// A file-system operation that failed, as one line: what was being done, the path and the
/// system's reason (`creating the run folder /r: Permission denied`), never a Foundation
/// error dump.
public struct FileSystemError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was being done, as a gerund phrase: `writing the log`, `creating the folder`.
    public let action: String
    /// The path it was done to.
    public let path: String
    /// The system's reason (`No space left on device`).
    public let reason: String

    /// An error for `action` on `path` with the system's `reason`.
    public init(_ action: String, path: String, reason: String) {
        self.action = action
        self.path = path
        self.reason = reason
    }

    /// An error for `action` on `path` with the reason of the C `errno` value `code`.
    public init(_ action: String, path: String, errno code: Int32) {
        self.init(action, path: path, reason: String(cString: strerror(code)))
    }

    /// The error as one line: `action path: reason`.
    public var description: String { "\(action) \(path): \(reason)" }

    /// Runs `body`, turning any Foundation or POSIX error it throws into a `FileSystemError`
    /// for `action` on `path`; other errors pass through unchanged.
    public static func wrap<T>(_ action: String, path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FileSystemError {
            throw error
        } catch let error as CocoaError {
            throw FileSystemError(action, path: path, reason: reason(of: error))
        } catch let error as POSIXError {
            throw FileSystemError(action, path: path, reason: reason(of: error))
        } catch let error as NSError
            where error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain
        {
            throw FileSystemError(action, path: path, reason: reason(of: error))
        }
    }

    /// The most specific system description of `error`: the POSIX message underneath a
    /// Foundation error when there is one, else its localized description.
    public static func reason(of error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: return String(cString: strerror(ENOENT))
            case .fileWriteNoPermission, .fileReadNoPermission:
                return String(cString: strerror(EACCES))
            case .fileWriteOutOfSpace: return String(cString: strerror(ENOSPC))
            case .fileWriteFileExists: return String(cString: strerror(EEXIST))
            case .fileWriteVolumeReadOnly: return String(cString: strerror(EROFS))
            default: break
            }
        }
        if let path = (ns.userInfo[NSFilePathErrorKey] as? String)
            ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path,
            let probed = probe(path)
        {
            return probed
        }
        // A one-line description whatever the error.
        return error.localizedDescription.split(separator: "\n").first.map(String.init)
            ?? "\(ns.domain) \(ns.code)"
    }

    /// The likely system reason an operation on `path` failed when Foundation did not say
    /// (its "error 512"): a part of the path that is a file, or a folder that is not writable.
    static func probe(_ path: String) -> String? {
        var url = URL(fileURLWithPath: path)
        var ancestors: [String] = []
        while url.path != "/" {
            url.deleteLastPathComponent()
            ancestors.append(url.path)
        }
        for ancestor in ancestors.reversed() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDirectory) else {
                return nil
            }
            if !isDirectory.boolValue {
                return String(cString: strerror(ENOTDIR)) + " (\(ancestor) is a file)"
            }
        }
        if let parent = ancestors.first, access(parent, W_OK) != 0 {
            return String(cString: strerror(errno))
        }
        return nil
    }

    /// Creates `path` and any missing parents with mkdir(2), so that a failure carries the
    /// system's own reason.
    /// - Throws: `FileSystemError` for `action` on `path`.
    public static func createDirectory(
        _ path: String, action: String = "creating the folder"
    ) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw FileSystemError(
                    action, path: path, reason: String(cString: strerror(EEXIST)) + " (a file)")
            }
            return
        }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if parent != path, parent != "/" { try createDirectory(parent, action: action) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw FileSystemError(action, path: path, errno: errno)
        }
    }

    /// A description of `error` in one line: a `FileSystemError` for Foundation and POSIX
    /// errors (their path taken from the error when it names one), the error's own
    /// description otherwise.
    public static func oneLine(_ error: any Error, action: String = "accessing") -> String {
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else {
            return "\(error)"
        }
        let action =
            ns.domain != NSCocoaErrorDomain
            ? action
            : (512..<1024).contains(ns.code)
                ? "writing" : (256..<512).contains(ns.code) ? "reading" : action
        let path =
            (ns.userInfo[NSFilePathErrorKey] as? String)
            ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path ?? "a file"
        return FileSystemError(action, path: path, reason: reason(of: error)).description
    }
}
