import Autodiff
import FastKernels
import TensorCore
import Training

/// The settings of an optimiser fixture.
struct OptimizerConfig: Decodable {
    var lr: Double
    var betas: [Double]?
    var eps: Double?
    var weightDecay: Double
    var momentum: Double?
    var milestones: [Int]
    var gamma: Double
    var stepsPerEpoch: Int
    var steps: Int

    enum CodingKeys: String, CodingKey {
        case lr, betas, eps, momentum, milestones, gamma, steps
        case weightDecay = "weight_decay", stepsPerEpoch = "steps_per_epoch"
    }
}

/// Replays an optimiser fixture: the given gradients, step by step, with the multi-step
/// schedule; outputs every parameter after every step and the rate used.
struct OptimizerRunner: ComponentRunner {
    let components = ["adam", "sgd"]

    func run<S: TensorScalar>(_ f: Fixture, as: S.Type) throws -> ComponentRun<S> {
        let c = try f.config(OptimizerConfig.self)
        let inputs = try f.tensors("inputs", as: S.self)
        let names = ["w", "b"]
        let params = try names.map { name -> (name: String, variable: Variable<S>) in
            guard let t = inputs[name] else {
                throw f.error("/inputs/\(name)", "missing initial parameter")
            }
            return (name, Variable(t, requiresGrad: true))
        }
        let optimizer: any Optimizer<S>
        if f.component == "adam" {
            let betas = c.betas ?? [0.9, 0.999]
            guard betas.count == 2 else { throw f.error("/@config", "betas must have two values") }
            optimizer = Adam(
                params, learningRate: c.lr, beta1: betas[0], beta2: betas[1], eps: c.eps ?? 1e-8,
                weightDecay: c.weightDecay)
        } else {
            optimizer = SGD(
                params, learningRate: c.lr, momentum: c.momentum ?? 0, weightDecay: c.weightDecay)
        }
        let schedule = MultiStepSchedule(base: c.lr, milestones: c.milestones, gamma: c.gamma)
        var run = ComponentRun<S>()
        for k in 0..<c.steps {
            optimizer.learningRate = schedule.rate(epoch: k / c.stepsPerEpoch)
            for p in params { p.variable.setGrad(inputs["grad_\(k)_\(p.name)"]) }
            run.outputs["lr_\(k)"] = Variable(Tensor(S(optimizer.learningRate)))
            optimizer.step()
            for p in params { run.outputs["\(p.name)_after_\(k)"] = Variable(p.variable.value) }
        }
        return run
    }
}
