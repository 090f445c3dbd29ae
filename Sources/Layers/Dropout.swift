import Autodiff
import FastKernels
import TensorCore

/// Dropout: active only when the mode asks for it, with masks from the mode's random source.
public struct Dropout<Scalar: TensorScalar>: Layer {
    /// The probability of zeroing an element.
    public let p: Double
    /// A dropout layer with probability `p`.
    public init(p: Double = 0.5) { self.p = p }
    /// `x` with elements dropped when training with dropout on, else `x` unchanged.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        guard mode.training, mode.dropout, p > 0 else { return x }
        guard let random = mode.random else {
            preconditionFailure("Dropout: training mode needs a random source")
        }
        return x.dropout(p: p, training: true, generator: &random.generator)
    }
    /// None: the layer has no state.
    public func stateEntries() -> [StateEntry<Scalar>] { [] }
}
