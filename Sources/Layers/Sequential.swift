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

    /// Runs the children in order; a batch norm followed by a PReLU runs as one pass in
    /// evaluation (`batchNormThenPReLU`).
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        var y = x, i = 0
        while i < layers.count {
            if i + 1 < layers.count, let bn = layers[i].layer as? BatchNorm<Scalar>,
                let p = layers[i + 1].layer as? PReLU<Scalar>
            {
                y = batchNormThenPReLU(bn, p, y, mode: mode)
                i += 2
            } else {
                y = layers[i].layer(y, mode: mode)
                i += 1
            }
        }
        return y
    }

    /// Each child's entries under `name.`.
    public func stateEntries() -> [StateEntry<Scalar>] {
        layers.flatMap { item in item.layer.stateEntries().map { $0.prefixed(item.name) } }
    }
}
