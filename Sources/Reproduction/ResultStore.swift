import Foundation

/// The result of one training run of the Table 2 reproduction (one database, variant, fold).
public struct RunResult: Codable, Sendable, Equatable {
    public var database: String
    public var variant: String
    /// Fold index (0 for train/test databases).
    public var fold: Int
    /// Test accuracy after the last epoch (the paper's number).
    public var accuracy: Double
    /// Best test accuracy over the epochs (test-set selection, as the released code reports).
    public var bestAccuracy: Double
    public var epochs: Int
    public var seconds: Double
    public var synthetic: Bool

    public init(database: String, variant: String, fold: Int, accuracy: Double, bestAccuracy: Double, epochs: Int, seconds: Double, synthetic: Bool) {
        self.database = database
        self.variant = variant
        self.fold = fold
        self.accuracy = accuracy
        self.bestAccuracy = bestAccuracy
        self.epochs = epochs
        self.seconds = seconds
        self.synthetic = synthetic
    }
}

/// Finished runs, one JSON file each (`<out>/runs/<scale>-<preset>/<database>/<variant>/fold-<k>.json`),
/// written atomically as each run finishes, so that stopping loses no finished run and a
/// second invocation skips them. A file that does not parse is reported and run again.
public struct ResultStore: Sendable {
    public let directory: String
    /// Runs of another scale or preset are kept apart (`quick-paper`, `paper-official`, …).
    public let setting: String

    public init(directory: String, setting: String) {
        self.directory = directory
        self.setting = setting
    }

    /// The folder of this setting's runs.
    public var runsDirectory: String { "\(directory)/runs/\(setting)" }

    /// The file of one run.
    public func path(database: String, variant: String, fold: Int) -> String {
        "\(runsDirectory)/\(safe(database))/\(variant)/fold-\(fold).json"
    }

    func safe(_ name: String) -> String { name.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: " ", with: "_") }

    /// What to do with a stored run.
    public enum Lookup: Sendable, Equatable {
        case missing
        case done(RunResult)
        /// The file exists but cannot be used; the run is repeated.
        case corrupt(path: String, reason: String)
    }

    public func lookup(database: String, variant: String, fold: Int) -> Lookup {
        let p = path(database: database, variant: variant, fold: fold)
        guard FileManager.default.fileExists(atPath: p) else { return .missing }
        guard let data = FileManager.default.contents(atPath: p) else { return .corrupt(path: p, reason: "unreadable") }
        do {
            let r = try JSONDecoder().decode(RunResult.self, from: data)
            guard r.database == database, r.variant == variant, r.fold == fold, r.accuracy.isFinite else {
                return .corrupt(path: p, reason: "holds another run or a non-finite accuracy")
            }
            return .done(r)
        } catch {
            return .corrupt(path: p, reason: "not a run result (\(error))")
        }
    }

    /// Stores a finished run atomically.
    public func store(_ r: RunResult) throws {
        let p = path(database: r.database, variant: r.variant, fold: r.fold)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        try e.encode(r).write(to: URL(fileURLWithPath: p), options: .atomic)
    }

    /// Every stored run.
    public func all() -> [RunResult] {
        guard let files = FileManager.default.enumerator(atPath: runsDirectory) else { return [] }
        return files.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }.compactMap {
            FileManager.default.contents(atPath: runsDirectory + "/" + $0).flatMap { try? JSONDecoder().decode(RunResult.self, from: $0) }
        }
    }
}
