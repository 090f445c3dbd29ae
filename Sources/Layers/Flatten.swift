import Autodiff
import FastKernels
import TensorCore

/// `[N, …] → [N, rest]`.
public struct Flatten<Scalar: TensorScalar>: Layer {
    public init() {}
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> { x.flattened() }
    public func stateEntries() -> [StateEntry<Scalar>] { [] }
}
