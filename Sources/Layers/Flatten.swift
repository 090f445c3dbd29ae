import Autodiff
import FastKernels
import TensorCore

/// `[N, …] → [N, rest]`.
public struct Flatten<Scalar: TensorScalar>: Layer {
    /// A flatten layer.
    public init() {}
    /// `x` reshaped to `[N, rest]`.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        x.flattened()
    }
    /// None: the layer has no state.
    public func stateEntries() -> [StateEntry<Scalar>] { [] }
}
