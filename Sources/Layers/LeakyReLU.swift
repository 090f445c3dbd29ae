import Autodiff
import FastKernels
import TensorCore

/// Stateless layers: activations, pooling, dropout.
public struct LeakyReLU<Scalar: TensorScalar>: Layer {
    /// The slope for negative inputs.
    public let slope: Scalar
    /// A leaky ReLU with `slope` (PyTorch's default 0.01).
    public init(slope: Scalar = 0.01) { self.slope = slope }
    /// `x` where positive, else `slope · x`.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        x.leakyRelu(slope: slope)
    }
    /// None: the layer has no state.
    public func stateEntries() -> [StateEntry<Scalar>] { [] }
}
