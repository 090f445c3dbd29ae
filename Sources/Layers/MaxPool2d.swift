import Autodiff
import FastKernels
import TensorCore

/// Max pooling with a square window.
public struct MaxPool2d<Scalar: TensorScalar>: Layer {
    /// Window side, stride and padding.
    public let kernel: Int, stride: Int, padding: Int
    /// A pool with a `kernel × kernel` window.
    public init(kernel: Int, stride: Int, padding: Int = 0) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }
    /// The maximum of each window of `x [N, C, H, W]`.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        maxPool2d(x, kernel: kernel, stride: stride, padding: padding)
    }
    /// None: the layer has no state.
    public func stateEntries() -> [StateEntry<Scalar>] { [] }
}
