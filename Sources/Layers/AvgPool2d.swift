import Autodiff
import FastKernels
import TensorCore

/// Average pooling with a square window (`count_include_pad=True`).
public struct AvgPool2d<Scalar: TensorScalar>: Layer {
    public let kernel: Int, stride: Int, padding: Int
    public init(kernel: Int, stride: Int, padding: Int = 0) { self.kernel = kernel; self.stride = stride; self.padding = padding }
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        avgPool2d(x, kernel: kernel, stride: stride, padding: padding)
    }
    public func stateEntries() -> [StateEntry<Scalar>] { [] }
}
