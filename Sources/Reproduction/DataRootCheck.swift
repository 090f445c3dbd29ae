import DDLModel
import FaceData
import Foundation

/// What the prepared data under a data root can support, found before anything trains:
/// which expression databases are there (and readable, with labelled faces), which factors
/// the disturbance set labels, and so which variants can run; for the rest, what is missing,
/// naming the file and the key expected.
public struct DataRootCheck: Sendable {
    /// A database or variant that cannot run, and why (the file and key expected).
    public struct Missing: Sendable, Equatable {
        /// The database or variant.
        public let name: String
        /// What it lacks: the file and key expected.
        public let reason: String
    }

    /// The data root checked.
    public let root: String
    /// The expression databases whose files are all there, readable and labelled.
    public let databases: [String]
    /// Those that are not, with the files expected.
    public let missingDatabases: [Missing]
    /// The disturbance set's factors (nil when there is no readable disturbance set).
    public let disturbance: FaceSetFileSummary?
    /// The requested variants the data supports, in the requested order.
    public let runnable: [Variant]
    /// The requested variants it does not, with what each lacks.
    public let unsupported: [Missing]
    /// Remarks that stop nothing (e.g. image sides that differ).
    public let notes: [String]

    /// The files each expression database needs under the root, by `PreparedDatabases` name.
    public static let expectedFiles: [(name: String, files: [String])] = [
        ("CK+", ["CK+/faces.h5"]), ("MMI", ["MMI/faces.h5"]),
        ("Oulu-CASIA", ["Oulu-CASIA/faces.h5"]),
        ("RAF-DB", ["RAF-DB/train.h5", "RAF-DB/test.h5"]),
        ("SFEW", ["SFEW/train.h5", "SFEW/test.h5"]),
    ]

    /// Checks `root` for `variants` on `databases` (nil: every database), reading only the
    /// label arrays and shapes of the files, never their images.
    public init(root: String, variants: [Variant], databases wanted: [String]? = nil) {
        self.root = root
        let fm = FileManager.default
        var found: [String] = [], missing: [Missing] = [], notes: [String] = []
        var sides: [String: Int] = [:]
        for (name, files) in Self.expectedFiles where wanted?.contains(name) ?? true {
            let paths = files.map { "\(root)/\($0)" }
            let absent = paths.filter { !fm.fileExists(atPath: $0) }
            guard absent.isEmpty else {
                missing.append(Missing(name: name, reason: "no " + absent.joined(separator: " and ")
                                       + " (make it with "
                                       + "`ddl data prepare --layout \(Self.layout(name)) --out "
                                       + "FILE`; docs/DATASETS.md)"))
                continue
            }
            do {
                let summaries = try paths.map { try FaceSetFileSummary.read($0) }
                if let empty = summaries.first(where: { $0.expressions.labelled == 0 }) {
                    missing.append(
                        Missing(
                            name: name,
                            reason: "\(empty.file): no labelled face (key expressions: all −1)"))
                    continue
                }
                sides[name] = summaries[0].size
                found.append(name)
            } catch {
                missing.append(Missing(name: name, reason: "\(error)"))
            }
        }
        let disturbancePath = root + "/disturbance.h5"
        var disturbance: FaceSetFileSummary? = nil
        var disturbanceProblem: String? = nil
        if !fm.fileExists(atPath: disturbancePath) {
            disturbanceProblem = "no \(disturbancePath) "
                + "(`ddl data merge … --out \(disturbancePath)`, docs/DATASETS.md)"
        } else {
            do { disturbance = try FaceSetFileSummary.read(disturbancePath) } catch {
                disturbanceProblem = "\(error)"
            }
        }
        if let d = disturbance {
            for (name, side) in sides.sorted(by: { $0.key < $1.key }) where side != d.size {
                notes.append("\(disturbancePath) has \(d.size)×\(d.size) images, "
                    + "\(name) \(side)×\(side): the DFEMs learn at another scale than the runs")
            }
        }
        var runnable: [Variant] = [], unsupported: [Missing] = []
        for variant in variants {
            guard variant.usesDisturbanceBranch else { runnable.append(variant); continue }
            if let disturbanceProblem {
                unsupported.append(
                    Missing(
                        name: variant.rawValue,
                        reason: "needs the disturbance set: \(disturbanceProblem)"))
                continue
            }
            let lacking = variant.factors.map(\.name).filter {
                (disturbance?.factors[$0]?.labelled ?? 0) == 0
            }
            if lacking.isEmpty {
                runnable.append(variant)
            } else {
                let keys = lacking.map { "factors/\($0)" }.joined(separator: ", ")
                unsupported.append(Missing(name: variant.rawValue,
                                           reason: "needs \(lacking.joined(separator: ", ")) "
                                               + "labels: no labelled face under \(keys) in "
                                               + "\(disturbancePath)"))
            }
        }
        if found.isEmpty { runnable = [] }
        self.databases = found
        self.missingDatabases = missing
        self.disturbance = disturbance
        self.runnable = runnable
        self.unsupported = unsupported
        self.notes = notes
    }

    /// The `ddl data prepare --layout` of a database.
    static func layout(_ name: String) -> String {
        [
            "CK+": "ckplus", "MMI": "mmi", "Oulu-CASIA": "oulu-casia", "RAF-DB": "rafdb",
            "SFEW": "sfew",
        ][name] ?? "generic"
    }

    /// The canonical name of a database as `--databases` may give it: the name itself
    /// (any case) or its `ddl data prepare` layout (`rafdb`, `ckplus`, …); nil if neither.
    public static func databaseName(_ given: String) -> String? {
        let g = given.lowercased()
        return expectedFiles.map(\.name).first { $0.lowercased() == g || layout($0) == g }
    }

    /// Why nothing can run, in one sentence per cause (nil when something can).
    public var nothingRunnable: String? {
        if databases.isEmpty {
            return "no expression database under \(root): "
                + missingDatabases.map { "\($0.name): \($0.reason)" }.joined(separator: "; ")
        }
        if runnable.isEmpty {
            return "no requested variant can run on the data under \(root): "
                + unsupported.map { "\($0.name) \($0.reason)" }.joined(separator: "; ")
        }
        return nil
    }

    /// Whether anything can run.
    public var canRun: Bool { !databases.isEmpty && !runnable.isEmpty }

    /// The report: databases found and missing, the disturbance set's factors, the variants
    /// that run and what the others lack.
    public var lines: [String] {
        var out = ["Data under \(root):"]
        out.append(
            "  expression databases found: "
                + (databases.isEmpty ? "none" : databases.joined(separator: ", ")))
        for m in missingDatabases { out.append("  not found: \(m.name): \(m.reason)") }
        if let d = disturbance {
            let factors = d.factors.sorted { $0.key < $1.key }.map {
                "\($0.key) \($0.value.classes) (\($0.value.labelled) labelled)"
            }
            out.append(
                "  disturbance set \(d.file): \(d.count) faces, \(d.size)×\(d.size); factors "
                    + (factors.isEmpty ? "none" : factors.joined(separator: ", ")))
        }
        for n in notes { out.append("  note: \(n)") }
        out.append(
            "  variants that can run: "
                + (runnable.isEmpty ? "none" : runnable.map(\.rawValue).joined(separator: ", ")))
        for u in unsupported { out.append("  cannot run \(u.name): \(u.reason)") }
        return out
    }
}
