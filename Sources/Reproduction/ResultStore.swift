import Foundation

/// The result of one training run of a reproduction: one database, arm, fold and seed,
/// with everything needed to trace it (its key and settings).
public struct RunResult: Codable, Sendable, Equatable {
    /// The database's name.
    public var database: String
    /// The arm's column name (the variant, with its loss weights when they are not the paper's).
    public var arm: String
    /// The arm's variant.
    public var variant: String
    /// λ1 and λ2 of Eq. 11 in this run.
    public var lambda1: Double
    /// λ2 of Eq. 11 (see `lambda1`).
    public var lambda2: Double
    /// Fold index (0 for train/test databases).
    public var fold: Int
    /// The training seed (weights, shuffles, crops, flips, dropout).
    public var seed: UInt64
    /// Test accuracy after the last epoch (the paper's number), in [0, 1].
    public var accuracy: Double
    /// Best test accuracy over the evaluated epochs (test-set selection, as the released
    /// code reports; equal to `accuracy` when only the last epoch is evaluated).
    public var bestAccuracy: Double
    /// Labelled test faces the accuracy is over.
    public var testFaces: Int
    /// Epochs trained.
    public var epochs: Int
    /// Training time, in seconds.
    public var seconds: Double
    /// Whether the faces were a synthetic stand-in.
    public var synthetic: Bool
    /// The run's key (`RunKey.digest`) and its settings: scale, preset, data digests, DFEMs,
    /// trunk, code version.
    public var key: String
    /// The settings the key digests (see `key`).
    public var settings: [String: String]

    enum CodingKeys: String, CodingKey {
        case database, arm, variant, lambda1, lambda2, fold, seed, accuracy, epochs, seconds,
            synthetic, key, settings
        case bestAccuracy = "best_accuracy", testFaces = "test_faces"
    }

    /// A run's result; see the properties.
    public init(
        database: String, arm: String, variant: String, lambda1: Double, lambda2: Double, fold: Int,
        seed: UInt64,
        accuracy: Double, bestAccuracy: Double, testFaces: Int, epochs: Int, seconds: Double,
        synthetic: Bool,
        key: String, settings: [String: String]
    ) {
        self.database = database
        self.arm = arm
        self.variant = variant
        self.lambda1 = lambda1
        self.lambda2 = lambda2
        self.fold = fold
        self.seed = seed
        self.accuracy = accuracy
        self.bestAccuracy = bestAccuracy
        self.testFaces = testFaces
        self.epochs = epochs
        self.seconds = seconds
        self.synthetic = synthetic
        self.key = key
        self.settings = settings
    }
}

/// Finished runs, one JSON file each, found by the digest of everything that determines
/// them (`<out>/runs/<setting>/<database>/<arm>/<key>.json`), written atomically as each
/// run finishes, so that stopping loses no finished run and a second invocation reuses
/// exactly the runs whose settings, data and code are unchanged. A file that does not
/// parse, or holds another run, is reported and the run is repeated.
public struct ResultStore: Sendable {
    /// The results folder (`<out>`).
    public let directory: String
    /// Runs of another scale or preset are kept apart (`quick-paper`, `paper-official`, …).
    public let setting: String

    /// The store of `setting`'s runs under `directory`.
    public init(directory: String, setting: String) {
        self.directory = directory
        self.setting = setting
    }

    /// The folder of this setting's runs.
    public var runsDirectory: String { "\(directory)/runs/\(setting)" }

    /// The file of one run.
    public func path(database: String, arm: Arm, key: RunKey) -> String {
        "\(runsDirectory)/\(safe(database))/\(arm.folder)/\(key.short).json"
    }

    func safe(_ name: String) -> String {
        name.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: " ", with: "_")
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "ρ", with: "rho")
    }

    /// What to do with a stored run.
    public enum Lookup: Sendable, Equatable {
        /// No file for the run.
        case missing
        /// The stored run, usable as it is.
        case done(RunResult)
        /// The file exists but cannot be used; the run is repeated.
        case corrupt(path: String, reason: String)
    }

    /// The stored run of `key`, if any.
    public func lookup(database: String, arm: Arm, key: RunKey) -> Lookup {
        let p = path(database: database, arm: arm, key: key)
        guard FileManager.default.fileExists(atPath: p) else { return .missing }
        guard let data = FileManager.default.contents(atPath: p) else {
            return .corrupt(path: p, reason: "unreadable")
        }
        do {
            let r = try JSONDecoder().decode(RunResult.self, from: data)
            guard r.key == key.digest, r.database == database, r.arm == arm.name,
                  r.accuracy.isFinite, r.accuracy >= 0, r.accuracy <= 1 else {
                return .corrupt(path: p, reason: "holds another run or an accuracy outside [0, 1]")
            }
            return .done(r)
        } catch {
            return .corrupt(path: p, reason: "not a run result (\(error))")
        }
    }

    /// Stores a finished run atomically.
    public func store(_ r: RunResult, arm: Arm, key: RunKey) throws {
        let p = path(database: r.database, arm: arm, key: key)
        try FileManager.default.createDirectory(
            atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        try e.encode(r).write(to: URL(fileURLWithPath: p), options: .atomic)
    }
}
