import Autodiff
import TensorCore

/// A holder of mutable state that is not trained: running statistics.
public final class Buffer<Scalar: TensorScalar> {
    /// The current value.
    public var value: Tensor<Scalar>
    public init(_ value: Tensor<Scalar>) { self.value = value }
}

/// An integer buffer (PyTorch's `num_batches_tracked`), kept so checkpoints round-trip.
public final class Counter {
    public var value: Int64
    public init(_ value: Int64 = 0) { self.value = value }
}

/// One named entry of a model's state, under its PyTorch `state_dict` name.
public enum StateEntry<Scalar: TensorScalar> {
    /// A trainable tensor: a leaf variable that receives gradients.
    case parameter(String, Variable<Scalar>)
    /// A float buffer (running mean or variance).
    case buffer(String, Buffer<Scalar>)
    /// An integer buffer (batches tracked).
    case counter(String, Counter)

    /// The entry's dotted name.
    public var name: String {
        switch self {
        case .parameter(let n, _), .buffer(let n, _), .counter(let n, _): n
        }
    }

    /// The same entry under `prefix.name`.
    public func prefixed(_ prefix: String) -> StateEntry {
        switch self {
        case .parameter(let n, let v): .parameter(prefix + "." + n, v)
        case .buffer(let n, let b): .buffer(prefix + "." + n, b)
        case .counter(let n, let c): .counter(prefix + "." + n, c)
        }
    }
}

/// Anything with parameters and buffers that have state-dict names.
public protocol StateContainer {
    associatedtype Scalar: TensorScalar
    /// Every parameter and buffer, with names relative to this container, in a fixed order.
    func stateEntries() -> [StateEntry<Scalar>]
}

extension StateContainer {
    /// The entries of a child under `name.` (PyTorch's module path).
    public func child<C: StateContainer>(_ name: String, _ container: C) -> [StateEntry<Scalar>] where C.Scalar == Scalar {
        container.stateEntries().map { $0.prefixed(name) }
    }

    /// The trainable parameters with their names, for optimisers and checkpoints.
    public func namedParameters() -> [(name: String, variable: Variable<Scalar>)] {
        stateEntries().compactMap { if case .parameter(let n, let v) = $0 { (n, v) } else { nil } }
    }

    /// The number of trainable scalars.
    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.variable.value.count } }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for (_, v) in namedParameters() { v.zeroGrad() } }
}

/// How a forward pass runs: batch statistics or running statistics, dropout on or off,
/// and the seeded source of dropout masks. Train/eval is always passed, never global.
public struct Mode {
    /// Batch norm uses batch statistics and updates its running statistics.
    public var training: Bool
    /// Dropout draws masks (only meaningful in training).
    public var dropout: Bool
    /// Where dropout masks come from.
    public let random: RandomSource?

    public init(training: Bool, dropout: Bool, random: RandomSource?) {
        self.training = training
        self.dropout = dropout
        self.random = random
    }

    /// Training with dropout masks from `random`.
    public static func train(_ random: RandomSource) -> Mode { Mode(training: true, dropout: true, random: random) }
    /// Evaluation: running statistics, no dropout; deterministic.
    public static var eval: Mode { Mode(training: false, dropout: false, random: nil) }
}

/// A shared, seeded random generator for the forward passes of one run.
public final class RandomSource {
    public var generator: RandomGenerator
    public init(seed: UInt64) { generator = RandomGenerator(seed: seed) }
}

/// A layer: a map from one variable to another with named state.
public protocol Layer<Scalar>: StateContainer {
    /// The forward pass.
    func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar>
}

/// Layers run one after another, with state names `name.…` (PyTorch's `nn.Sequential` with
/// named children).
public struct Sequential<Scalar: TensorScalar>: Layer {
    /// The children, in order, with their names.
    public let layers: [(name: String, layer: any Layer<Scalar>)]

    public init(_ layers: [(name: String, layer: any Layer<Scalar>)]) { self.layers = layers }

    /// Runs the children in order; a batch norm followed by a PReLU runs as one pass in
    /// evaluation (`batchNormThenPReLU`).
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        var y = x, i = 0
        while i < layers.count {
            if i + 1 < layers.count, let bn = layers[i].layer as? BatchNorm<Scalar>, let p = layers[i + 1].layer as? PReLU<Scalar> {
                y = batchNormThenPReLU(bn, p, y, mode: mode)
                i += 2
            } else {
                y = layers[i].layer(y, mode: mode)
                i += 1
            }
        }
        return y
    }

    public func stateEntries() -> [StateEntry<Scalar>] {
        layers.flatMap { item in item.layer.stateEntries().map { $0.prefixed(item.name) } }
    }
}
