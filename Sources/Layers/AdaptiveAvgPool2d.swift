import Autodiff
import FastKernels
import TensorCore

/// Adaptive average pooling to a fixed output size.
public struct AdaptiveAvgPool2d<Scalar: TensorScalar>: Layer {
    /// The output height and width.
    public let height: Int, width: Int
    /// A pool to `height × width`.
    public init(_ height: Int, _ width: Int) { self.height = height; self.width = width }
    /// `[N, C, H, W] → [N, C, height, width]`.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        adaptiveAvgPool2d(x, outHeight: height, outWidth: width)
    }
    /// None: the layer has no state.
    public func stateEntries() -> [StateEntry<Scalar>] { [] }
}
