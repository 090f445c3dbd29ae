import Autodiff
import DDLModel
import Foundation
import Layers
import FastKernels
import TensorCore
import Training

/// The cost of a plan on this machine, from one measured training step of each distinct
/// model and batch size in it (random weights and images of the run's input size; the step
/// is the one training takes, `DDLStep` or `DFEMStep`). Evaluation and data
/// loading are not counted.
public struct PlanEstimate: Sendable {
    /// One group of units that train the same model at the same batch size.
    public struct Group: Sendable {
        /// `run`, `dfem` or `trunk`, the database and the variant (or factors).
        public var kind: PlanEntry.Kind
        /// The database (nil for the trunk).
        public var database: String?
        /// The variant or arm, the DFEM's factors, or the trunk's pre-training.
        public var what: String
        /// How many units the group has.
        public var units: Int
        /// Steps of each unit (min and max) and in all.
        public var stepsPerUnit: ClosedRange<Int>
        /// Steps of all its units.
        public var steps: Int
        /// The batch size of its training.
        public var batchSize: Int
        /// The input side and the training options as the units' settings hold them
        /// (batch size, crop, flip, dropout, rate, …; the seed left out).
        public var inputSize: Int
        /// The training options by name.
        public var options: [(name: String, value: String)]
        /// Seconds of one measured step.
        public var stepSeconds: Double
        /// Hours of the group on one machine like this one (its cores all used by one worker).
        public var hours: Double { Double(steps) * stepSeconds / 3600 }
    }

    /// The groups, in plan order.
    public var groups: [Group]
    /// Cores of this machine (the estimate's hours are per machine; CPU-hours are × cores).
    public var cores: Int
    /// Hours of the longest chain of dependent units (trunk → DFEM → run): no number of
    /// machines finishes sooner.
    public var criticalPathHours: Double

    /// Hours of the whole plan on one machine like this one.
    public var hours: Double { groups.reduce(0) { $0 + $1.hours } }
    /// CPU-hours (machine-hours × cores).
    public var cpuHours: Double { hours * Double(cores) }

    /// Estimated wall hours on `machines` machines like this one, one worker each: the
    /// work shared out evenly, but never below the critical path.
    public func wallHours(machines: Int) -> Double {
        max(hours / Double(max(machines, 1)), criticalPathHours)
    }
}

extension ExperimentRunner {
    /// Measures one training step of every distinct model and batch size in `plan` and
    /// estimates the plan's cost on this machine.
    func estimate(_ plan: ExperimentPlan) -> PlanEstimate {
        var measured: [String: Double] = [:]
        var groups: [String: PlanEstimate.Group] = [:], order: [String] = []
        var unitSeconds: [String: Double] = [:]
        for item in plan.items {
            let (config, options): (DDLConfig, TrainingOptions)
            let what: String
            switch item.work {
            case .trunk(let job):
                (config, options, what) = (job.config, job.options, "S_g pre-training")
            case .dfem(let job, _):
                (config, options, what) = (job.config, job.options, "DFEM " + job.groupName)
            case .run(let job): (config, options, what) = (job.config, job.options, job.arm.name)
            }
            let signature = "\(item.entry.kind) \(config.json) \(options.batchSize)"
            if measured[signature] == nil {
                report(
                    "plan: measuring one \(item.entry.kind.rawValue) step of \(what) (batch "
                        + "\(options.batchSize), input \(config.inputSize)×\(config.inputSize))"
                )
                measured[signature] = Self.measureStep(
                    config: config, batch: options.batchSize, dfem: item.entry.kind == .dfem)
            }
            let seconds = measured[signature] ?? 0
            unitSeconds[item.entry.key] = Double(item.entry.steps) * seconds
                + (item.entry.dependencies.compactMap { unitSeconds[$0] }.max() ?? 0)
            let id = "\(item.entry.kind) \(item.entry.database ?? "") \(what) "
                + "\(options.batchSize) \(config.inputSize)"
            if var g = groups[id] {
                g.units += 1
                g.steps += item.entry.steps
                g.stepsPerUnit =
                    min(
                        g.stepsPerUnit.lowerBound, item.entry.steps)...max(
                        g.stepsPerUnit.upperBound, item.entry.steps)
                groups[id] = g
            } else {
                order.append(id)
                groups[id] = PlanEstimate.Group(
                    kind: item.entry.kind, database: item.entry.database, what: what, units: 1,
                    stepsPerUnit: item.entry.steps...item.entry.steps, steps: item.entry.steps,
                    batchSize: options.batchSize,
                    inputSize: config.inputSize, options: Self.settings(options),
                    stepSeconds: seconds)
            }
        }
        return PlanEstimate(
            groups: order.compactMap { groups[$0] },
            cores: ProcessInfo.processInfo.activeProcessorCount,
            criticalPathHours: (unitSeconds.values.max() ?? 0) / 3600)
    }

    /// The training options' fields, every one the settings hold (the seed and epochs left
    /// out: they vary by unit or are in the steps).
    /// Named as in the options' JSON (snake_case); the preprocessing in words.
    public static func settings(_ options: TrainingOptions) -> [(name: String, value: String)] {
        let fields =
            (try? JSONDecoder().decode([String: OptionField].self, from: Data(options.json.utf8)))
            ?? [:]
        var out: [(name: String, value: String)] = []
        for name in fields.keys.sorted()
        where name != "seed" && name != "epochs" && name != "preprocessing" {
            out.append((name, fields[name]?.text ?? ""))
        }
        out.append(("preprocessing", options.preprocessing?.description ?? "none"))
        return out
    }

    /// One value of the options' JSON, as plain text.
    enum OptionField: Decodable {
        case bool(Bool), number(Double), list([Double]), text(String), other

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let n = try? c.decode(Double.self) { self = .number(n) }
            else if let l = try? c.decode([Double].self) { self = .list(l) }
            else if let t = try? c.decode(String.self) { self = .text(t) }
            else { self = .other }
        }

        var text: String {
            switch self {
            case .bool(let b): b ? "true" : "false"
            case .number(let n): n.compactDescription
            case .list(let l): "[" + l.map(\.compactDescription).joined(separator: ", ") + "]"
            case .text(let t): t
            case .other: "…"
            }
        }
    }

    /// Seconds of one training step (after one untimed step) of a DDM of `config`, or of a
    /// DFEM with its factors when `dfem`, on a random batch.
    static func measureStep(config: DDLConfig, batch: Int, dfem: Bool) -> Double {
        var g = RandomGenerator(seed: 2)
        let x = Variable(
            Tensor<Float>.normal([batch, 3, config.inputSize, config.inputSize], generator: &g))
        let labels = (0..<batch).map { $0 % max(config.classes, 1) }
        let mode = Mode.train(RandomSource(seed: 3))
        let step: () -> Void
        if dfem {
            let model = DFEM<Float>(
                width: config.width, factors: config.factors, finalPReLU: config.finalPReLU, seed: 1
            )
            let optimizer = Adam(model.namedParameters())
            let factorLabels = Dictionary(
                uniqueKeysWithValues: config.factors.map { f in
                    (f.name, (0..<batch).map { $0 % max(f.classes, 1) })
                })
            step = {
                _ = DFEMStep.run(
                    dfem: model, optimizer: optimizer, x: x, labels: factorLabels, mode: mode,
                    check: { _, _ in })
            }
        } else {
            let ddm = DDM<Float>(config, seed: 0)
            let optimizer = Adam(ddm.namedParameters())
            let branch = config.variant.usesDisturbanceBranch
            let dfems =
                branch
                ? config.dfemFactorGroups.map {
                    DFEM<Float>(
                        width: config.width, factors: $0, finalPReLU: config.finalPReLU, seed: 1)
                } : []
            let d = branch ? Discriminator<Float>(generator: &g) : nil
            let dOptimizer = d.map { Adam($0.namedParameters()) }
            step = {
                _ = DDLStep.run(
                    ddm: ddm, dfems: dfems, discriminator: d, optimizer: optimizer,
                    discriminatorOptimizer: dOptimizer,
                    x: x, labels: labels, mode: mode, check: { _, _ in })
            }
        }
        step()
        let clock = ContinuousClock()
        var total = Duration.zero, count = 0
        repeat {
            total += clock.measure(step)
            count += 1
        } while count < 5 && total < .milliseconds(500)
        return (Double(total.components.seconds) + Double(total.components.attoseconds) * 1e-18)
            / Double(count)
    }
}
