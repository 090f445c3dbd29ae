import ArgumentParser
import DDLModel
import Foundation
import Reproduction
import Training

extension Preset: ExpressibleByArgument {}
extension Variant: ExpressibleByArgument {}

/// How large the reproduction's runs are.
public enum ScaleChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// The scales, as `--scale` spells them.
    case quick, paper, tiny

    /// The settings of the scale.
    public var scale: ReproductionScale {
        switch self {
        case .quick: return .quick
        case .paper: return .paper
        case .tiny: return .tiny
        }
    }
}

/// Options shared by `reproduce table2`, `reproduce ablation` and `study disturbance`.
public struct ExperimentArguments: ParsableArguments {
    /// `--preset`: paper or official.
    @Option(help: "paper or official.") public var preset: Preset = .paper
    /// The `--scale` option.
    @Option(help: """
        quick (minutes: width 8, 8 epochs, 3 folds, 40×40 faces), paper (width 64, 40 epochs, 10 \
        folds), or tiny (seconds, for smoke tests: width 2, 2 epochs, 2 folds, 20×20 faces).
        """)
    public var scale: ScaleChoice = .quick
    /// The `--seeds` option.
    @Option(help: """
        Seeds per fold (1…N), the same for every variant: seed × fold is one paired run (default: \
        the scale's, 3 quick, 1 paper).
        """)
    public var seeds: Int?
    /// The `--trunk` option.
    @Option(help: """
        Where S_g starts: 'pretrain' (pre-trained once on DATA_ROOT/AffectNet/train.h5, or on a \
        large synthetic set), 'scratch', or a checkpoint whose trunk.* entries to load.
        """)
    public var trunk: String = "pretrain"
    /// `--out`: Results folder.
    @Option(help: "Results folder.") public var out: String = "runs/reproduce"

    /// Empty options, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
    public func validate() throws {
        if let seeds, seeds < 1 || seeds > 1000 {
            throw ValidationError("--seeds must be in 1…1000, got \(seeds)")
        }
        if !["pretrain", "scratch"].contains(trunk), !FileManager.default.fileExists(atPath: trunk)
        {
            throw ValidationError(
                "--trunk must be pretrain, scratch or an existing checkpoint; no file at \(trunk)")
        }
    }

    /// The seeds 1…N.
    public var seedList: [UInt64] { (1...(seeds ?? scale.scale.seeds)).map { UInt64($0) } }

    /// The trunk source, with the AffectNet cache of `dataRoot` when there is one.
    public func trunkSource(dataRoot: String?) -> TrunkSource {
        switch trunk {
        case "scratch": return .scratch
        case "pretrain":
            if let dataRoot, let cache = PreparedDatabases.affectNet(root: dataRoot) {
                return .pretrain(train: cache.train, test: cache.test)
            }
            return .pretrain(train: nil, test: nil)
        default: return .checkpoint(trunk)
        }
    }
}

/// Runs an experiment and writes its tables: `<name>.md`, `<name>.csv`, `<name>-runs.csv`
/// and (for Table 2, which `table3`/`table4` read) `results.json`, else `<name>.json`.
enum ExperimentOutput {
    static func run(
        name: String, title: String, databases: [Table2Database], arms: [Arm], reference: Arm?,
        arguments: ExperimentArguments,
        dataRoot: String?, paper: [String: [Double]], extraSettings: [String: String] = [:],
        collectOnly: Bool = false
    ) throws -> (summary: PairedSummary, results: ExperimentResults) {
        let progress = ProgressPrinter()
        let seeds = arguments.seedList
        let runner = makeRunner(
            databases: databases, arms: arms, arguments: arguments, dataRoot: dataRoot,
            progress: progress)
        for db in databases {
            StandardStreams.error(
                "\(db.name): \(db.description.isEmpty ? "" : db.description + "; ")"
                    + "\(db.foldCount) fold(s) × \(seeds.count) seed(s) × \(arms.count) arm(s)\n")
        }
        let (results, missing) = collectOnly ? try runner.collect() : (try runner.run(), [])
        progress.clear()
        let summary = PairedSummary(
            results: results.runs, databases: databases, arms: arms, reference: reference,
            paper: paper)
        let scale = arguments.scale.scale
        var lines = [title, ""]
        lines.append("\(scale.name) scale (width \(scale.width), \(scale.epochs) epochs, lr "
                     + "\(scale.learningRate)), \(arguments.preset.rawValue) preset, "
                     + "seeds 1–\(seeds.count) on every fold, trunk: \(results.trunk); test "
                     + "accuracy (%) after the last epoch, "
                     + "mean ± 95% CI (t-interval over runs), n runs:")
        lines.append("")
        lines += summary.markdown()
        for (db, groups) in results.dfemQuality.sorted(by: { $0.key < $1.key }) {
            for (group, quality) in groups.sorted(by: { $0.key < $1.key }) {
                lines.append("")
                lines.append(
                    "DFEM (\(group)) of \(db), held-out accuracy: "
                        + DFEMHeldOut.describe(quality).joined(separator: "; "))
            }
        }
        if databases.contains(where: \.synthetic) {
            lines += ["", "† synthetic stand-in, not a database of the paper: no published number "
                + "to compare with."]
        }
        if !results.reused.isEmpty {
            lines += ["", "\(results.reused.count) of \(results.runs.count) runs were reused from "
                + "\(arguments.out)/runs (same settings, data digest and code version)."]
        }
        lines += ClusterReport.missing(missing, out: arguments.out)
        for line in lines { print(line) }
        let out = arguments.out
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: "\(out)/\(name).md", atomically: true, encoding: .utf8)
        try summary.csv(scale: scale.name, preset: arguments.preset.rawValue).write(
            toFile: "\(out)/\(name).csv", atomically: true, encoding: .utf8)
        try runsCSV(results.runs).write(
            toFile: "\(out)/\(name)-runs.csv", atomically: true, encoding: .utf8)
        var settings = extraSettings
        settings["scale"] = scale.name
        settings["preset"] = arguments.preset.rawValue
        settings["seeds"] = seeds.map(String.init).joined(separator: ",")
        settings["trunk"] = results.trunk
        settings["version"] = ReproductionVersion.current
        let quality = results.dfemQuality.mapValues { groups in
            groups.mapValues { q in
                q.map {
                    FactorAccuracyRecord(
                        factor: $0.factor, accuracy: $0.accuracy, chance: $0.chance,
                        count: $0.count,
                        betterThanChance: $0.betterThanChance)
                }
            }
        }
        let file = ResultsFile(
            table: summary.table, cells: summary.cells, runs: results.runs, dfemQuality: quality,
            settings: settings)
        try file.write(to: name == "table2" ? "\(out)/results.json" : "\(out)/\(name).json")
        return (summary, results)
    }

    /// The runner of an experiment, reporting to standard error with a progress line.
    static func makeRunner(
        databases: [Table2Database], arms: [Arm], arguments: ExperimentArguments, dataRoot: String?,
        progress: ProgressPrinter
    ) -> ExperimentRunner {
        ExperimentRunner(
            databases: databases, arms: arms, preset: arguments.preset,
            scale: arguments.scale.scale, seeds: arguments.seedList,
            trunk: arguments.trunkSource(dataRoot: dataRoot), out: arguments.out,
            report: { progress.clear(); StandardStreams.error($0 + "\n") },
            trainingEvents: { event in
                switch event {
                case .batch: progress(event)
                case .note(let text) where text.hasPrefix("resumed"):
                    progress.clear(); progress(event)
                default: break
                }
            })
    }

    /// One row per run: database, arm, seed, fold, accuracy and key.
    static func runsCSV(_ runs: [RunResult]) -> String {
        var lines = [
            "database,arm,variant,lambda1,lambda2,seed,fold,accuracy,best_accuracy,test_faces,"
                + "epochs,seconds,key"
        ]
        for r in runs.sorted(by: {
            ($0.database, $0.arm, $0.seed, $0.fold) < ($1.database, $1.arm, $1.seed, $1.fold)
        }) {
            lines.append(
                "\"\(r.database)\",\"\(r.arm)\",\(r.variant),"
                    + "\(r.lambda1),\(r.lambda2),\(r.seed),\(r.fold),"
                    + String(format: "%.6f,%.6f", r.accuracy, r.bestAccuracy)
                    + ",\(r.testFaces),\(r.epochs),"
                    + String(format: "%.1f", r.seconds) + ",\(r.key)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
