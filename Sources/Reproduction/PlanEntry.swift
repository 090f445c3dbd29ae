import Foundation
import HDF5Files

/// One line of `plan.jsonl`: a unit of work of an experiment — the trunk's pre-training, a
/// DFEM, or a run — with its key (`RunKey.digest`, the same one the results are stored
/// under) and the keys of the work it needs first.
public struct PlanEntry: Codable, Sendable, Equatable {
    /// What the work is.
    public enum Kind: String, Codable, Sendable {
        /// The trunk's pre-training.
        case trunk
        /// A DFEM of one database and factor group.
        case dfem
        /// A training run of one database, arm, fold and seed.
        case run
    }

    /// What the unit is.
    public var kind: Kind
    /// The full key digest (64 hex digits).
    public var key: String
    /// The database (nil for the trunk).
    public var database: String?
    /// The fold of a run (0 for a train/test database).
    public var fold: Int?
    /// The run's training seed.
    public var seed: UInt64?
    /// The arm's column name (a run).
    public var arm: String?
    /// The Table 1 variant of a run, or the first variant a DFEM serves (`ddl_gar_id_il_p`).
    public var variant: String?
    /// λ1 of Eq. 11 in a run.
    public var lambda1: Double?
    /// λ2 of Eq. 11 in a run.
    public var lambda2: Double?
    /// A DFEM's factors (`gender+age`).
    public var factors: String?
    /// Keys of the entries that must be finished first (the trunk, the DFEMs).
    public var dependencies: [String]
    /// Optimiser steps (batches per epoch × epochs).
    public var steps: Int
    /// The batch size of its training.
    public var batchSize: Int

    enum CodingKeys: String, CodingKey {
        case kind, key, database, fold, seed, arm, variant, lambda1, lambda2, factors, dependencies,
            steps
        case batchSize = "batch_size"
    }

    /// The first 16 hex digits of the key, for folder names.
    public var short: String { String(key.prefix(16)) }

    /// A one-line description for reports (`run Lab-like (synthetic) baseline seed 1 fold 2`).
    public var label: String {
        var parts = [kind.rawValue]
        if let database { parts.append(database) }
        if let arm { parts.append(arm) } else if let variant { parts.append(variant) }
        if let factors { parts.append(factors) }
        if let seed { parts.append("seed \(seed)") }
        if let fold { parts.append("fold \(fold + 1)") }
        parts.append(short)
        return parts.joined(separator: " ")
    }

    /// Optimiser steps of `epochs` epochs over `count` faces in batches of `batch` (the last
    /// partial batch is dropped when there is more than one batch, as `EpochOrder` does).
    public static func steps(count: Int, batch: Int, epochs: Int) -> Int {
        guard count > 0, batch > 0 else { return 0 }
        return (count > batch ? count / batch : 1) * epochs
    }
}

/// `plan.jsonl`: one `PlanEntry` per line (sorted keys), in the order workers take them.
public enum PlanFile {
    /// The file name inside the results folder.
    public static let name = "plan.jsonl"

    /// The lines of `entries`.
    public static func encode(_ entries: [PlanEntry]) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return entries.map { entry in
            (try? e.encode(entry)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        .joined(separator: "\n") + "\n"
    }

    /// Writes `entries` to `<directory>/plan.jsonl` atomically.
    public static func write(_ entries: [PlanEntry], to directory: String) throws {
        try FileSystemError.createDirectory(directory, action: "creating the results folder")
        let path = directory + "/" + name
        try FileSystemError.wrap("writing the plan", path: path) {
            try encode(entries).write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    /// The entries of `path`.
    /// - Throws: `PlanError.unreadable` naming the file and the line that does not parse.
    public static func read(_ path: String) throws -> [PlanEntry] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PlanError.unreadable(path, line: 0, "cannot be read")
        }
        let lines = String(decoding: data, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: true)
        return try lines.enumerated().map { i, line in
            do {
                return try JSONDecoder().decode(PlanEntry.self, from: Data(line.utf8))
            } catch {
                throw PlanError.unreadable(path, line: i + 1, "is not a plan entry (\(error))")
            }
        }
    }
}

/// What is wrong with a plan or the work of a worker.
public enum PlanError: Error, CustomStringConvertible, Equatable {
    /// A line of a plan file does not parse (line 0: the file itself).
    case unreadable(String, line: Int, String)
    /// The plan in the results folder is not the one these options make.
    case otherPlan(String, String)

    /// The message, naming the file and the line or key.
    public var description: String {
        switch self {
        case .unreadable(let path, let line, let reason):
            return line == 0 ? "\(path) \(reason)" : "\(path) line \(line) \(reason)"
        case .otherPlan(let path, let detail):
            return
                "\(path) was written for other settings (\(detail)); use the options it was "
                    + "planned with, or another --out"
        }
    }
}
