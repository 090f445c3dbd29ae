import ArgumentParser
import DDLModel
import Foundation
import Reproduction

/// `ddl reproduce`: the paper's tables.
public struct ReproduceCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Reproduce the paper's Tables 2–4.",
        discussion: """
            table2 runs every variant on every database found (10-fold subject-independent CV
            for CK+, MMI, Oulu-CASIA; train/test for RAF-DB and SFEW), or on synthetic stand-ins
            when no data root is given, storing each run as it finishes and printing the measured
            table beside the paper's. table3 and table4 print the paper's comparison rows with a
            row for this implementation from the stored results.
            """,
        subcommands: [Table2.self, Table3.self, Table4.self]
    )

    public init() {}

    /// Our DDL row from a results folder: the best variant per database, as the paper's
    /// DDL row is (`results.json`: `{"CK+": {"ddl_gar_id_il": 97.1, …}, …}`).
    static func ourRow(columns: [String], results: String) -> [String]? {
        guard let data = FileManager.default.contents(atPath: results + "/results.json"),
              let table = (try? JSONSerialization.jsonObject(with: data)) as? [String: [String: Double]] else { return nil }
        return columns.map { db in
            guard let best = table[db]?.filter({ $0.key.hasPrefix("ddl_") }).values.max() else { return "not run" }
            return String(format: "%.2f", best)
        }
    }

    static func print(title: String, columns: [String], rows: [PaperTables.Row], results: String, note: String?) {
        Swift.print(title)
        Swift.print("")
        var all = rows.map { ($0.method, $0.cells) }
        if let ours = ourRow(columns: columns, results: results) {
            all.append(("DDL (ddl-swift, \(results))", ours))
        } else {
            all.append(("DDL (ddl-swift)", columns.map { _ in "not run" }))
        }
        for line in PaperTables.markdown(columns: columns, rows: all) { Swift.print(line) }
        if let note { Swift.print(""); Swift.print(note) }
        if ourRow(columns: columns, results: results) == nil {
            Swift.print("")
            Swift.print("The ddl-swift row fills from \(results)/results.json: run `ddl reproduce table2 --out \(results)` (with --data-root for the real databases).")
        }
    }

    public struct Table3: ParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Table 3: the in-the-lab comparison (CK+, MMI, Oulu-CASIA).")
        @Option(help: "Folder of stored Table 2 results.") public var results: String = "runs/reproduce"
        public init() {}
        public func run() throws {
            ReproduceCommand.print(
                title: "Table 3: Performance comparisons on the in-the-lab databases (accuracy %).",
                columns: PaperTables.table3Columns, rows: PaperTables.table3, results: results, note: PaperTables.table3Note)
        }
    }

    public struct Table4: ParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Table 4: the in-the-wild comparison (RAF-DB, SFEW).")
        @Option(help: "Folder of stored Table 2 results.") public var results: String = "runs/reproduce"
        public init() {}
        public func run() throws {
            ReproduceCommand.print(
                title: "Table 4: Performance comparisons on the in-the-wild databases (accuracy %).",
                columns: PaperTables.table4Columns, rows: PaperTables.table4, results: results, note: nil)
        }
    }
}

extension ReproduceCommand {
    /// `ddl reproduce table2`.
    public struct Table2: ParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Table 2: three baselines and six DDL variants on every database.",
            discussion: """
                With --data-root DIR, reads the prepared databases (DIR/CK+/faces.h5, DIR/MMI/faces.h5,
                DIR/Oulu-CASIA/faces.h5, DIR/RAF-DB/{train,test}.h5, DIR/SFEW/{train,test}.h5 and
                DIR/disturbance.h5 for the DFEMs; see docs/DATASETS.md). Without it, runs two synthetic
                stand-ins (a lab-like and a wild-like database, marked †). Every finished run is stored
                under --out/runs/ (atomically) and skipped on a re-run; a corrupt result file is
                reported and run again. Writes table2.md, table2.csv and results.json to --out.
                """
        )
        @Option(help: "Folder of prepared databases (none: synthetic stand-ins).") public var dataRoot: String?
        @Option(help: "Databases to run, comma-separated (default: every one found).") public var databases: String?
        @Option(help: "Variants to run, comma-separated (default: all nine).") public var variants: String?
        @Option(help: "paper or official.") public var preset: String = "paper"
        @Option(help: "quick (minutes) or paper (the paper's settings: width 64, 40 epochs, 10 folds).") public var scale: String = "quick"
        @Option(help: "Results folder.") public var out: String = "runs/reproduce"

        public init() {}

        public func validate() throws {
            guard Preset(rawValue: preset) != nil else { throw ValidationError("unknown preset '\(preset)'") }
            guard ["quick", "paper"].contains(scale) else { throw ValidationError("--scale must be quick or paper") }
            if let variants {
                for v in variants.split(separator: ",") where Variant(rawValue: String(v)) == nil {
                    throw ValidationError("unknown variant '\(v)'")
                }
            }
        }

        public func run() throws {
            let scale = self.scale == "paper" ? ReproductionScale.paper : ReproductionScale.quick
            var found: [Table2Database]
            if let dataRoot {
                found = PreparedDatabases.found(root: dataRoot, folds: scale.folds)
                if found.isEmpty { throw ValidationError("no prepared database under \(dataRoot) (see docs/DATASETS.md for the expected files)") }
            } else {
                found = [SyntheticDatabases.labLike(size: scale.syntheticSize, seed: 0, folds: scale.folds), SyntheticDatabases.wildLike(size: scale.syntheticSize, seed: 0)]
            }
            if let databases {
                let wanted = Set(databases.split(separator: ",").map(String.init))
                found = found.filter { wanted.contains($0.name) }
                guard !found.isEmpty else { throw ValidationError("none of \(databases) was found") }
            }
            let chosen = variants.map { $0.split(separator: ",").compactMap { Variant(rawValue: String($0)) } } ?? Variant.allCases
            let progress = ProgressPrinter()
            let runner = Table2Runner(
                databases: found, variants: chosen, preset: Preset(rawValue: preset) ?? .paper, scale: scale, out: out,
                report: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) },
                trainingEvents: { event in if case .batch = event { progress(event) } })
            let results = try runner.run()
            let summary = Table2Summary(results: results, databases: found, variants: chosen, paper: PaperTables.table2)
            var lines = ["Table 2 as published (accuracy %):", ""]
            lines += PaperTables.markdown(
                columns: PaperTables.table2Columns, rows: PaperTables.databases.map { db in (db, (PaperTables.table2[db] ?? []).map { String(format: "%.2f", $0) }) },
                firstColumn: "Database")
            lines += ["", "Measured here (\(self.scale) scale, \(preset) preset; mean over n runs; Δ to the paper):", ""]
            lines += summary.markdown()
            if found.contains(where: \.synthetic) {
                lines += ["", "† synthetic stand-in, not a database of the paper: no published number to compare with."]
            }
            for line in lines { Swift.print(line) }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try (lines.joined(separator: "\n") + "\n").write(toFile: out + "/table2.md", atomically: true, encoding: .utf8)
            try summary.csv().write(toFile: out + "/table2.csv", atomically: true, encoding: .utf8)
            try summary.json().write(to: URL(fileURLWithPath: out + "/results.json"), options: .atomic)
        }
    }
}
