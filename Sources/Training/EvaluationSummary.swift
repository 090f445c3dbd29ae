import Foundation

/// The machine-readable result of evaluating a checkpoint on a labelled set (`ddl evaluate
/// --json`): accuracy, mean class accuracy, each class's accuracy and counts by name, the
/// named confusion matrix, and where the numbers come from (checkpoint, epoch, data digest,
/// version). Keys are snake_case.
public struct EvaluationSummary: Codable, Sendable, Equatable {
    /// One expression class's result.
    public struct ClassResult: Codable, Sendable, Equatable {
        /// The class name.
        public let name: String
        /// Test faces of this class.
        public let count: Int
        /// Of them, predicted as this class.
        public let correct: Int
        /// `correct / count`, nil for a class without test faces.
        /// Fraction of the faces predicted correctly.
    public let accuracy: Double?
    }

    /// The confusion matrix with its class names: `matrix[true][predicted]`.
    public struct Confusion: Codable, Sendable, Equatable {
        /// The class of each row and column.
        public let classNames: [String]
        /// `matrix[true][predicted]`: counts.
        public let matrix: [[Int]]

        enum CodingKeys: String, CodingKey {
            case matrix
            case classNames = "class_names"
        }
    }

    /// The run's log beside the checkpoint: last and best epochs (1-based, test-set selection).
    public struct LogSummary: Codable, Sendable, Equatable {
        /// The last epoch with a test accuracy.
        public let lastEpoch: Int
        /// Its test accuracy.
        public let lastAccuracy: Double
        /// The first epoch of the best test accuracy.
        public let bestEpoch: Int
        /// That accuracy.
        public let bestAccuracy: Double

        enum CodingKeys: String, CodingKey {
            case lastEpoch = "last_epoch", lastAccuracy = "last_accuracy", bestEpoch = "best_epoch",
                bestAccuracy = "best_accuracy"
        }

        /// The summary of `records` (nil when none has a test accuracy).
        public init?(_ records: [EpochRecord]) {
            let scored = records.compactMap { r in
                r.testAccuracy.map { (epoch: r.epoch, accuracy: $0) }
            }
            guard let last = scored.last, let best = scored.max(by: { $0.accuracy < $1.accuracy })
            else { return nil }
            lastEpoch = last.epoch
            lastAccuracy = last.accuracy
            bestEpoch = best.epoch
            bestAccuracy = best.accuracy
        }
    }

    /// The checkpoint evaluated, as given.
    public let checkpoint: String
    /// Completed epochs of the checkpoint's run (1-based number of its last epoch).
    public let checkpointEpoch: Int
    /// The checkpoint's Table 1 variant.
    public let variant: String
    /// The checkpoint's preset.
    public let preset: String
    /// Where the test faces came from (a file, or "synthetic").
    public let testSource: String
    /// `ContentDigest.of` the test set.
    public let dataDigest: String
    /// Labelled test faces counted.
    public let faces: Int
    /// Top-1 accuracy over those faces.
    public let accuracy: Double
    /// The mean of the per-class accuracies over the classes that have test faces.
    public let meanClassAccuracy: Double
    /// Each class's result, in class order.
    public let perClass: [ClassResult]
    /// The confusion matrix with its class names.
    public let confusion: Confusion
    /// The run's log beside the checkpoint, when there is one.
    public let log: LogSummary?
    /// `DDLVersion.current` of the code that evaluated.
    public let version: String

    enum CodingKeys: String, CodingKey {
        case checkpoint, variant, preset, faces, accuracy, confusion, log, version
        case checkpointEpoch = "checkpoint_epoch", testSource = "test_source", dataDigest =
            "data_digest"
        case meanClassAccuracy = "mean_class_accuracy", perClass = "per_class"
    }

    /// The summary of `report` with class names `names`.
    /// - Precondition: `names` has one name per class of the report.
    public init(
        report: ClassificationReport, classNames names: [String], checkpoint: String,
        checkpointEpoch: Int,
        variant: String, preset: String, testSource: String, dataDigest: String, log: [EpochRecord]?
    ) {
        precondition(
            names.count == report.confusion.count,
            "EvaluationSummary: \(names.count) names for \(report.confusion.count) classes")
        self.checkpoint = checkpoint
        self.checkpointEpoch = checkpointEpoch
        self.variant = variant
        self.preset = preset
        self.testSource = testSource
        self.dataDigest = dataDigest
        faces = report.total
        accuracy = report.accuracy
        perClass = report.confusion.indices.map { c in
            let n = report.confusion[c].reduce(0, +), hit = report.confusion[c][c]
            return ClassResult(
                name: names[c], count: n, correct: hit,
                accuracy: n > 0 ? Double(hit) / Double(n) : nil)
        }
        let present = perClass.compactMap(\.accuracy)
        meanClassAccuracy = present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
        confusion = Confusion(classNames: names, matrix: report.confusion)
        self.log = log.flatMap { LogSummary($0) }
        version = DDLVersion.current
    }

    /// Pretty JSON with sorted keys.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
