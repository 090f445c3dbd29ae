import Autodiff
import Layers
import FastKernels
import TensorCore

/// The width of f_d, f_p and the heads' hidden layer.
public let featureDimension = 128

/// The expression head of S_e: AdaptiveAvgPool(2×2) → flatten → Dropout(0.5) →
/// Linear(4C→128) → PReLU → Dropout(0.5) → Linear(128→K) [→ PReLU, official]: the logits
/// whose softmax enters Eq. 3–4.
public struct ExpressionHead<Scalar: TensorScalar>: Layer {
    /// The head's layers, in order.
    public let layers: Sequential<Scalar>

    /// A head reading `channels` input channels.
    public init(channels: Int, classes: Int, finalPReLU: Bool, generator: inout RandomGenerator) {
        var l: [(name: String, layer: any Layer<Scalar>)] = [
            ("pool", AdaptiveAvgPool2d<Scalar>(2, 2)), ("flatten", Flatten<Scalar>()),
            ("drop1", Dropout<Scalar>(p: 0.5)),
            ("fc1", Linear<Scalar>(channels * 4, featureDimension, generator: &generator)),
            ("prelu", PReLU<Scalar>()), ("drop2", Dropout<Scalar>(p: 0.5)),
            ("fc2", Linear<Scalar>(featureDimension, classes, generator: &generator)),
        ]
        if finalPReLU { l.append(("prelu2", PReLU<Scalar>())) }
        layers = Sequential(l)
    }

    /// The logits `[N, K]` for the map `x`.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        layers(x, mode: mode)
    }
    /// The layers' entries.
    public func stateEntries() -> [StateEntry<Scalar>] { layers.stateEntries() }
}

/// The disturbance head of S_d: global average pool of `a_5` → Dropout(0.5) →
/// Linear(8w→128) → PReLU = f_d (Eq. 5–6).
public struct DisturbanceHead<Scalar: TensorScalar>: Layer {
    /// The head's layers, in order.
    public let layers: Sequential<Scalar>

    /// A head reading `a_5` of `8 * width` channels.
    public init(width: Int, generator: inout RandomGenerator) {
        layers = Sequential([
            ("pool", AdaptiveAvgPool2d<Scalar>(1, 1)), ("flatten", Flatten<Scalar>()),
            ("drop", Dropout<Scalar>(p: 0.5)),
            ("fc", Linear<Scalar>(8 * width, featureDimension, generator: &generator)),
            ("prelu", PReLU<Scalar>()),
        ])
    }

    /// f_d `[N, 128]` for `a_5`.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        layers(x, mode: mode)
    }
    /// The layers' entries.
    public func stateEntries() -> [StateEntry<Scalar>] { layers.stateEntries() }
}

/// The discriminator D of Eq. 5–6: Linear(128→256) → LeakyReLU(0.01) → Linear(256→128) →
/// LeakyReLU → Linear(128→64) → LeakyReLU → Linear(64→1), no biases; a logit per sample.
public struct Discriminator<Scalar: TensorScalar>: Layer {
    /// The discriminator's layers, in order.
    public let layers: Sequential<Scalar>

    /// A discriminator initialised as PyTorch does.
    public init(generator: inout RandomGenerator) {
        layers = Sequential([
            ("fc1", Linear<Scalar>(featureDimension, 256, bias: false, generator: &generator)),
            ("act1", LeakyReLU<Scalar>()),
            ("fc2", Linear<Scalar>(256, 128, bias: false, generator: &generator)),
            ("act2", LeakyReLU<Scalar>()),
            ("fc3", Linear<Scalar>(128, 64, bias: false, generator: &generator)),
            ("act3", LeakyReLU<Scalar>()),
            ("fc4", Linear<Scalar>(64, 1, bias: false, generator: &generator)),
        ])
    }

    /// One logit per sample, `[N, 1]`, for features `[N, 128]`.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        layers(x, mode: mode)
    }
    /// The layers' entries.
    public func stateEntries() -> [StateEntry<Scalar>] { layers.stateEntries() }
}
