import Autodiff
import FastKernels
import TensorCore

/// A 2-D convolution layer: `weight [out, in, k, k]`, optional `bias [out]`.
public struct Conv2d<Scalar: TensorScalar>: Layer {
    /// The kernels `[out, in, k, k]`.
    public var weight: Variable<Scalar>
    /// The bias `[out]`, if any.
    public var bias: Variable<Scalar>?
    /// The stride in both directions.
    public let stride: Int
    /// The zero padding on each side.
    public let padding: Int

    /// A layer with the given tensors (tests inject weights through this).
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>?, stride: Int = 1, padding: Int = 0) {
        precondition(
            weight.rank == 4,
            "Conv2d: weight must be [out, in, k, k], got \(describe(weight.shape))")
        self.weight = Variable(weight, requiresGrad: true)
        self.bias = bias.map { Variable($0, requiresGrad: true) }
        self.stride = stride
        self.padding = padding
    }

    /// A layer initialised as PyTorch does (Kaiming-uniform weight, uniform bias ±1/√fanIn).
    public init(
        _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
        bias: Bool, generator: inout RandomGenerator
    ) {
        let w = Tensor<Scalar>.kaimingUniform(
            [outChannels, inChannels, kernel, kernel], generator: &generator)
        let b =
            bias
            ? Tensor<Scalar>.biasUniform(
                [outChannels], fanIn: inChannels * kernel * kernel, generator: &generator) : nil
        self.init(weight: w, bias: b, stride: stride, padding: padding)
    }

    /// The convolution of `x [N, in, H, W]`: `[N, out, H', W']`.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }

    /// `weight`, and `bias` if present.
    public func stateEntries() -> [StateEntry<Scalar>] {
        [.parameter("weight", weight)] + (bias.map { [.parameter("bias", $0)] } ?? [])
    }
}
