import Autodiff
import DDLModel
import Foundation
import Layers
import FastKernels
import TensorCore
import Training

/// The settings of a trajectory fixture (`fixtures/trajectory/`), beside the model's.
struct TrajectoryConfig: Decodable {
    struct Schedule: Decodable {
        var lr: Double
        var betas: [Double]
        var eps: Double
        var weightDecay: Double
        var milestones: [Int]
        var gamma: Double
        var stepsPerEpoch: Int
        var steps: Int

        enum CodingKeys: String, CodingKey {
            case lr, betas, eps, milestones, gamma, steps
            case weightDecay = "weight_decay", stepsPerEpoch = "steps_per_epoch"
        }
    }

    var optimizer: Schedule
    var summaryRows: [String]
    var factors: [Factor]?
    var dfems: [[Factor]]?
    var preset: Preset?
    var width: Int?

    enum CodingKeys: String, CodingKey {
        case optimizer, factors, dfems, preset, width
        case summaryRows = "summary_rows"
    }
}

/// The models and optimisers of one stage-2 trajectory, as `DDLStep.run` takes them.
public struct StageTwoModels {
    /// The DDM trained.
    public let ddm: DDM<Double>
    /// The frozen DFEMs.
    public let dfems: [DFEM<Double>]
    /// The discriminator D, for the variants that have one.
    public let discriminator: Discriminator<Double>?
    /// The DDM's optimiser.
    public let optimizer: Adam<Double>
    /// The discriminator's optimiser, when there is a discriminator.
    public let discriminatorOptimizer: Adam<Double>?
}

/// One stage-2 step: the models, a batch and its labels, the mode; returns the loss terms.
public typealias StageTwoStep =
    @Sendable (StageTwoModels, Variable<Double>, [Int], Mode) -> [String: Double]

/// One stage-1 step: the DFEM, its optimiser, a batch, its labels by factor, the mode.
public typealias StageOneStep =
    @Sendable (DFEM<Double>, Adam<Double>, Variable<Double>, [String: [Int]], Mode) -> [String:
    Double]

/// Replays a training trajectory: K steps from the fixture's weights on its batches, with
/// Adam, weight decay and the multi-step schedule, through the real training steps
/// (`DDLStep.run`, `DFEMStep.run`). Outputs each step's losses and rate, after each step
/// a summary row per parameter, buffer and Adam moment (`[Σ|t|, Σt², t[0], t[n/2], t[n−1]]`),
/// and every parameter and buffer in full after the last step (`final.<name>`).
public struct TrajectoryRunner: ComponentRunner {
    /// The `component` attributes of the trajectory fixtures.
    public let components = ["ddl_trajectory", "dfem_trajectory"]
    /// The stage-2 step replayed (the training code's own by default; tests inject faults).
    public let stageTwo: StageTwoStep
    /// The stage-1 step replayed.
    public let stageOne: StageOneStep

    /// A runner of the given steps (by default the ones training uses).
    public init(stageTwo: @escaping StageTwoStep = TrajectoryRunner.trainingStageTwo,
                stageOne: @escaping StageOneStep = TrajectoryRunner.trainingStageOne) {
        self.stageTwo = stageTwo
        self.stageOne = stageOne
    }

    /// `DDLStep.run`, the step `DDMTraining` takes.
    public static let trainingStageTwo: StageTwoStep = { m, x, labels, mode in
        DDLStep.run(
            ddm: m.ddm, dfems: m.dfems, discriminator: m.discriminator, optimizer: m.optimizer,
            discriminatorOptimizer: m.discriminatorOptimizer, x: x, labels: labels, mode: mode,
            check: { _, _ in }
        ).losses
    }

    /// `DFEMStep.run`, the step `DFEMTraining` takes.
    public static let trainingStageOne: StageOneStep = { dfem, optimizer, x, labels, mode in
        DFEMStep.run(
            dfem: dfem, optimizer: optimizer, x: x, labels: labels, mode: mode, check: { _, _ in })
    }

    /// Replays the fixture's trajectory (float64 fixtures only).
    public func run<S: TensorScalar>(_ f: Fixture, as: S.Type) throws -> ComponentRun<S> {
        guard f.dtype == "float64" else {
            throw f.error("/@dtype", "trajectory fixtures run in float64, found \(f.dtype)")
        }
        let run = try replay(f)
        guard let typed = run as? ComponentRun<S> else {
            throw f.error("/@dtype", "trajectory fixtures run in float64")
        }
        return typed
    }

    /// What one replay tracks: named live tensors (parameters, buffers, moments).
    struct Tracked {
        var parameters: [String: Variable<Double>] = [:]
        var buffers: [() -> [String: Tensor<Double>]] = []
        var optimizers: [(prefix: String, optimizer: Adam<Double>)] = []

        func state() -> [String: Tensor<Double>] {
            var all = parameters.mapValues(\.value)
            for b in buffers { all.merge(b()) { a, _ in a } }
            return all
        }

        func withMoments() -> [String: Tensor<Double>] {
            var all = state()
            for (prefix, optimizer) in optimizers {
                for (name, t) in optimizer.stateTensors() {
                    for kind in ["exp_avg.", "exp_avg_sq."] where name.hasPrefix(kind) {
                        all[kind + prefix + name.dropFirst(kind.count)] = t
                    }
                }
            }
            return all
        }
    }

    func replay(_ f: Fixture) throws -> ComponentRun<Double> {
        let c = try f.config(TrajectoryConfig.self)
        let s = c.optimizer
        guard s.betas.count == 2 else {
            throw f.error("/@config", "optimizer.betas must have two values, found \(s.betas)")
        }
        guard s.stepsPerEpoch > 0, s.steps > 0 else {
            throw f.error("/@config", "optimizer.steps and steps_per_epoch must be positive")
        }
        func adam(_ parameters: [(name: String, variable: Variable<Double>)]) -> Adam<Double> {
            Adam(
                parameters, learningRate: s.lr, beta1: s.betas[0], beta2: s.betas[1], eps: s.eps,
                weightDecay: s.weightDecay)
        }
        let schedule = MultiStepSchedule(base: s.lr, milestones: s.milestones, gamma: s.gamma)
        let mode = Mode(training: true, dropout: false, random: nil)
        var tracked = Tracked()
        let step: (Int, Variable<Double>, Double) throws -> [String: Double]
        if f.component == "dfem_trajectory" {
            let factors = try f.need(c.factors, "factors")
            let dfem = DFEM<Double>(width: try f.need(c.width, "width"), factors: factors,
                                    finalPReLU: (c.preset ?? .paper) == .official, seed: 0)
            tracked.parameters = try f.bind(dfem)
            try f.requireAllBound(tracked.parameters)
            tracked.buffers = [{ f.buffersAfter(dfem) }]
            let optimizer = adam(dfem.namedParameters())
            tracked.optimizers = [("", optimizer)]
            step = { k, x, rate in
                optimizer.learningRate = rate
                var labels: [String: [Int]] = [:]
                for factor in factors {
                    labels[factor.name] = try f.integers("inputs", "labels_\(factor.name)_\(k)")
                }
                return stageOne(dfem, optimizer, x, labels, mode)
            }
        } else {
            let config = try f.config(DDLConfig.self)
            let groups = c.dfems ?? []
            let expected = config.dfemFactorGroups.map { $0.map(\.name) }
            guard groups.map({ $0.map(\.name) }) == expected else {
                throw f.error(
                    "/@config/dfems",
                    "\(config.preset.rawValue) \(config.variant.rawValue) has the DFEMs "
                        + "\(expected), the file \(groups.map { $0.map(\.name) })")
            }
            let ddm = DDM<Double>(config, seed: 0)
            let dfems = groups.enumerated().map {
                DFEM<Double>(
                    width: config.width, factors: $0.element, finalPReLU: config.finalPReLU,
                    seed: UInt64($0.offset))
            }
            var g = RandomGenerator(seed: 0)
            let d: Discriminator<Double>? =
                groups.isEmpty ? nil : Discriminator<Double>(generator: &g)
            tracked.parameters = try f.bind(ddm, prefix: "ddm.")
            tracked.buffers = [{ f.buffersAfter(ddm, prefix: "ddm.") }]
            var bound = tracked.parameters
            for (k, dfem) in dfems.enumerated() {
                let prefix = "dfem.\(k)."
                for (n, v) in try f.bind(dfem, prefix: prefix) {
                    tracked.parameters[n] = v
                    bound[n] = v
                }
                tracked.buffers.append({ f.buffersAfter(dfem, prefix: prefix) })
            }
            let optimizer = adam(ddm.namedParameters())
            tracked.optimizers = [("ddm.", optimizer)]
            var dOptimizer: Adam<Double>?
            if let d {
                for (n, v) in try f.bind(d, prefix: "discriminator.") {
                    tracked.parameters[n] = v
                    bound[n] = v
                }
                let o = adam(d.namedParameters())
                dOptimizer = o
                tracked.optimizers.append(("discriminator.", o))
            }
            try f.requireAllBound(bound)
            let models = StageTwoModels(
                ddm: ddm, dfems: dfems, discriminator: d, optimizer: optimizer,
                discriminatorOptimizer: dOptimizer)
            step = { k, x, rate in
                optimizer.learningRate = rate
                dOptimizer?.learningRate = rate
                return stageTwo(models, x, try f.integers("inputs", "labels_\(k)"), mode)
            }
        }
        var run = ComponentRun<Double>()
        for k in 0..<s.steps {
            let x = Variable(try f.tensor("inputs", "x_\(k)", as: Double.self))
            let rate = schedule.rate(epoch: k / s.stepsPerEpoch)
            for (name, value) in try step(k, x, rate) {
                run.outputs["\(name)_\(k)"] = Variable(Tensor(value))
            }
            run.outputs["lr_\(k)"] = Variable(Tensor(rate))
            run.outputs["summary_\(k)"] = Variable(
                try Self.summary(tracked.withMoments(), rows: c.summaryRows, fixture: f))
        }
        for (name, t) in tracked.state() { run.outputs["final.\(name)"] = Variable(t) }
        return run
    }

    /// `[Σ|t|, Σt², t[0], t[n/2], t[n−1]]` per row name, as `fixtures/trajectories.py` writes it.
    static func summary(
        _ tensors: [String: Tensor<Double>], rows: [String], fixture f: Fixture
    ) throws -> Tensor<Double> {
        var values: [Double] = []
        values.reserveCapacity(rows.count * 5)
        for name in rows {
            guard let t = tensors[name] else {
                throw f.error("/@config/summary_rows", "no tensor named \(name) on the Swift side")
            }
            let x = t.scalars
            guard let first = x.first, let last = x.last else {
                throw f.error("/@config/summary_rows", "\(name) is empty")
            }
            values += [
                x.reduce(0) { $0 + abs($1) }, x.reduce(0) { $0 + $1 * $1 }, first, x[x.count / 2],
                last
            ]
        }
        return Tensor(shape: [rows.count, 5], scalars: values)
    }
}
