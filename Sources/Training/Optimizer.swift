import Autodiff
import FastKernels
import TensorCore

/// An optimiser: a pure per-parameter update applied to leaf variables from their gradients.
public protocol Optimizer<Scalar>: AnyObject {
    /// The element type of the parameters.
    associatedtype Scalar: TensorScalar
    /// The parameters it updates, with their state-dict names.
    var parameters: [(name: String, variable: Variable<Scalar>)] { get }
    /// The learning rate of the next step.
    var learningRate: Double { get set }
    /// Steps taken so far.
    var stepCount: Int { get }
    /// Applies one update from the parameters' current gradients (a parameter without a
    /// gradient is left alone, as in PyTorch).
    func step()
    /// The optimiser's state tensors by name (for checkpoints).
    func stateTensors() -> [(name: String, tensor: Tensor<Scalar>)]
    /// Restores state saved by `stateTensors()` and `stepCount`.
    func restore(state: [String: Tensor<Scalar>], stepCount: Int) throws
}

/// A saved optimiser state that does not fit the optimiser's parameters.
public struct OptimizerStateError: Error, CustomStringConvertible, Sendable {
    /// Each missing or mis-shaped entry.
    public let problems: [String]
    /// The problems, joined by `; `.
    public var description: String {
        "optimiser state does not fit: " + problems.joined(separator: "; ")
    }
}

extension Optimizer {
    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.variable.zeroGrad() } }
}

/// Adam as PyTorch's `torch.optim.Adam` (no AMSGrad): weight decay is L2 added to the
/// gradient; `m ← lerp(m, g, 1 − β1)`, `v ← β2·v + (1 − β2)·g²`,
/// `p ← p − lr/(1 − β1ᵗ) · m / (√v/√(1 − β2ᵗ) + eps)`, where `t` counts the steps that
/// parameter took (a parameter without a gradient skips a step, as in PyTorch).
public final class Adam<Scalar: TensorScalar>: Optimizer {
    /// The parameters it updates, with their state-dict names.
    public let parameters: [(name: String, variable: Variable<Scalar>)]
    /// The learning rate of the next step.
    public var learningRate: Double
    /// β1, β2, eps and the L2 weight decay.
    public let beta1: Double, beta2: Double, eps: Double, weightDecay: Double
    /// Steps taken so far.
    public private(set) var stepCount = 0
    private var m: [Tensor<Scalar>], v: [Tensor<Scalar>]
    /// Steps each parameter has taken (its `t` in the bias corrections).
    private var steps: [Int]

    /// Adam over `parameters`, with first and second moments zero.
    public init(
        _ parameters: [(name: String, variable: Variable<Scalar>)], learningRate: Double = 1e-4,
        beta1: Double = 0.5, beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 5e-4
    ) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        m = parameters.map { Tensor.zeros($0.variable.shape) }
        v = parameters.map { Tensor.zeros($0.variable.shape) }
        steps = parameters.map { _ in 0 }
    }

    /// One Adam update of each parameter that has a gradient.
    public func step() {
        stepCount += 1
        for (k, p) in parameters.enumerated() {
            guard let g = p.variable.grad else { continue }
            steps[k] += 1
            let t = Double(steps[k])
            let c = AdamCoefficients(
                stepSize: learningRate / (1 - Double.pow(beta1, t)), oneMinusBeta1: 1 - beta1,
                beta2: beta2,
                oneMinusBeta2: 1 - beta2, weightDecay: weightDecay, eps: eps,
                correction2Root: (1 - Double.pow(beta2, t)).squareRoot())
            p.variable.update { Tensor.adamUpdate(value: &$0, m: &m[k], v: &v[k], gradient: g, c) }
        }
    }

    /// `exp_avg.<name>`, `exp_avg_sq.<name>` and `step.<name>` for each parameter.
    public func stateTensors() -> [(name: String, tensor: Tensor<Scalar>)] {
        parameters.indices.flatMap { k in
            [("exp_avg.\(parameters[k].name)", m[k]), ("exp_avg_sq.\(parameters[k].name)", v[k]),
             ("step.\(parameters[k].name)", Tensor(Scalar(steps[k])))]
        }
    }

    /// Restores the moments and per-parameter steps, or throws naming every problem.
    public func restore(state: [String: Tensor<Scalar>], stepCount: Int) throws {
        var problems: [String] = []
        var newM = m, newV = v, newSteps = steps
        for (k, p) in parameters.enumerated() {
            if let t = state["step.\(p.name)"], t.count == 1 {
                newSteps[k] = Int(t.scalars[0])
            } else {
                problems.append("missing step.\(p.name)")
            }
            for (prefix, isFirst) in [("exp_avg", true), ("exp_avg_sq", false)] {
                let key = "\(prefix).\(p.name)"
                guard let t = state[key] else { problems.append("missing \(key)"); continue }
                guard t.shape == p.variable.shape else {
                    problems.append(
                        "\(key): saved \(describe(t.shape)), parameter "
                            + "\(describe(p.variable.shape))"
                    )
                    continue
                }
                if isFirst { newM[k] = t } else { newV[k] = t }
            }
        }
        guard problems.isEmpty else { throw OptimizerStateError(problems: problems) }
        m = newM
        v = newV
        steps = newSteps
        self.stepCount = stepCount
    }
}

/// SGD with momentum as PyTorch's `torch.optim.SGD` (dampening 0, no Nesterov):
/// `d = g + wd·p`; `b ← d` on the first step, then `b ← μ·b + d`; `p ← p − lr·b`.
public final class SGD<Scalar: TensorScalar>: Optimizer {
    /// The parameters it updates, with their state-dict names.
    public let parameters: [(name: String, variable: Variable<Scalar>)]
    /// The learning rate of the next step.
    public var learningRate: Double
    /// The momentum μ and the L2 weight decay.
    public let momentum: Double, weightDecay: Double
    /// Steps taken so far.
    public private(set) var stepCount = 0
    private var buffers: [Tensor<Scalar>?]

    /// SGD over `parameters`, with no momentum buffers yet.
    public init(
        _ parameters: [(name: String, variable: Variable<Scalar>)], learningRate: Double,
        momentum: Double = 0.9, weightDecay: Double = 0
    ) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        buffers = parameters.map { _ in nil }
    }

    /// One SGD update of each parameter that has a gradient.
    public func step() {
        stepCount += 1
        let lr = Scalar(learningRate), mu = Scalar(momentum), wd = Scalar(weightDecay)
        for (k, p) in parameters.enumerated() {
            guard let g = p.variable.grad else { continue }
            var value = p.variable.value
            let d = g.zip(value) { gi, pi in gi + wd * pi }
            var b: Tensor<Scalar>
            if momentum == 0 {
                b = d
            } else if let old = buffers[k] {
                b = old.zip(d) { bi, di in mu * bi + di }
            } else {
                b = d
            }
            if momentum != 0 { buffers[k] = b }
            value.withUnsafeMutableBufferPointer { pv in
                b.withUnsafeMutableBufferPointer { pb in
                    for i in 0..<pv.count { pv[i] -= lr * pb[i] }
                }
            }
            p.variable.assign(value)
        }
    }

    /// `momentum_buffer.<name>` for each parameter that has a buffer.
    public func stateTensors() -> [(name: String, tensor: Tensor<Scalar>)] {
        parameters.indices.compactMap { k in
            buffers[k].map { ("momentum_buffer.\(parameters[k].name)", $0) }
        }
    }

    /// Restores the momentum buffers (a missing one is cleared), or throws naming every problem.
    public func restore(state: [String: Tensor<Scalar>], stepCount: Int) throws {
        var problems: [String] = []
        var restored = buffers
        for (k, p) in parameters.enumerated() {
            let key = "momentum_buffer.\(p.name)"
            guard let t = state[key] else { restored[k] = nil; continue }
            guard t.shape == p.variable.shape else {
                problems.append(
                    "\(key): saved \(describe(t.shape)), parameter \(describe(p.variable.shape))");
                continue
            }
            restored[k] = t
        }
        guard problems.isEmpty else { throw OptimizerStateError(problems: problems) }
        buffers = restored
        self.stepCount = stepCount
    }
}

/// PyTorch's `MultiStepLR`: the base rate times `gamma` for every milestone reached,
/// evaluated per epoch (epochs counted from 0; after epoch e the rate is that of e + 1).
public struct MultiStepSchedule: Sendable, Equatable {
    /// The rate before the first milestone.
    public let base: Double
    /// The epochs at which the rate is multiplied by `gamma`, sorted.
    public let milestones: [Int]
    /// The factor applied at each milestone.
    public let gamma: Double

    /// A schedule from its parts; `milestones` are sorted.
    public init(base: Double, milestones: [Int], gamma: Double = 0.1) {
        self.base = base
        self.milestones = milestones.sorted()
        self.gamma = gamma
    }

    /// The learning rate during epoch `epoch` (0-based).
    public func rate(epoch: Int) -> Double {
        base * Double.pow(gamma, Double(milestones.filter { $0 <= epoch }.count))
    }
}
