import Foundation
import HDF5Files

/// Events a run reports while it works; the command line draws them as a progress bar.
public enum TrainingEvent: Sendable {
    /// A batch finished: running means of the losses and the accuracy so far this epoch.
    case batch(stage: String, epoch: Int, epochs: Int, batch: Int, batches: Int, loss: Double, accuracy: Double?, imagesPerSecond: Double)
    /// An epoch finished.
    case epoch(EpochRecord)
    /// A note (resumed from a checkpoint, skipped work).
    case note(String)
}

/// Appends epoch records to a JSON-lines file, one per line.
public struct EpochLog: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Appends a record (creating the file).
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
                try Data(line.utf8).write(to: URL(fileURLWithPath: path))
            }
        }
    }

    /// Drops records of epochs at or after `epoch` (after resuming from an earlier checkpoint).
    public func truncate(fromEpoch epoch: Int) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let kept = text.split(separator: "\n").filter { line in
            guard let data = line.data(using: .utf8),
                  let record = try? JSONDecoder().decode(EpochRecord.self, from: data) else { return false }
            return record.epoch < epoch
        }
        try FileSystemError.wrap("rewriting the log", path: path) {
            try (kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    /// Every record in the file.
    public func records() throws -> [EpochRecord] {
        let text = try FileSystemError.wrap("reading the log", path: path) { try String(contentsOfFile: path, encoding: .utf8) }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(EpochRecord.self, from: Data($0.utf8)) }
    }
}
