import FaceData

/// Counts per expression class, per subject and per factor class: what
/// `ddl data inspect` prints for a prepared cache or a database copy.
public struct DatasetSummary: Sendable, Equatable {
    /// What is summarised (a file or a layout and root).
    public var title: String
    /// Number of faces.
    public var faces: Int
    /// The expression class names.
    public var expressionNames: [String]
    /// Faces per expression class.
    public var expressionCounts: [Int]
    /// Faces without an expression label.
    public var unlabelled: Int
    /// Faces per subject (by name, or by id for a cache); faces without a subject are not here.
    public var subjectCounts: [String: Int]
    /// Faces without a subject.
    public var unknownSubjects: Int
    /// Faces per class of each factor.
    public var factorCounts: [String: [Int]]
    /// Faces without a label, per factor.
    public var factorMissing: [String: Int]
    /// Side of the images, when decoded.
    public var side: Int?

    /// The summary of a face set (subjects named by id).
    public init(set: FaceSet, title: String) {
        self.title = title
        faces = set.count
        side = set.size
        expressionNames = set.expressionClassNames
        expressionCounts = set.expressionCounts
        unlabelled = set.expressions.filter { $0 < 0 }.count
        subjectCounts = [:]
        for s in set.subjects where s >= 0 { subjectCounts[String(s), default: 0] += 1 }
        unknownSubjects = set.subjects.filter { $0 < 0 }.count
        factorCounts = [:]
        factorMissing = [:]
        for (name, classes) in set.factorClasses {
            var counts = [Int](repeating: 0, count: classes)
            var missing = 0
            for label in set.factors[name] ?? [] {
                if label >= 0 && label < classes { counts[label] += 1 } else { missing += 1 }
            }
            factorCounts[name] = counts
            factorMissing[name] = missing
        }
    }

    /// The summary of a manifest (subjects named as the database names them).
    public init(manifest: FaceManifest) {
        title = "\(manifest.layout.rawValue) at \(manifest.root)"
        faces = manifest.records.count
        side = nil
        expressionNames = manifest.expressionNames
        expressionCounts = [Int](repeating: 0, count: manifest.expressionClasses)
        unlabelled = 0
        subjectCounts = [:]
        unknownSubjects = 0
        factorCounts = manifest.factorClasses.mapValues { [Int](repeating: 0, count: $0) }
        factorMissing = manifest.factorClasses.mapValues { _ in 0 }
        for r in manifest.records {
            if r.expression >= 0 && r.expression < expressionCounts.count {
                expressionCounts[r.expression] += 1
            } else {
                unlabelled += 1
            }
            if let s = r.subject { subjectCounts[s, default: 0] += 1 } else { unknownSubjects += 1 }
            for (name, classes) in manifest.factorClasses {
                if let label = r.factors[name], label >= 0 && label < classes {
                    factorCounts[name]?[label] += 1
                } else {
                    factorMissing[name, default: 0] += 1
                }
            }
        }
    }

    /// The report, one line each.
    public var lines: [String] {
        var out = [
            "\(title): \(faces) faces" + (side.map { ", \($0)×\($0)" } ?? "")
                + ", \(expressionNames.count) expression classes"
        ]
        out.append("expressions:")
        let width = (expressionNames.map(\.count) + [10]).max() ?? 10
        func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        for (name, count) in zip(expressionNames, expressionCounts) {
            out.append("  \(pad(name))  \(count)")
        }
        if unlabelled > 0 { out.append("  \(pad("no label"))  \(unlabelled)") }
        out.append(
            "subjects: \(subjectCounts.count)"
                + (unknownSubjects > 0 ? " (\(unknownSubjects) faces without one)" : ""))
        for name in subjectCounts.keys.sorted(by: naturalOrder) {
            out.append("  \(name)  \(subjectCounts[name] ?? 0)")
        }
        if !factorCounts.isEmpty { out.append("factors:") }
        for name in factorCounts.keys.sorted() {
            let counts = factorCounts[name] ?? []
            let classes = counts.enumerated().map { "\($0): \($1)" }.joined(separator: ", ")
            out.append("  \(name) (\(counts.count) classes): \(classes); missing "
                + "\(factorMissing[name] ?? 0)")
        }
        return out
    }
}
