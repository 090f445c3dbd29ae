import Foundation
import HDF5Files

/// Ownership of a run folder by one process: an advisory `flock` on `RUN/.lock`, which holds
/// the owner's pid. The kernel drops the lock when the process exits or dies, so a crashed
/// run never leaves the folder locked; a second process is refused, naming the holder.
public final class RunFolderLock: Sendable {

    /// The run folder.
    public let directory: String
    /// The lock file inside it.
    public var path: String { directory + "/" + Self.fileName }
    private let descriptor: Int32

    /// The name of the lock file in a run folder.
    public static let fileName = ".lock"

    /// Takes the lock of `directory` (created when missing), writes this process's pid into
    /// it, and removes temporary checkpoint files left by dead processes.
    /// - Throws: `RunFolderError.locked` naming the holder's pid when another process owns
    ///   the folder, or a `FileSystemError`.
    public init(directory: String) throws {
        self.directory = directory
        try FileSystemError.createDirectory(directory, action: "creating the run folder")
        let path = directory + "/" + Self.fileName
        // This process may own the folder already (a run object still alive while the folder
        // is opened again): flock would refuse our own second descriptor, so share the first.
        let key = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        self.key = key
        if let shared = Self.held.retain(key) {
            descriptor = shared
            removeStaleTemporaryFiles()
            return
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FileSystemError("opening the lock file", path: path, errno: errno)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.readPid(fd)
            close(fd)
            if code == EWOULDBLOCK {
                throw RunFolderError.locked(directory: directory, pid: holder)
            }
            throw FileSystemError("locking", path: path, errno: code)
        }
        descriptor = fd
        Self.held.insert(key, fd)
        let text = "\(getpid())\n"
        if ftruncate(fd, 0) == 0 {
            _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        }
        removeStaleTemporaryFiles()
    }

    deinit {
        guard Self.held.release(key) else { return }
        // Emptied so that a stale pid is never reported; closing releases the lock.
        _ = ftruncate(descriptor, 0)
        close(descriptor)
    }

    /// The canonical path of the folder, by which this process's locks are shared.
    private let key: String

    /// The run folders this process has locked: descriptor and number of owners.
    private static let held = HeldLocks()

    /// The pid written in an open lock file (nil when empty or unreadable).
    static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
        guard n > 0 else { return nil }
        return Int32(
            String(decoding: buffer.prefix(n), as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines))
    }

    /// Removes `.NAME.tmp-PID` files (unfinished atomic writes) of other processes: with the
    /// lock held no other process writes here, so they belong to runs that were killed.
    /// Returns the names removed.
    @discardableResult
    public func removeStaleTemporaryFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed: [String] = []
        for name in names where name.hasPrefix(".") {
            guard let marker = name.range(of: HDF5File.temporaryMarker, options: .backwards),
                  let pid = Int32(name[marker.upperBound...]), pid != getpid() else { continue }
            if unlink(directory + "/" + name) == 0 { removed.append(name) }
        }
        return removed
    }
}

/// A run folder that cannot be used as asked.
public enum RunFolderError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Another process holds the folder's lock.
    case locked(directory: String, pid: Int32?)
    /// The folder holds a run and neither resuming nor overwriting was asked for.
    case existingRun(directory: String, files: [String])

    /// The error as one line, with what to do about it.
    public var description: String {
        switch self {
        case .locked(let directory, let pid):
            "\(directory): the run folder is in use by another process"
                + (pid.map { " (pid \($0))" } ?? "")
                + "; wait for it to finish or use another --run"
        case .existingRun(let directory, let files):
            "\(directory) already holds a run (\(files.joined(separator: ", "))): use --resume to "
                + "continue it or --overwrite to start it again"
        }
    }
}

/// What a fresh (not resumed) run does with a run already in its folder.
public enum ExistingRunPolicy: Sendable {
    /// Refuse it (`RunFolderError.existingRun`): the command line without `--overwrite`.
    case refuse
    /// Start again over it.
    case replace
}

extension RunFolderLock {
    /// The files of a run present in `directory` (`checkpoint.h5`, `log.jsonl`).
    public static func runFiles(in directory: String) -> [String] {
        ["checkpoint.h5", "log.jsonl"].filter {
            FileManager.default.fileExists(atPath: directory + "/" + $0)
        }
    }

    /// Refuses an existing run under `.refuse` when not resuming.
    func checkFreshStart(resume: Bool, policy: ExistingRunPolicy) throws {
        guard !resume, policy == .refuse else { return }
        let files = Self.runFiles(in: directory)
        guard files.isEmpty else {
            throw RunFolderError.existingRun(directory: directory, files: files)
        }
    }
}

extension RunFolderLock {
    /// Deletes a run's log and checkpoint (a fresh start over an earlier run).
    static func removeRun(in directory: String) throws {
        for name in ["log.jsonl", "checkpoint.h5", "best.h5"] {
            let path = directory + "/" + name
            guard FileManager.default.fileExists(atPath: path) else { continue }
            try FileSystemError.wrap("removing the earlier run's", path: path) {
                try FileManager.default.removeItem(atPath: path)
            }
        }
    }
}

/// The locks this process holds, shared by the `RunFolderLock`s of one folder.
final class HeldLocks: @unchecked Sendable {
    // @unchecked: every access goes through `mutex`.
    private let mutex = NSLock()
    private var entries: [String: (descriptor: Int32, owners: Int)] = [:]

    /// The descriptor of a folder already locked, with one more owner; nil when not held.
    func retain(_ key: String) -> Int32? {
        mutex.lock()
        defer { mutex.unlock() }
        guard let entry = entries[key] else { return nil }
        entries[key] = (entry.descriptor, entry.owners + 1)
        return entry.descriptor
    }

    func insert(_ key: String, _ descriptor: Int32) {
        mutex.lock()
        defer { mutex.unlock() }
        entries[key] = (descriptor, 1)
    }

    /// Drops one owner; true when it was the last (the lock is then to be released).
    func release(_ key: String) -> Bool {
        mutex.lock()
        defer { mutex.unlock() }
        guard let entry = entries[key] else { return true }
        if entry.owners > 1 {
            entries[key] = (entry.descriptor, entry.owners - 1)
            return false
        }
        entries[key] = nil
        return true
    }
}
