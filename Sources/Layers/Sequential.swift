import Autodiff
import FastKernels
import TensorCore

/// Layers run one after another, with state names `name.…` (PyTorch's `nn.Sequential` with
/// named children).
public struct Sequential<Scalar: TensorScalar>: Layer {
    /// The children, in order, with their names.
    public let layers: [(name: String, layer: any Layer<Scalar>)]

    /// A sequence of named children, run in the given order.
    public init(_ layers: [(name: String, layer: any Layer<Scalar>)]) { self.layers = layers }

    /// Runs the children in order.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        layers.reduce(x) { y, item in item.layer(y, mode: mode) }
    }

    /// The children's state entries, in order, each name prefixed with its child's name.
    public func stateEntries() -> [StateEntry<Scalar>] {
        layers.flatMap { item in item.layer.stateEntries().map { $0.prefixed(item.name) } }
    }
}
