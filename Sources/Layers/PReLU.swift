import Autodiff
import FastKernels
import TensorCore

/// PReLU with learnable slopes: one shared (`[1]`, as everywhere in DDL) or one per channel.
public struct PReLU<Scalar: TensorScalar>: Layer {
    public var weight: Variable<Scalar>

    /// PyTorch's `nn.PReLU(num_parameters)` with slopes initialised to `initial`.
    public init(count: Int = 1, initial: Scalar = 0.25) {
        weight = Variable(Tensor(repeating: initial, shape: [count]), requiresGrad: true)
    }

    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> { prelu(x, slope: weight) }

    public func stateEntries() -> [StateEntry<Scalar>] { [.parameter("weight", weight)] }
}
