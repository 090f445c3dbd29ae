import TensorCore

/// A scalar the model runs in: a `TensorElement` with the kernels chosen for it.
///
/// `Double`, the type of the gradient checks, the fixtures and the trajectories, runs the
/// reference kernels of the tensor core unchanged; `Float`, the type of training, runs the
/// fast kernels where this layer has them and the reference kernels elsewhere.
public protocol TensorScalar: TensorElement {
    /// Every kernel of the tensor core as chosen for this type.
    static var kernels: KernelTable<Self> { get }
    /// The kernels that exist only as fused work (an optimiser step, BN + PReLU).
    static var fused: FusedKernels<Self> { get }
}

/// Kernels that compute several ops in one pass.
public struct FusedKernels<S: TensorScalar>: Sendable {
    /// One Adam step in place: (value, m, v, gradient, coefficients).
    public var adamUpdate: @Sendable (
        inout Tensor<S>, inout Tensor<S>, inout Tensor<S>, Tensor<S>, AdamCoefficients
    ) -> Void
    /// `PReLU(batchNorm(x))` with one shared slope, in one pass: (input, normalisation, slope).
    public var batchNormPReLU: @Sendable (Tensor<S>, ChannelNormalization<S>, S) -> Tensor<S>
    /// A convolution weight in the form the chosen algorithm computes with, for an input of
    /// this shape, or nil when that algorithm uses the weight as it is: (weight, input
    /// shape, settings).
    public var preparedConvolutionWeight:
        @Sendable (Tensor<S>, [Int], ConvolutionSettings) -> Tensor<S>?
    /// The convolution with its weight already prepared: (input, weight, bias, settings,
    /// prepared weight).
    public var conv2dPrepared: @Sendable (
        Tensor<S>, Tensor<S>, Tensor<S>?, ConvolutionSettings, Tensor<S>
    ) -> Tensor<S>
    /// The convolution (no bias) through an epilogue, its weight prepared or not: (input,
    /// weight, settings, prepared weight, epilogue).
    public var conv2dEpilogue: @Sendable (
        Tensor<S>, Tensor<S>, ConvolutionSettings, Tensor<S>?, ConvolutionEpilogue<S>
    ) -> Tensor<S>
    /// Its gradients: (input, weight, upstream, settings, which, prepared weight).
    public var conv2dBackwardPrepared: @Sendable (
        Tensor<S>, Tensor<S>, Tensor<S>, ConvolutionSettings, ConvolutionGradients, Tensor<S>
    ) -> (input: Tensor<S>?, weight: Tensor<S>?, bias: Tensor<S>?)
    /// Its gradients: (input, upstream, normalisation, slope, training, input gradient wanted).
    public var batchNormPReLUBackward: @Sendable (
        Tensor<S>, Tensor<S>, ChannelNormalization<S>, S, Bool, Bool
    ) -> BatchNormPReLUGradients<S>

    /// The fused kernels with per-element work spread by `split`; call only with a concrete
    /// `S`, so that the closures are compiled for it.
    @inline(__always)
    static func make(split: WorkSplitter) -> FusedKernels {
        FusedKernels(
            adamUpdate: { p, m, v, g, c in
                Tensor.adamUpdateKernel(value: &p, m: &m, v: &v, gradient: g, c, split: split)
            },
            batchNormPReLU: { x, n, a in
                Tensor.batchNormPReLUFast(x, n, slope: a, split: split)
            },
            preparedConvolutionWeight: { w, shape, c in
                KernelChoice.preparedConvolutionWeight(w, inputShape: shape, c)
            },
            conv2dPrepared: { x, w, b, c, prepared in
                let g = Conv2dGeometry.checked(x, weight: w, bias: b, c)
                return Tensor.conv2dFast(
                    x, weight: w, bias: b, c, algorithm: KernelChoice.convolution(g),
                    transformed: prepared)
            },
            conv2dEpilogue: { x, w, c, prepared, epilogue in
                guard KernelChoice.runsFastKernels(S.self) else {
                    let y = S.kernels.conv2d(x, w, nil, c)
                    return epilogue.applied(to: y)
                }
                let g = Conv2dGeometry.checked(x, weight: w, bias: nil, c)
                return Tensor.conv2dFast(
                    x, weight: w, bias: nil, c, algorithm: KernelChoice.convolution(g),
                    transformed: prepared, epilogue: epilogue)
            },
            conv2dBackwardPrepared: { x, w, dy, c, needs, prepared in
                let g = Conv2dGeometry.checked(x, weight: w, bias: nil, c)
                return Tensor.conv2dBackwardFast(
                    x, weight: w, upstream: dy, c, needs, algorithm: KernelChoice.convolution(g),
                    transformed: prepared)
            },
            batchNormPReLUBackward: { x, dy, n, a, training, needInput in
                Tensor.batchNormPReLUBackwardFast(
                    x, upstream: dy, n, slope: a, training: training, needInput: needInput,
                    split: split)
            }
        )
    }
}

extension Float: TensorScalar {
    /// The reference table with the fast kernels put in (`KernelChoice.fastTable`).
    public static let kernels = KernelChoice.fastTable()
    /// Fused kernels on two threads where they pay.
    public static let fused = FusedKernels<Float>.make(split: ParallelWork.splitter)
}

extension Double: TensorScalar {
    /// The reference kernels, on the calling thread.
    public static let kernels = Double.referenceKernels(split: .serial)
    /// Fused kernels on the calling thread.
    public static let fused = FusedKernels<Double>.make(split: .serial)
}

/// The one place that chooses a fast kernel: which entries of `Float`'s table are replaced,
/// and, per call, which algorithm a convolution takes.
public enum KernelChoice {
    /// Whether `S` runs the fast kernels (`Float`); `Double` runs the reference ones.
    public static func runsFastKernels<S: TensorScalar>(_: S.Type) -> Bool { S.self == Float.self }

    /// The convolution algorithm for a geometry, as measured with `ddl bench --op conv2d`
    /// and the training-step benchmark. Winograd pays only for 3×3 stride-1 kernels over
    /// maps of 6×6 or more with 8 input channels or more: smaller maps make thin products
    /// for their transformed kernels, and fewer channels a tiny inner size for which the
    /// transforms cost as much as they save. F(4×4, 3×3) takes over from F(2×2, 3×3) from
    /// 32 input channels, where its 4×4 tiles waste little of the map, so that it needs at
    /// least 1.6 times fewer multiplications (12×12, 23×23, 36×36, 45×45, 90×90; not 18×18,
    /// whose last tile row and column are half empty): its transforms cost more per tile,
    /// which fewer channels do not pay back (on a Zen 4 EPYC, forward and backward over
    /// 16×C×36×36: 8 channels 1.6 ms by F(4×4) and 1.1 ms by F(2×2), 16 channels 2.1 and
    /// 2.3 ms but forward alone 0.66 and 0.60 ms, so within noise, 32 channels 4.9 and
    /// 6.5 ms; 16×64×90×90, 78 and 106 ms).
    public static func convolution(_ g: Conv2dGeometry) -> ConvolutionAlgorithm {
        guard WinogradPlan.supports(g) && g.outPlane >= 36 && g.inChannels >= 8 else {
            return .unfold
        }
        guard g.inChannels >= 32 else { return .winograd }
        let f2 = WinogradPlan(g, tile: .f2), f4 = WinogradPlan(g, tile: .f4)
        let products2 = 16 * f2.tilesHigh * f2.tilesWide
        let products4 = 36 * f4.tilesHigh * f4.tilesWide
        return 10 * products2 >= 16 * products4 ? .winograd4x4 : .winograd
    }

    /// The Winograd form of a 3×3 weight for an input of `inputShape`, when this scalar runs
    /// the fast kernels and the choice for that geometry is Winograd; nil otherwise (the
    /// weight is then used as it is).
    static func preparedConvolutionWeight<S: TensorScalar>(
        _ w: Tensor<S>, inputShape: [Int], _ c: ConvolutionSettings
    ) -> Tensor<S>? {
        guard runsFastKernels(S.self),
            let g = try? Conv2dGeometry(
                input: inputShape, weight: w.shape, stride: c.stride, padding: c.padding),
            let tile = convolution(g).winogradTile
        else { return nil }
        return WinogradPlan.transformedWeights(w, tile: tile)
    }

    /// `Float`'s table: the reference kernels with their per-element work on two threads,
    /// and the fast convolution, max pooling, sigmoid, sum to a shape and L2 normalisation.
    static func fastTable() -> KernelTable<Float> {
        var table = Float.referenceKernels(split: ParallelWork.splitter)
        let reference = table
        table.conv2d = { x, w, b, c in
            let g = Conv2dGeometry.checked(x, weight: w, bias: b, c)
            return Tensor.conv2dFast(x, weight: w, bias: b, c, algorithm: convolution(g))
        }
        table.conv2dBackward = { x, w, dy, c, needs in
            let g = Conv2dGeometry.checked(x, weight: w, bias: nil, c)
            return Tensor.conv2dBackwardFast(
                x, weight: w, upstream: dy, c, needs, algorithm: convolution(g))
        }
        table.summed = { x, target in Tensor.summedFast(x, toShape: target) }
        table.l2Normalized = { x, axis, eps in
            Tensor.l2NormalizedFast(x, axis: axis, eps: eps) ?? reference.l2Normalized(x, axis, eps)
        }
        table.l2NormalizedBackward = { x, dy, axis, eps in
            Tensor.l2NormalizedBackwardFast(x, upstream: dy, axis: axis, eps: eps)
                ?? reference.l2NormalizedBackward(x, dy, axis, eps)
        }
        table.maxPool2d = { x, p in Tensor.maxPool2dFast(x, p) }
        table.maxPool2dValues = { x, p in Tensor.maxPool2dValuesFast(x, p) }
        table.pointwise = { op, x in
            op == .sigmoid ? Tensor<Float>.sigmoidFast(x) : reference.pointwise(op, x)
        }
        return table
    }
}

/// A fast convolution with its algorithm forced, compiled for each concrete scalar (a generic
/// call from another module would run unspecialised): for the benchmark of each algorithm
/// and for the checks that hold one algorithm to central differences and to PyTorch.
public enum ForcedConvolution {
    /// The forward pass of `algorithm`.
    public static func forward(
        _ x: Tensor<Float>, weight: Tensor<Float>, bias: Tensor<Float>?, _ c: ConvolutionSettings,
        algorithm: ConvolutionAlgorithm
    ) -> Tensor<Float> {
        Tensor.conv2dFast(x, weight: weight, bias: bias, c, algorithm: algorithm)
    }

    /// The weight in the form `algorithm` computes with (its Winograd transform), or nil when
    /// `algorithm` uses the weight as it is: what the model keeps between calls.
    public static func preparedWeight(
        _ weight: Tensor<Float>, _ c: ConvolutionSettings, algorithm: ConvolutionAlgorithm
    ) -> Tensor<Float>? {
        guard let tile = algorithm.winogradTile, weight.rank == 4, weight.shape[2] == 3,
            weight.shape[3] == 3, c.stride == 1
        else { return nil }
        return WinogradPlan.transformedWeights(weight, tile: tile)
    }

    /// The forward pass of `algorithm` with its weight prepared (`preparedWeight`).
    public static func forward(
        _ x: Tensor<Float>, weight: Tensor<Float>, bias: Tensor<Float>?, _ c: ConvolutionSettings,
        algorithm: ConvolutionAlgorithm, prepared: Tensor<Float>?
    ) -> Tensor<Float> {
        Tensor.conv2dFast(
            x, weight: weight, bias: bias, c, algorithm: algorithm, transformed: prepared)
    }

    /// The forward pass of `algorithm` in `Double`.
    public static func forward(
        _ x: Tensor<Double>, weight: Tensor<Double>, bias: Tensor<Double>?,
        _ c: ConvolutionSettings,
        algorithm: ConvolutionAlgorithm
    ) -> Tensor<Double> {
        Tensor.conv2dFast(x, weight: weight, bias: bias, c, algorithm: algorithm)
    }

    /// The gradients of `algorithm`.
    public static func backward(
        _ x: Tensor<Float>, weight: Tensor<Float>, upstream dy: Tensor<Float>,
        _ c: ConvolutionSettings, _ needs: ConvolutionGradients, algorithm: ConvolutionAlgorithm
    ) -> (input: Tensor<Float>?, weight: Tensor<Float>?, bias: Tensor<Float>?) {
        Tensor.conv2dBackwardFast(x, weight: weight, upstream: dy, c, needs, algorithm: algorithm)
    }

    /// The gradients of `algorithm` in `Double`.
    public static func backward(
        _ x: Tensor<Double>, weight: Tensor<Double>, upstream dy: Tensor<Double>,
        _ c: ConvolutionSettings, _ needs: ConvolutionGradients, algorithm: ConvolutionAlgorithm
    ) -> (input: Tensor<Double>?, weight: Tensor<Double>?, bias: Tensor<Double>?) {
        Tensor.conv2dBackwardFast(x, weight: weight, upstream: dy, c, needs, algorithm: algorithm)
    }
}
