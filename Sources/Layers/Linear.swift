import Autodiff
import FastKernels
import TensorCore

/// A fully connected layer: `weight [out, in]`, optional `bias [out]`; `y = x·Wᵀ + b`.
public struct Linear<Scalar: TensorScalar>: Layer {
    /// The weight `[out, in]`.
    public var weight: Variable<Scalar>
    /// The bias `[out]`, if any.
    public var bias: Variable<Scalar>?

    /// A layer with the given tensors (`weight` must be `[out, in]`).
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>?) {
        precondition(
            weight.rank == 2, "Linear: weight must be [out, in], got \(describe(weight.shape))")
        self.weight = Variable(weight, requiresGrad: true)
        self.bias = bias.map { Variable($0, requiresGrad: true) }
    }

    /// A layer initialised as PyTorch does.
    public init(
        _ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: inout RandomGenerator
    ) {
        let w = Tensor<Scalar>.kaimingUniform([outFeatures, inFeatures], generator: &generator)
        let b =
            bias
            ? Tensor<Scalar>.biasUniform([outFeatures], fanIn: inFeatures, generator: &generator)
            : nil
        self.init(weight: w, bias: b)
    }

    /// `x [N, in] · Wᵀ + b`: `[N, out]`.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        linear(x, weight: weight, bias: bias)
    }

    /// `weight`, and `bias` if present.
    public func stateEntries() -> [StateEntry<Scalar>] {
        [.parameter("weight", weight)] + (bias.map { [.parameter("bias", $0)] } ?? [])
    }
}
