import Autodiff
import FastKernels
import TensorCore

/// PReLU with learnable slopes: one shared (`[1]`, as everywhere in DDL) or one per channel.
public struct PReLU<Scalar: TensorScalar>: Layer {
    /// The slopes `[count]` for negative inputs.
    public var weight: Variable<Scalar>

    /// PyTorch's `nn.PReLU(num_parameters)` with slopes initialised to `initial`.
    public init(count: Int = 1, initial: Scalar = 0.25) {
        weight = Variable(Tensor(repeating: initial, shape: [count]), requiresGrad: true)
    }

    /// `x` where positive, else the slope times `x`.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        prelu(x, slope: weight)
    }

    /// `weight`.
    public func stateEntries() -> [StateEntry<Scalar>] { [.parameter("weight", weight)] }
}
