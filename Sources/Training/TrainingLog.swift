import Foundation
import HDF5Files

/// Events a run reports while it works; the command line draws them as a progress bar.
public enum TrainingEvent: Sendable {
    /// A batch finished: running means of the losses and the accuracy so far this epoch.
    case batch(
        stage: String, epoch: Int, epochs: Int, batch: Int, batches: Int, loss: Double,
        accuracy: Double?, imagesPerSecond: Double)
    /// An epoch finished.
    case epoch(EpochRecord)
    /// A note (resumed from a checkpoint, skipped work).
    case note(String)
}

/// A run's `log.jsonl`: a `RunHeader` line, then one JSON line per finished epoch, whose
/// `epoch` counts from 1. Logs written before the header existed count from 0; `records()`
/// reads them as 1-based, and the first resume rewrites them with a header.
public struct EpochLog: Sendable {
    /// The log file.
    public let path: String

    /// The log at `path`.
    public init(path: String) { self.path = path }

    /// Starts the log of a fresh run with its header (replacing any file at `path`).
    /// - Throws: `FileSystemError` naming the log and the system's reason.
    public func start(_ header: RunHeader) throws {
        try FileSystemError.wrap("writing the log header", path: path) {
            try Data((header.line + "\n").utf8).write(
                to: URL(fileURLWithPath: path), options: .atomic)
        }
    }

    /// Appends a record (creating the file, with a minimal header, if it does not exist).
    /// - Throws: `FileSystemError` naming the log and the system's reason.
    public func append(_ record: EpochRecord) throws {
        let line = record.json + "\n"
        try FileSystemError.wrap("appending to the log", path: path) {
            if let handle = FileHandle(forWritingAtPath: path) {
                defer { try? handle.close() }
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(line.utf8))
                try handle.synchronize()
            } else {
                try Data(("{\"run_header\":{\"epoch_base\":1}}\n" + line).utf8).write(
                    to: URL(fileURLWithPath: path))
            }
        }
    }

    /// Drops records of epochs after `completed` (1-based: after resuming from the checkpoint
    /// of epoch `completed`), keeping the header; an older log without one is rewritten with
    /// `header` and its epochs counted from 1.
    public func truncate(afterEpoch completed: Int, header: RunHeader? = nil) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let lines = text.split(separator: "\n")
        let headerLine =
            lines.first.flatMap { RunHeader.parse(line: $0) != nil ? String($0) : nil } ?? header?
            .line ?? "{\"run_header\":{\"epoch_base\":1}}"
        let kept = (try parse(text)).filter { $0.epoch <= completed }.map(\.json)
        try FileSystemError.wrap("rewriting the log", path: path) {
            try (([headerLine] + kept).joined(separator: "\n") + "\n").write(
                toFile: path, atomically: true, encoding: .utf8)
        }
    }

    /// The header, or nil for a log written before headers existed.
    public func header() throws -> RunHeader? {
        let text = try FileSystemError.wrap("reading the log", path: path) {
            try String(contentsOfFile: path, encoding: .utf8)
        }
        return text.split(separator: "\n").first.flatMap { RunHeader.parse(line: $0) }
    }

    /// Every epoch record in the file, epochs counted from 1.
    /// - Throws: `FileSystemError`, or `LogError` naming the line that is not a record.
    public func records() throws -> [EpochRecord] {
        let text = try FileSystemError.wrap("reading the log", path: path) {
            try String(contentsOfFile: path, encoding: .utf8)
        }
        return try parse(text)
    }

    func parse(_ text: String) throws -> [EpochRecord] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var base = 0
        if let first = lines.first, let header = RunHeader.parse(line: first) {
            guard header.epochBase == 0 || header.epochBase == 1 else {
                throw LogError(
                    file: path, line: 1, reason: "epoch_base \(header.epochBase) is neither 0 nor 1"
                )
            }
            base = header.epochBase
        }
        var records: [EpochRecord] = []
        for (n, line) in lines.enumerated()
        where !line.isEmpty && RunHeader.parse(line: line) == nil {
            do {
                var record = try JSONDecoder().decode(EpochRecord.self, from: Data(line.utf8))
                record.epoch += 1 - base
                records.append(record)
            } catch {
                throw LogError(file: path, line: n + 1, reason: "not an epoch record: \(error)")
            }
        }
        return records
    }
}
