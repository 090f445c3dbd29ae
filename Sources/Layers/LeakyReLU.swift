import Autodiff
import FastKernels
import TensorCore

/// Stateless layers: activations, pooling, dropout.
public struct LeakyReLU<Scalar: TensorScalar>: Layer {
    public let slope: Scalar
    public init(slope: Scalar = 0.01) { self.slope = slope }
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> { x.leakyRelu(slope: slope) }
    public func stateEntries() -> [StateEntry<Scalar>] { [] }
}
