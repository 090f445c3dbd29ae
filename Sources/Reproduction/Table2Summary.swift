import DDLModel
import Foundation

/// The measured Table 2 beside the paper's: mean accuracy over folds per database and
/// variant, the runs behind each number, and the difference to the published cell.
public struct Table2Summary: Sendable {
    public struct Cell: Sendable, Equatable {
        public var mean: Double
        public var runs: Int
        public var paper: Double?
    }

    public struct Row: Sendable {
        public var database: String
        public var synthetic: Bool
        public var cells: [Variant: Cell]
    }

    public var rows: [Row]
    public let variants: [Variant]

    /// Groups results by database and variant, in the order of `databases`.
    public init(results: [RunResult], databases: [Table2Database], variants: [Variant], paper: [String: [Double]]) {
        self.variants = variants
        rows = databases.map { db in
            var cells: [Variant: Cell] = [:]
            for v in variants {
                let runs = results.filter { $0.database == db.name && $0.variant == v.rawValue }
                guard !runs.isEmpty else { continue }
                let mean = runs.map(\.accuracy).reduce(0, +) / Double(runs.count) * 100
                let column = Variant.allCases.firstIndex(of: v) ?? 0
                cells[v] = Cell(mean: mean, runs: runs.count, paper: db.paperRow.flatMap { paper[$0]?[column] })
            }
            return Row(database: db.name, synthetic: db.synthetic, cells: cells)
        }
    }

    /// Markdown: one row per database, each cell `measured (n runs)` and, for real
    /// databases, `Δ` to the paper.
    public func markdown() -> [String] {
        var lines = ["| Database | " + variants.map(\.rawValue).joined(separator: " | ") + " |"]
        lines.append("|---|" + variants.map { _ in "---:" }.joined(separator: "|") + "|")
        for row in rows {
            let cells = variants.map { v -> String in
                guard let c = row.cells[v] else { return "not run" }
                var s = String(format: "%.2f (n=%d)", c.mean, c.runs)
                if let p = c.paper { s += String(format: " Δ %+.2f", c.mean - p) }
                return s
            }
            lines.append("| \(row.database)\(row.synthetic ? " †" : "") | " + cells.joined(separator: " | ") + " |")
        }
        return lines
    }

    /// CSV: database, synthetic, variant, mean, runs, paper, difference.
    public func csv() -> String {
        var lines = ["database,synthetic,variant,accuracy,runs,paper,difference"]
        for row in rows {
            for v in variants {
                guard let c = row.cells[v] else { continue }
                let paper = c.paper.map { String(format: "%.2f", $0) } ?? ""
                let diff = c.paper.map { String(format: "%.2f", c.mean - $0) } ?? ""
                lines.append("\"\(row.database)\",\(row.synthetic),\(v.rawValue),\(String(format: "%.2f", c.mean)),\(c.runs),\(paper),\(diff)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{database: {variant: accuracy}}`, the form `ddl reproduce table3/table4` read.
    public func json() throws -> Data {
        var table: [String: [String: Double]] = [:]
        for row in rows {
            for (v, c) in row.cells { table[row.database, default: [:]][v.rawValue] = (c.mean * 100).rounded() / 100 }
        }
        return try JSONSerialization.data(withJSONObject: table, options: [.sortedKeys, .prettyPrinted])
    }
}
