import Autodiff
import FastKernels
import TensorCore

/// A layer: a map from one variable to another with named state.
public protocol Layer<Scalar>: StateContainer {
    /// The forward pass.
    func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar>
}
