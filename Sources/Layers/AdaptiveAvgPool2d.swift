import Autodiff
import FastKernels
import TensorCore

/// Adaptive average pooling to a fixed output size.
public struct AdaptiveAvgPool2d<Scalar: TensorScalar>: Layer {
    public let height: Int, width: Int
    public init(_ height: Int, _ width: Int) { self.height = height; self.width = width }
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        adaptiveAvgPool2d(x, outHeight: height, outWidth: width)
    }
    public func stateEntries() -> [StateEntry<Scalar>] { [] }
}
