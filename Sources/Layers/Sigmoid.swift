import Autodiff
import FastKernels
import TensorCore

/// The logistic function as a layer.
public struct Sigmoid<Scalar: TensorScalar>: Layer {
    public init() {}
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> { x.sigmoid() }
    public func stateEntries() -> [StateEntry<Scalar>] { [] }
}
