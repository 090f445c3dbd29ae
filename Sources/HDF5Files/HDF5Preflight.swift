import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A check of an HDF5 file in a child process before this process reads it. libhdf5 1.10
/// can crash or loop on a damaged file (variable-length strings, global heaps) in ways no
/// check from outside the library catches, so when `command` is set, `HDF5File.open` first
/// runs `command + [path]` (the `ddl hdf5-preflight FILE` subcommand, which walks the whole
/// file with `walk(_:)`); a child that dies by a signal or outlives `timeout` turns into an
/// `HDF5Error` naming the file, and this process never reads it. Off by default (library
/// use and tests); the `ddl` executable turns it on at startup.
public enum HDF5Preflight {
    /// The settings and the cache of files found safe, behind one lock.
    private struct State {
        var command: [String]? = nil
        var timeout: Double = 30
        var checked: Set<FileStamp> = []
        var refusals = 0
    }

    /// A file as it is on disk now: a rewrite changes the stamp, so it is checked again.
    private struct FileStamp: Hashable {
        var path: String, device: UInt64, inode: UInt64, size: Int64
        var mtime: Int, mtimeNanoseconds: Int, ctime: Int, ctimeNanoseconds: Int
    }

    private static let state = Locked(State())

    /// The child to run, before the file's path (`[executable, "hdf5-preflight"]`), or nil
    /// for no preflight. Set once at startup.
    public static var command: [String]? {
        get { state.withLock { $0.command } }
        set { state.withLock { $0.command = newValue } }
    }

    /// Seconds a child may take before it is killed and the file refused (30 by default).
    public static var timeout: Double {
        get { state.withLock { $0.timeout } }
        set { state.withLock { $0.timeout = newValue } }
    }

    /// How many files the preflight refused (a crash or a timeout of the child) in this process.
    public static var refusals: Int { state.withLock { $0.refusals } }

    /// Forgets which files were found safe (for a caller that rewrites one path faster than
    /// the file system's time stamps change).
    public static func clearCache() { state.withLock { $0.checked.removeAll() } }

    /// Runs the preflight for `path` when it is enabled and the file, as it is now, has not
    /// passed it yet in this process.
    /// - Throws: `HDF5Error` `.unreadable` naming the file when the child crashed, timed
    ///   out, or failed to run.
    static func ensure(_ path: String) throws(HDF5Error) {
        guard let command = self.command, !command.isEmpty else { return }
        let stamp = self.stamp(path)
        if let stamp, state.withLock({ $0.checked.contains(stamp) }) { return }
        if let problem = run(command + [path], timeout: timeout) {
            state.withLock { $0.refusals += 1 }
            throw HDF5Error(.unreadable, file: path, path: "/", problem)
        }
        if let stamp { state.withLock { _ = $0.checked.insert(stamp) } }
    }

    private static func stamp(_ path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileStamp(
            path: path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino),
            size: Int64(info.st_size),
            mtime: info.st_mtim.tv_sec, mtimeNanoseconds: info.st_mtim.tv_nsec,
            ctime: info.st_ctim.tv_sec, ctimeNanoseconds: info.st_ctim.tv_nsec)
    }

    /// Runs `arguments` (spawned, never forked without exec: this process has threads) with
    /// its output collected; nil when it exited 0 or 1 (1: the child refused the file with an
    /// HDF5 error, which the reader here will meet and report the same way), else why not.
    static func run(_ arguments: [String], timeout: Double) -> String? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            return "the HDF5 preflight could not make a pipe: \(String(cString: strerror(errno)))"
        }
        // Not inherited by other children (the end of output is not awaited, the exit is).
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"  // a crash is expected here; no slow backtrace
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        close(fds[1])
        guard spawned == 0 else {
            close(fds[0])
            return "the HDF5 preflight could not run \(arguments[0]): "
                + "\(String(cString: strerror(spawned)))"
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        var timedOut = false
        var open = true
        while true {
            if open {
                var poller = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, 20) > 0 {
                    let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
                    if n > 0 {
                        if output.count < 1 << 16 { output += buffer.prefix(n) }
                    } else if n == 0 || errno != EINTR {
                        open = false
                    }
                }
            } else {
                usleep(5_000)
            }
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { break }
            if waited < 0, errno != EINTR {
                close(fds[0]);
                return "the HDF5 preflight lost its child: \(String(cString: strerror(errno)))"
            }
            if Date() >= deadline {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                timedOut = true
                break
            }
        }
        close(fds[0])
        if timedOut {
            return "the HDF5 library did not finish reading it: timed out after "
                + "\(Int(timeout.rounded())) s"
        }
        let signal = status & 0x7f
        if signal != 0 { return "the HDF5 library crashed reading it: signal \(signal)" }
        let code = (status >> 8) & 0xff
        if code == 0 || code == 1 { return nil }
        let message = String(decoding: output, as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        return
            "the HDF5 preflight exited with status \(code)\(message.isEmpty ? "" : ": \(message)")"
    }
}

/// A value behind a lock, safe to share between threads.
final class Locked<Value>: @unchecked Sendable {
    // @unchecked: every access to `value` holds `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
