import Autodiff
import FastKernels
import TensorCore

/// The logistic function as a layer.
public struct Sigmoid<Scalar: TensorScalar>: Layer {
    /// A sigmoid layer.
    public init() {}
    /// `1 / (1 + e^−x)` elementwise.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        x.sigmoid()
    }
    /// None: the layer has no state.
    public func stateEntries() -> [StateEntry<Scalar>] { [] }
}
