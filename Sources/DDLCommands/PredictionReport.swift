import DDLModel
import Foundation
import Training

/// What `ddl predict` found: every image's class probabilities and top class, with the
/// checkpoint and preprocessing they came from. Written as CSV (one row per image:
/// `path`, one column per class name, `top_class`) or JSON (snake_case keys).
struct PredictionReport: Encodable {
    /// One image's result.
    struct Row: Encodable {
        let path: String
        /// Probability by class name.
        let probabilities: [String: Double]
        let topClass: String

        enum CodingKeys: String, CodingKey {
            case path, probabilities
            case topClass = "top_class"
        }
    }

    let checkpoint: String
    let checkpointEpoch: Int
    let preprocessing: InputSpec
    let preprocessingAssumed: Bool
    let classNames: [String]
    let version: String
    let predictions: [Row]
    /// Probabilities in class order, for the CSV.
    let table: [[Double]]

    enum CodingKeys: String, CodingKey {
        case checkpoint, preprocessing, version, predictions
        case checkpointEpoch = "checkpoint_epoch", preprocessingAssumed = "preprocessing_assumed",
            classNames = "class_names"
    }

    init(checkpoint: String, predictor: Predictor, paths: [String], probabilities: [[Double]]) {
        self.checkpoint = checkpoint
        checkpointEpoch = predictor.metadata.epoch
        preprocessing = predictor.preprocessing
        preprocessingAssumed = predictor.assumed
        let names = predictor.preprocessing.classNames
        classNames = names
        version = DDLVersion.current
        table = probabilities
        predictions = zip(paths, probabilities).map { path, p in
            let top = p.indices.max { p[$0] < p[$1] } ?? 0
            return Row(
                path: path, probabilities: Dictionary(uniqueKeysWithValues: zip(names, p)),
                topClass: names[top])
        }
    }

    /// The CSV text: a header, then one row per image.
    var csv: String {
        var lines = [(["path"] + classNames + ["top_class"]).map(Self.field).joined(separator: ",")]
        for (row, p) in zip(predictions, table) {
            lines.append(
                ([Self.field(row.path)] + p.map { String(format: "%.8f", $0) } + [
                    Self.field(row.topClass)
                ]).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The JSON text (sorted keys).
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return ((try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}")
            + "\n"
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
