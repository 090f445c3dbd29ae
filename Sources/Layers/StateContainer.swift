import Autodiff
import FastKernels
import TensorCore

/// A holder of mutable state that is not trained: running statistics.
public final class Buffer<Scalar: TensorScalar> {
    /// The current value.
    public var value: Tensor<Scalar>
    /// A buffer holding `value`.
    public init(_ value: Tensor<Scalar>) { self.value = value }
}

/// An integer buffer (PyTorch's `num_batches_tracked`), kept so checkpoints round-trip.
public final class Counter {
    /// The current count.
    public var value: Int64
    /// A counter starting at `value`.
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
    /// The element type of the state.
    associatedtype Scalar: TensorScalar
    /// Every parameter and buffer, with names relative to this container, in a fixed order.
    func stateEntries() -> [StateEntry<Scalar>]
}

extension StateContainer {
    /// The entries of a child under `name.` (PyTorch's module path).
    public func child<C: StateContainer>(_ name: String, _ container: C) -> [StateEntry<Scalar>]
    where C.Scalar == Scalar {
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
