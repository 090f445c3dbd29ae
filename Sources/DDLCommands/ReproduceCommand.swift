import ArgumentParser
import DDLModel
import Foundation
import Reproduction

/// `ddl reproduce`: the paper's tables.
public struct ReproduceCommand: ParsableCommand {
    /// The command's name, help text and subcommands for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Reproduce the paper's Tables 2–4.",
        discussion: """
            table2 runs every variant on every database found (10-fold subject-independent CV for \
            CK+, MMI, Oulu-CASIA; train/test for RAF-DB and SFEW), or on synthetic stand-ins when \
            no data root is given, storing each run as it finishes and printing the measured table \
            beside the paper's. table3 and table4 print the paper's comparison rows with a row for \
            this implementation from the stored results.
            """,
        subcommands: [Table2.self, Ablation.self, Table3.self, Table4.self]
    )

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Our DDL row from a results folder: the best variant per database, as the paper's
    /// DDL row is (`results.json`: `{"CK+": {"ddl_gar_id_il": 97.1, …}, …}`).
    static func ourRow(columns: [String], results: String) -> [String]? {
        guard let data = FileManager.default.contents(atPath: results + "/results.json"),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let table = object["table"] as? [String: [String: Double]] else { return nil }
        return columns.map { db in
            guard let best = table[db]?.filter({ $0.key.hasPrefix("ddl_") }).values.max() else {
                return "not run"
            }
            return String(format: "%.2f", best)
        }
    }

    static func print(
        title: String, columns: [String], rows: [PaperTables.Row], results: String, note: String?
    ) {
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
            Swift.print("The ddl-swift row fills from \(results)/results.json: run "
                + "`ddl reproduce table2 --out \(results)` (with --data-root for the real "
                + "databases).")
        }
    }

    /// `ddl reproduce table3`: the paper's Table 3 with our row where results exist.
    public struct Table3: ParsableCommand {
        /// The command's help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            abstract: "Table 3: the in-the-lab comparison (CK+, MMI, Oulu-CASIA).")
        /// `--results`: Folder of stored Table 2 results.
        @Option(help: "Folder of stored Table 2 results.")
        public var results: String = "runs/reproduce"
        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}
        /// Prints Table 3 as Markdown.
        public func run() throws {
            ReproduceCommand.print(
                title: "Table 3: Performance comparisons on the in-the-lab databases (accuracy %).",
                columns: PaperTables.table3Columns, rows: PaperTables.table3, results: results,
                note: PaperTables.table3Note)
        }
    }

    /// `ddl reproduce table4`: the paper's Table 4 with our row where results exist.
    public struct Table4: ParsableCommand {
        /// The command's help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            abstract: "Table 4: the in-the-wild comparison (RAF-DB, SFEW).")
        /// `--results`: Folder of stored Table 2 results.
        @Option(help: "Folder of stored Table 2 results.")
        public var results: String = "runs/reproduce"
        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}
        /// Prints Table 4 as Markdown.
        public func run() throws {
            ReproduceCommand.print(
                title:
                    "Table 4: Performance comparisons on the in-the-wild databases (accuracy %).",
                columns: PaperTables.table4Columns, rows: PaperTables.table4, results: results,
                note: nil)
        }
    }
}

extension ReproduceCommand {
    /// The databases of a reproduction: the prepared ones under `dataRoot` (filtered by
    /// `names`), or the two synthetic stand-ins with confound `confound`.
    static func databases(
        dataRoot: String?, names: String?, scale: ReproductionScale, confound: Double
    ) throws -> [Table2Database] {
        var found: [Table2Database]
        if let dataRoot {
            found = PreparedDatabases.found(root: dataRoot, folds: scale.folds)
            if found.isEmpty {
                throw ValidationError("no prepared database under \(dataRoot) (see "
                    + "docs/DATASETS.md for the expected files)")
            }
        } else {
            found = [
                SyntheticDatabases.labLike(
                    size: scale.syntheticSize, seed: 0, folds: scale.folds, confound: confound),
                SyntheticDatabases.wildLike(size: scale.syntheticSize, seed: 0, confound: confound)
            ]
        }
        if let names {
            let wanted = names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let known = found.map(\.name)
            let unknown = wanted.filter { w in !known.contains(w) }
            guard unknown.isEmpty else {
                throw ValidationError("--databases: \(unknown.joined(separator: ", ")) not found; "
                    + "available: \(known.joined(separator: ", "))")
            }
            found = found.filter { wanted.contains($0.name) }
        }
        return found
    }

    /// `ddl reproduce table2`.
    public struct Table2: ParsableCommand {
        /// The command's help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            abstract: "Table 2: the baselines and DDL variants on every database, paired over "
                + "seeds and folds.",
            discussion: """
                With --data-root DIR, reads the prepared databases (DIR/CK+/faces.h5, \
                DIR/MMI/faces.h5, DIR/Oulu-CASIA/faces.h5, DIR/RAF-DB/{train,test}.h5, \
                DIR/SFEW/{train,test}.h5 and DIR/disturbance.h5 for the DFEMs; \
                DIR/AffectNet/train.h5 pre-trains the trunk; see docs/DATASETS.md). Without it, \
                runs two synthetic stand-ins (a lab-like and a wild-like database, marked †) whose \
                training faces are confounded with strength --confound (docs/SYNTHETIC.md). Every \
                variant runs with the same seeds on the same folds; each cell is the mean ± 95% CI \
                over its runs, and a second table gives each variant's paired difference to \
                baseline_mat. Runs are stored under --out/runs/ by the digest of their settings, \
                data and code version, and reused only when all are unchanged. Writes table2.md, \
                table2.csv, table2-runs.csv and results.json to --out.
                """
        )
        /// `--data-root`: Folder of prepared databases (none: synthetic stand-ins).
        @Option(help: "Folder of prepared databases (none: synthetic stand-ins).")
        public var dataRoot: String?
        /// `--databases`: Databases to run, comma-separated (default: every one found).
        @Option(help: "Databases to run, comma-separated (default: every one found).")
        public var databases: String?
        /// `--variants`: Variants to run, comma-separated (default: all nine).
        @Option(
            help: "Variants to run, comma-separated (default: all nine).",
            transform: { try ReproduceCommand.parseVariants($0) })
        public var variants: [Variant] = Variant.allCases
        /// The `ExperimentArguments` option group.
        @OptionGroup public var experiment: ExperimentArguments
        /// The `LossWeightArguments` option group.
        @OptionGroup public var weights: LossWeightArguments
        /// The `--confound` option.
        @Option(help: """
            Confound ρ of the synthetic stand-ins' training faces, 0…1 (ignored with --data-root).
            """)
        public var confound: Double = SyntheticDatabases.defaultConfound
        /// The `ClusterArguments` option group.
        @OptionGroup public var cluster: ClusterArguments

        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}

        /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
        public func validate() throws {
            guard confound >= 0, confound <= 1 else {
                throw ValidationError("--confound must be in [0, 1], got \(confound)")
            }
        }

        /// Runs `ddl reproduce table2` with the parsed options.
        public func run() throws {
            let scale = experiment.scale.scale
            var (variants, databases) = (self.variants, self.databases)
            if let dataRoot {
                (variants, databases) = try ReproduceCommand.precheck(
                    root: dataRoot, names: databases, variants: variants)
            }
            let found = try ReproduceCommand.databases(
                dataRoot: dataRoot, names: databases, scale: scale, confound: confound)
            let arms = variants.map {
                Arm($0, lambda1: weights.lambdaAdv, lambda2: weights.lambdaAt)
            }
            if try cluster.run(
                databases: found, arms: arms, experiment: experiment, dataRoot: dataRoot)
            {
                return
            }
            var lines = ["Table 2 as published (accuracy %):", ""]
            lines += PaperTables.markdown(
                columns: PaperTables.table2Columns,
                rows: PaperTables.databases.map { db in
                    (db, (PaperTables.table2[db] ?? []).map { String(format: "%.2f", $0) })
                },
                firstColumn: "Database")
            for line in lines { Swift.print(line) }
            Swift.print("")
            let reference = arms.first { $0.variant == .baselineMAT } ?? arms.first
            _ = try ExperimentOutput.run(
                name: "table2", title: "Measured here:", databases: found, arms: arms,
                reference: reference,
                arguments: experiment, dataRoot: dataRoot, paper: PaperTables.table2,
                extraSettings: [
                    "confound": dataRoot == nil ? "\(confound)" : "", "data_root": dataRoot ?? ""
                ],
                collectOnly: cluster.mode == .collect)
        }
    }

    /// Parses a comma-separated list of variants, naming the unknown ones and the choices.
    static func parseVariants(_ text: String) throws -> [Variant] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let unknown = names.filter { Variant(rawValue: $0) == nil }
        guard unknown.isEmpty, !names.isEmpty else {
            throw ValidationError("unknown variant(s) \(unknown.joined(separator: ", ")); use "
                + "\(Variant.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return names.compactMap { Variant(rawValue: $0) }
    }

    /// `ddl reproduce ablation`.
    public struct Ablation: ParsableCommand {
        /// The command's help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            abstract: "Which loss term does what: the full DDL variant, λ1 = 0, λ2 = 0 and both "
                + "0, beside baseline_mat.",
            discussion: """
                Runs baseline_mat and --variant with the paper's weights (λ1 = 1, λ2 = 0.05), with \
                the adversarial term off (λ1 = 0), the attention-transfer term off (λ2 = 0), and \
                both off, on the same databases, seeds and folds as table2, with the same paired \
                statistics (differences to baseline_mat). Writes ablation.md, ablation.csv, \
                ablation-runs.csv and ablation.json to --out; runs shared with table2 are reused.
                """
        )
        /// `--data-root`: Folder of prepared databases (none: synthetic stand-ins).
        @Option(help: "Folder of prepared databases (none: synthetic stand-ins).")
        public var dataRoot: String?
        /// `--databases`: Databases to run, comma-separated (default: every one found).
        @Option(help: "Databases to run, comma-separated (default: every one found).")
        public var databases: String?
        /// `--variant`: The DDL variant to ablate.
        @Option(help: "The DDL variant to ablate.") public var variant: Variant = .ddlGARIDILP
        /// The `ExperimentArguments` option group.
        @OptionGroup public var experiment: ExperimentArguments
        /// The `--confound` option.
        @Option(help: """
            Confound ρ of the synthetic stand-ins' training faces, 0…1 (ignored with --data-root).
            """)
        public var confound: Double = SyntheticDatabases.defaultConfound

        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}

        /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
        public func validate() throws {
            guard variant.usesDisturbanceBranch else {
                throw ValidationError(
                    "--variant \(variant.rawValue) has no loss term to ablate; use a ddl_ variant")
            }
            guard confound >= 0, confound <= 1 else {
                throw ValidationError("--confound must be in [0, 1], got \(confound)")
            }
        }

        /// Runs `ddl reproduce ablation` with the parsed options.
        public func run() throws {
            let scale = experiment.scale.scale
            var databases = self.databases
            if let dataRoot {
                databases = try ReproduceCommand.precheck(
                    root: dataRoot, names: databases, variants: [.baselineMAT, variant],
                    requireAll: true
                ).databases
            }
            let found = try ReproduceCommand.databases(
                dataRoot: dataRoot, names: databases, scale: scale, confound: confound)
            let reference = Arm(.baselineMAT)
            _ = try ExperimentOutput.run(
                name: "ablation", title: "Ablation of \(variant.rawValue)'s loss terms (Eq. 11):",
                databases: found,
                arms: [reference] + Arm.ablation(of: variant), reference: reference,
                arguments: experiment,
                dataRoot: dataRoot, paper: PaperTables.table2,
                extraSettings: [
                    "confound": dataRoot == nil ? "\(confound)" : "", "data_root": dataRoot ?? ""
                ])
        }
    }
}
