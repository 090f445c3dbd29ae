import ArgumentParser
import Foundation
import HDF5Files
#if canImport(Glibc)
import Glibc
#endif

/// Writing to standard output and error that never crashes or blocks the work: a closed
/// stream (`2>&-`), a full disk or a reader that went away (`| head`) loses the text, not
/// the run.
public enum StandardStreams {
    /// Makes the process safe for closed or broken streams, before anything is written or
    /// opened: a closed descriptor 0, 1 or 2 is reopened on `/dev/null` (so that no file the
    /// program opens, such as a checkpoint, takes its number and receives printed text),
    /// and SIGPIPE is ignored so that writing to a closed pipe is an error, not a death.
    /// SIGXFSZ too: a file-size limit makes a write fail (and say so), not kill the run.
    public static func prepare() {
        for fd in Int32(0)...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if null >= 0, null != fd {
                dup2(null, fd)
                close(null)
            }
        }
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
    }

    /// Writes `text` to standard error, best effort: a failed write is dropped.
    public static func error(_ text: String) { write(text, to: STDERR_FILENO) }

    /// Writes `text` to standard output, best effort, after flushing what `print` buffered.
    public static func output(_ text: String) {
        fflush(nil)
        write(text, to: STDOUT_FILENO)
    }

    static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes {
                Glibc.write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset)
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
        bytes.removeAll()
    }
}

extension DDL {
    /// Parses the command line and runs the command like `main()`, but reports Foundation
    /// and POSIX file errors as one line (what, path, the system's reason) instead of a
    /// Foundation error dump.
    /// An option error found while a command runs (a `ValidationError` from `run()`) is
    /// reported with that command's usage line, as one found while parsing is, and exit 64.
    public static func runMain() {
        StandardStreams.prepare()
        var command: (any ParsableCommand)?
        do {
            command = try parseAsRoot()
            try command?.run()
            fflush(nil)
        } catch {
            fflush(nil)
            if let command, let invalid = error as? ValidationError {
                StandardStreams.error(usageMessage(invalid.message, for: type(of: command)))
                exit(withError: ExitCode.validationFailure)
            }
            exit(withError: presentable(error))
        }
    }

    /// `Error: message`, the command's usage line and where its help is, as the parser
    /// words an option error (the parser alone would give the root's usage for an error
    /// thrown by `run()`).
    static func usageMessage(_ message: String, for command: any ParsableCommand.Type) -> String {
        let usage = usageString(for: command)
        let path = usage.split(separator: " ").prefix {
            !$0.hasPrefix("[") && !$0.hasPrefix("<") && !$0.hasPrefix("-")
        }
        return
            "Error: \(message)\nUsage: \(usage)\n  See '\(path.joined(separator: " ")) --help' "
                + "for more information.\n"
    }

    /// `error`, or a one-line `FileSystemError`-style message when it is a raw Foundation or
    /// POSIX error.
    public static func presentable(_ error: any Error) -> any Error {
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain,
            !(error is FileSystemError)
        else { return error }
        return OneLineError(description: FileSystemError.oneLine(error))
    }
}

/// An error that is only its message.
struct OneLineError: Error, CustomStringConvertible {
    let description: String
}
