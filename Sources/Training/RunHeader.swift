import DDLModel
import Foundation

/// The first line of a run's `log.jsonl`: what the run is (stage, settings, model, seed,
/// data digests, version) and how its records count epochs. Written as
/// `{"run_header": {...}}` so that a reader can tell it from the epoch records.
public struct RunHeader: Codable, Sendable, Equatable {
    /// How the log's records number epochs: `1` (the first epoch is 1, as the console and
    /// `best_epoch` count). Logs without a header are older and counted from 0.
    public var epochBase: Int
    /// `ddm` or `dfem`.
    public var stage: String
    /// The training options (snake_case keys).
    public var settings: TrainingOptions
    /// The run's seed.
    public var seed: UInt64
    /// The model configuration.
    public var config: DDLConfig
    /// SHA-256 of each data set by role.
    public var dataDigests: [String: String]
    /// `DDLVersion.current` of the code that started the run.
    public var version: String
    /// When the run started (ISO 8601, UTC).
    public var started: String

    enum CodingKeys: String, CodingKey {
        case stage, settings, seed, config, version, started
        case epochBase = "epoch_base", dataDigests = "data_digests"
    }

    /// A header for a run starting now with `options` and model `config`.
    public init(
        stage: String, options: TrainingOptions, config: DDLConfig, dataDigests: [String: String],
        date: Date = Date()
    ) {
        epochBase = 1
        self.stage = stage
        seed = options.seed
        self.config = config
        self.dataDigests = dataDigests
        version = DDLVersion.current
        settings = options
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        started = formatter.string(from: date)
    }

    /// The header as one log line.
    public var line: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(["run_header": self])).map {
            String(decoding: $0, as: UTF8.self)
        }
        return body ?? "{\"run_header\":{\"epoch_base\":1}}"
    }

    /// The header in a log line, or nil for an epoch record.
    static func parse(line: Substring) -> RunHeader? {
        guard line.hasPrefix("{\"run_header\"") else { return nil }
        return (try? JSONDecoder().decode([String: RunHeader].self, from: Data(line.utf8)))?[
            "run_header"]
    }
}
