import DDLModel
import Foundation

/// The measured table of an experiment: per database and arm the mean test accuracy over
/// its runs with a 95% t-interval and n, the paper's cell beside it where there is one, and
/// each arm's paired difference to a reference arm (runs matched by seed and fold) with
/// its 95% interval and the two-sided p-value of a paired t-test. Accuracies are in %.
public struct PairedSummary: Sendable {
    /// One cell: an arm on a database.
    public struct Cell: Sendable, Equatable, Codable {
        /// The database's name.
        public var database: String
        /// The arm's column name.
        public var arm: String
        /// The arm's variant.
        public var variant: String
        /// λ1 of Eq. 11 in the arm.
        public var lambda1: Double
        /// λ2 of Eq. 11 in the arm.
        public var lambda2: Double
        /// Mean, sample standard deviation, 95% half-width (nil for n < 2) and n, in %.
        public var accuracy: Statistics.Interval
        /// The paper's Table 2 cell, when the database and arm have one.
        public var paper: Double?
        /// The paired difference to the reference arm (nil for the reference itself, or
        /// when no seed × fold pair is shared).
        public var difference: Statistics.PairedComparison?
        /// Whether the database is a synthetic stand-in.
        public var synthetic: Bool

        enum CodingKeys: String, CodingKey {
            case database, arm, variant, lambda1, lambda2, accuracy, paper, difference, synthetic
        }
    }

    /// Cells in database then arm order (only those with runs).
    public let cells: [Cell]
    /// The databases' names, in table order.
    public let databases: [String]
    /// The arms, in column order.
    public let arms: [Arm]
    /// The arm every difference is taken to.
    public let reference: Arm?

    /// Groups `results` by database and arm, pairing each arm's runs with the reference's
    /// by (seed, fold).
    public init(
        results: [RunResult], databases: [Table2Database], arms: [Arm], reference: Arm?,
        paper: [String: [Double]]
    ) {
        self.databases = databases.map(\.name)
        self.arms = arms
        self.reference = reference
        var cells: [Cell] = []
        for db in databases {
            let here = results.filter { $0.database == db.name }
            let referenceRuns = reference.map { r in here.filter { $0.arm == r.name } } ?? []
            let byPair = Dictionary(
                referenceRuns.map { (Self.pair($0), $0.accuracy * 100) },
                uniquingKeysWith: { a, _ in a })
            for arm in arms {
                let runs = here.filter { $0.arm == arm.name }.sorted {
                    Self.pair($0) < Self.pair($1)
                }
                guard !runs.isEmpty else { continue }
                let accuracy = Statistics.confidenceInterval95(runs.map { $0.accuracy * 100 })
                var difference: Statistics.PairedComparison? = nil
                if let reference, arm != reference {
                    let paired = runs.compactMap { r in
                        byPair[Self.pair(r)].map { (r.accuracy * 100, $0) }
                    }
                    if !paired.isEmpty {
                        difference = Statistics.pairedTTest(paired.map(\.0), paired.map(\.1))
                    }
                }
                let paperLambdas =
                    arm.lambda1 == Arm.paperLambda1 && arm.lambda2 == Arm.paperLambda2
                let column = Variant.allCases.firstIndex(of: arm.variant) ?? 0
                let published = paperLambdas ? db.paperRow.flatMap { paper[$0]?[column] } : nil
                cells.append(
                    Cell(
                        database: db.name, arm: arm.name, variant: arm.variant.rawValue,
                        lambda1: arm.lambda1,
                        lambda2: arm.lambda2, accuracy: accuracy, paper: published,
                        difference: difference,
                        synthetic: db.synthetic))
            }
        }
        self.cells = cells
    }

    /// The key that pairs runs: seed, then fold.
    static func pair(_ r: RunResult) -> String { String(format: "%020llu-%06d", r.seed, r.fold) }

    /// The cell of a database and arm.
    public func cell(_ database: String, _ arm: String) -> Cell? {
        cells.first { $0.database == database && $0.arm == arm }
    }

    static func format(_ i: Statistics.Interval) -> String {
        let half = i.halfWidth.map { String(format: " ± %.2f", $0) } ?? ""
        return String(format: "%.2f", i.mean) + half + " (n=\(i.n))"
    }

    static func format(_ d: Statistics.PairedComparison) -> String {
        let half = d.halfWidth.map { String(format: " ± %.2f", $0) } ?? ""
        let p = d.pValue.map { $0 < 0.001 ? ", p<0.001" : String(format: ", p=%.3f", $0) } ?? ""
        return String(format: "%+.2f", d.meanDifference) + half + p + " (n=\(d.n))"
    }

    /// Markdown: the accuracy table (mean ± 95% half-width, n; `Δ` to the paper where there
    /// is a published cell) and, with a reference arm, the paired-difference table.
    public func markdown() -> [String] {
        let synthetic = Set(cells.filter(\.synthetic).map(\.database))
        func rowName(_ db: String) -> String { db + (synthetic.contains(db) ? " †" : "") }
        var lines = ["| Database | " + arms.map(\.name).joined(separator: " | ") + " |"]
        lines.append("|---|" + arms.map { _ in "---:" }.joined(separator: "|") + "|")
        for db in databases {
            let row = arms.map { arm -> String in
                guard let c = cell(db, arm.name) else { return "not run" }
                var s = Self.format(c.accuracy)
                if let p = c.paper { s += String(format: " Δ %+.2f", c.accuracy.mean - p) }
                return s
            }
            lines.append("| \(rowName(db)) | " + row.joined(separator: " | ") + " |")
        }
        guard let reference else { return lines }
        let others = arms.filter { $0 != reference }
        guard !others.isEmpty else { return lines }
        lines += ["", "Paired difference to \(reference.name) (same seeds and folds; mean ± 95% "
            + "CI, paired t-test):", ""]
        lines.append("| Database | " + others.map(\.name).joined(separator: " | ") + " |")
        lines.append("|---|" + others.map { _ in "---:" }.joined(separator: "|") + "|")
        for db in databases {
            let row = others.map { arm -> String in
                cell(db, arm.name)?.difference.map(Self.format) ?? "—"
            }
            lines.append("| \(rowName(db)) | " + row.joined(separator: " | ") + " |")
        }
        return lines
    }

    /// CSV, one row per cell: the accuracy's mean, std, 95% half-width and n, the paper's
    /// cell and the difference to it, and the paired difference to the reference arm.
    public func csv(scale: String, preset: String) -> String {
        var lines = ["database,synthetic,arm,variant,lambda1,lambda2,scale,preset,mean,std,ci95,n,"
                     + "paper,paper_difference,"
                     + "reference,paired_difference,paired_ci95,paired_n,p_value"]
        func number(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "" }
        for c in cells {
            let d = c.difference
            lines.append(
                [
                    "\"\(c.database)\"", "\(c.synthetic)", "\"\(c.arm)\"", c.variant,
                    "\(c.lambda1)", "\(c.lambda2)", scale, preset,
                    number(c.accuracy.mean), number(c.accuracy.std), number(c.accuracy.halfWidth),
                    "\(c.accuracy.n)",
                    number(c.paper), number(c.paper.map { c.accuracy.mean - $0 }),
                    d == nil ? "" : "\"\(reference?.name ?? "")\"", number(d?.meanDifference),
                    number(d?.halfWidth),
                    d.map { "\($0.n)" } ?? "", number(d?.pValue),
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{database: {arm: mean accuracy}}`, the form `ddl reproduce table3/table4` read.
    public var table: [String: [String: Double]] {
        var t: [String: [String: Double]] = [:]
        for c in cells {
            t[c.database, default: [:]][c.arm] = (c.accuracy.mean * 100).rounded() / 100
        }
        return t
    }
}

/// `results.json`: the table, every cell with its statistics, every run with its key and
/// settings, the DFEMs' held-out accuracies and the experiment's settings.
public struct ResultsFile: Codable, Sendable {
    /// The mean accuracy (%) by database, then arm.
    public var table: [String: [String: Double]]
    /// Every cell with its statistics.
    public var cells: [PairedSummary.Cell]
    /// Every run with its key and settings.
    public var runs: [RunResult]
    /// The DFEMs' held-out accuracies by database, then factor group.
    public var dfemQuality: [String: [String: [FactorAccuracyRecord]]]
    /// The experiment's settings.
    public var settings: [String: String]

    enum CodingKeys: String, CodingKey {
        case table, cells, runs, settings, dfemQuality = "dfem_quality"
    }

    /// A results file; see the properties.
    public init(
        table: [String: [String: Double]], cells: [PairedSummary.Cell], runs: [RunResult],
        dfemQuality: [String: [String: [FactorAccuracyRecord]]], settings: [String: String]
    ) {
        self.table = table
        self.cells = cells
        self.runs = runs
        self.dfemQuality = dfemQuality
        self.settings = settings
    }

    /// Writes the file atomically (non-finite numbers as strings, never an invalid file).
    public func write(to path: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try e.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// A DFEM factor's held-out accuracy as `results.json` records it.
public struct FactorAccuracyRecord: Codable, Sendable, Equatable {
    /// The factor's name.
    public var factor: String
    /// The held-out accuracy.
    public var accuracy: Double
    /// The accuracy of chance on the same faces.
    public var chance: Double
    /// Held-out faces the accuracy is over.
    public var count: Int
    /// Whether the accuracy is better than chance.
    public var betterThanChance: Bool

    enum CodingKeys: String, CodingKey {
        case factor, accuracy, chance, count, betterThanChance = "better_than_chance"
    }

    /// A record; see the properties.
    public init(
        factor: String, accuracy: Double, chance: Double, count: Int, betterThanChance: Bool
    ) {
        self.factor = factor
        self.accuracy = accuracy
        self.chance = chance
        self.count = count
        self.betterThanChance = betterThanChance
    }
}
