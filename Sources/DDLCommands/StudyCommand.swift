import ArgumentParser
import DDLModel
import FaceData
import FaceDatasets
import Foundation
import Reproduction

/// `ddl study`: experiments beyond the paper's tables.
public struct StudyCommand: ParsableCommand {
    /// The command's name, help text and subcommands for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Experiments beyond the paper's tables: when does the disturbance branch help?",
        subcommands: [Disturbance.self]
    )

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// `ddl study disturbance`.
    public struct Disturbance: ParsableCommand {
        /// The command's help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            abstract: "Sweep the confound ρ (and the disturbance strength) of the wild-like "
                + "stand-in for baseline_mat and DDL.",
            discussion: """
                For every strength and ρ, draws the wild-like stand-in (docs/SYNTHETIC.md) with \
                its training faces confounded by ρ and its test faces independent, and trains \
                baseline_mat and --variant (with --ablations also λ1 = 0, λ2 = 0 and both 0) with \
                the same seeds. Writes study.csv (per strength, ρ and arm: mean, std, 95% CI, n, \
                and the paired difference to baseline_mat with its CI and p-value), study.md and \
                study.png (accuracy against ρ with 95% bands, one curve per method, and the paired \
                difference to baseline_mat) to --out.
                """
        )
        /// `--rhos`: Confounds ρ to sweep, comma-separated in [0, 1].
        @Option(
            help: "Confounds ρ to sweep, comma-separated in [0, 1].",
            transform: { try Disturbance.numbers($0, "--rhos") })
        public var rhos: [Double] = [0, 0.25, 0.5, 0.75, 1]
        /// `--strengths`: Disturbance strengths to sweep, comma-separated in [0, 1].
        @Option(
            help: "Disturbance strengths to sweep, comma-separated in [0, 1].",
            transform: { try Disturbance.numbers($0, "--strengths") })
        public var strengths: [Double] = [0.6]
        /// `--variant`: The DDL variant.
        @Option(help: "The DDL variant.") public var variant: Variant = .ddlGARIDILP
        /// `--ablations`: Also run the variant with λ1 = 0, λ2 = 0 and both 0.
        @Flag(help: "Also run the variant with λ1 = 0, λ2 = 0 and both 0.")
        public var ablations = false
        /// The `ExperimentArguments` option group.
        @OptionGroup public var experiment: ExperimentArguments

        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}

        static func numbers(_ text: String, _ option: String) throws -> [Double] {
            let parts = text.split(separator: ",").map {
                Double($0.trimmingCharacters(in: .whitespaces))
            }
            guard !parts.isEmpty, parts.allSatisfy({ $0.map { $0 >= 0 && $0 <= 1 } ?? false })
            else {
                throw ValidationError(
                    "\(option) must be comma-separated numbers in [0, 1], got '\(text)'")
            }
            return parts.compactMap { $0 }
        }

        /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
        public func validate() throws {
            guard variant.usesDisturbanceBranch else {
                throw ValidationError("--variant \(variant.rawValue) has no disturbance branch")
            }
        }

        /// The name of the stand-in at a strength and confound.
        static func name(strength: Double, rho: Double) -> String {
            String(format: "Wild-like s=%.2f ρ=%.2f", strength, rho)
        }

        /// Runs `ddl study disturbance` with the parsed options.
        public func run() throws {
            let scale = experiment.scale.scale
            let reference = Arm(.baselineMAT)
            let arms = [reference] + (ablations ? Arm.ablation(of: variant) : [Arm(variant)])
            var databases: [Table2Database] = []
            for s in strengths {
                for rho in rhos {
                    databases.append(
                        SyntheticDatabases.wildLike(
                            size: scale.syntheticSize, seed: 0, confound: rho, strength: s,
                            name: Self.name(strength: s, rho: rho)))
                }
            }
            let (summary, _) = try ExperimentOutput.run(
                name: "study",
                title:
                    "Disturbance study: the wild-like stand-in at every strength and confound ρ:",
                databases: databases, arms: arms, reference: reference, arguments: experiment,
                dataRoot: nil, paper: [:],
                extraSettings: [
                    "rhos": rhos.map { "\($0)" }.joined(separator: ","),
                    "strengths": strengths.map { "\($0)" }.joined(separator: ",")
                ])
            var csv = [
                "strength,rho,arm,variant,lambda1,lambda2,mean,std,ci95,n,"
                    + "paired_difference,paired_ci95,paired_n,p_value"
            ]
            func number(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "" }
            for s in strengths {
                for rho in rhos {
                    for arm in arms {
                        guard let c = summary.cell(Self.name(strength: s, rho: rho), arm.name)
                        else { continue }
                        csv.append(
                            [
                                "\(s)", "\(rho)", "\"\(arm.name)\"", arm.variant.rawValue,
                                "\(arm.lambda1)", "\(arm.lambda2)",
                                number(c.accuracy.mean), number(c.accuracy.std),
                                number(c.accuracy.halfWidth), "\(c.accuracy.n)",
                                number(c.difference?.meanDifference),
                                number(c.difference?.halfWidth),
                                c.difference.map { "\($0.n)" } ?? "", number(c.difference?.pValue)
                            ].joined(separator: ","))
                    }
                }
            }
            let out = experiment.out
            try (csv.joined(separator: "\n") + "\n").write(
                toFile: out + "/study.csv", atomically: true, encoding: .utf8)
            let picture = StudyChart.render(
                summary: summary, strengths: strengths, rhos: rhos, arms: arms,
                reference: reference,
                name: Self.name)
            try ImageCodecs.write(picture, to: out + "/study.png", as: .png)
            print("")
            print("\(out)/study.csv, \(out)/study.png")
        }
    }
}

/// The study's picture: per strength, test accuracy against ρ (one curve per arm, 95%
/// bands, chance marked) and each arm's paired difference to the reference against ρ.
enum StudyChart {
    static func render(
        summary: PairedSummary, strengths: [Double], rhos: [Double], arms: [Arm], reference: Arm,
        name: (Double, Double) -> String
    ) -> RGBImage {
        var panels: [RGBImage] = []
        for s in strengths {
            let accuracy = LineChart(
                title: String(
                    format: "Wild-like stand-in, strength %.2f: test accuracy, 95%% CI", s),
                xLabel: "confound ρ of the training faces", yLabel: "test accuracy (%)",
                series: arms.enumerated().map { k, arm in
                    LineChart.Series(
                        name: arm.name,
                        points: rhos.compactMap { rho in
                            summary.cell(name(s, rho), arm.name).map {
                                LineChart.Point(
                                    x: rho, y: $0.accuracy.mean, low: $0.accuracy.low,
                                    high: $0.accuracy.high)
                            }
                        }, style: k)
                },
                referenceLines: [LineChart.ReferenceLine(y: 100.0 / 7, label: "chance 14.3%")])
            panels.append(accuracy.render())
            let others = arms.filter { $0 != reference }
            let difference = LineChart(
                title: "Paired difference to \(reference.name), 95% CI",
                xLabel: "confound ρ of the training faces",
                yLabel: "difference to \(reference.name) (points)",
                series: others.map { arm in
                    LineChart.Series(
                        name: arm.name,
                        points: rhos.compactMap { rho in
                            summary.cell(name(s, rho), arm.name)?.difference.map { d in
                                LineChart.Point(
                                    x: rho, y: d.meanDifference,
                                    low: d.halfWidth.map { d.meanDifference - $0 },
                                    high: d.halfWidth.map { d.meanDifference + $0 })
                            }
                        }, style: arms.firstIndex(of: arm))
                },
                referenceLines: [LineChart.ReferenceLine(y: 0, label: "no difference")])
            panels.append(difference.render())
        }
        return LineChart.side(by: panels)
    }
}
