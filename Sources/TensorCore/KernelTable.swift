import RealModule

/// The window of a pooling op: a square `kernel`, its `stride` and the `padding` on every
/// side.
public struct PoolWindow: Sendable, Equatable {
    /// Side of the square window.
    public var kernel: Int
    /// Step between windows.
    public var stride: Int
    /// Padding on every side (−∞ for max pooling, zeros for average pooling).
    public var padding: Int

    /// A window.
    public init(kernel: Int, stride: Int, padding: Int) {
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }
}

/// What batch normalisation applies per channel: `y = (x − mean)·invStd·γ + β`.
public struct ChannelNormalization<S: TensorElement>: Sendable {
    /// Mean per channel.
    public var mean: [S]
    /// `1/√(variance + eps)` per channel.
    public var invStd: [S]
    /// Scale per channel, `[C]`.
    public var gamma: Tensor<S>
    /// Shift per channel, `[C]`.
    public var beta: Tensor<S>

    /// The normalisation of one batch-norm call.
    public init(mean: [S], invStd: [S], gamma: Tensor<S>, beta: Tensor<S>) {
        self.mean = mean
        self.invStd = invStd
        self.gamma = gamma
        self.beta = beta
    }
}

extension ChannelNormalization {
    /// Checks the normalisation against an input of `shape` (`[N, C, …]`), naming `operation`.
    public func validate(for shape: [Int], operation: String) throws(ShapeError) {
        try Tensor<S>.validateBatchNorm(shape, channels: gamma.count)
        guard beta.count == gamma.count, mean.count == gamma.count, invStd.count == gamma.count
        else {
            throw ShapeError(
                operation,
                "γ \(describe(gamma.shape)), β \(describe(beta.shape)) and statistics must "
                    + "all have \(gamma.count) channels")
        }
    }

    /// The normalisation as `x·scale + shift` per channel: `scale = invStd·γ`,
    /// `shift = β − mean·scale`. Every kernel that normalises takes these, so fused kernels
    /// agree with the plain one bit for bit. Inlinable, so that it is made for the callers'
    /// scalar type rather than through generic calls per channel.
    @inlinable
    public var affine: (scales: [S], shifts: [S]) {
        let g = gamma.scalars, b = beta.scalars
        var scales = [S](repeating: 0, count: g.count), shifts = scales
        for c in 0..<g.count {
            scales[c] = invStd[c] * g[c]
            shifts[c] = b[c] - mean[c] * scales[c]
        }
        return (scales, shifts)
    }
}

/// The per-channel sums batch norm's backward needs: `Σ dy` and `Σ dy·x̂`, in `Double`.
public struct BatchNormSums: Sendable {
    /// `Σ dy` per channel.
    public var sumDy: [Double]
    /// `Σ dy·x̂` per channel, `x̂ = (x − mean)·invStd`.
    public var sumDyXhat: [Double]

    /// The sums of one backward pass.
    public init(sumDy: [Double], sumDyXhat: [Double]) {
        self.sumDy = sumDy
        self.sumDyXhat = sumDyXhat
    }
}

/// Every kernel of the tensor core, as closures made for one concrete scalar type.
///
/// Generic code above the core (autodiff, layers, the model) never knows whether it runs
/// in `Float` or `Double`, so a generic kernel called from there would run unspecialised,
/// boxing every element. Each scalar's conformance builds its table with concrete types,
/// so every entry runs specialised, while each kernel stays one generic code path. The
/// reference table (`TensorElement.referenceKernels`) is built here; the fast layer starts
/// from it and replaces the entries it has faster kernels for. An elementwise op needs no
/// entry of its own: it is a case of `PointwiseOperation` (see `Reference/Pointwise.swift`).
public struct KernelTable<S: TensorElement>: Sendable {
    /// Binary elementwise op with broadcasting.
    public var binary: @Sendable (BinaryOperation, Tensor<S>, Tensor<S>) -> Tensor<S>
    /// Unary pointwise map.
    public var pointwise: @Sendable (PointwiseOperation, Tensor<S>) -> Tensor<S>
    /// Gradient of a pointwise map: (op, upstream, saved input or output).
    public var pointwiseGradient: @Sendable (PointwiseGradient, Tensor<S>, Tensor<S>) -> Tensor<S>
    /// Sum down to a shape the tensor was broadcast from.
    public var summed: @Sendable (Tensor<S>, [Int]) -> Tensor<S>
    /// `a += b` for equal shapes.
    public var addInPlace: @Sendable (inout Tensor<S>, Tensor<S>) -> Void
    /// Convolution: (input, weight, bias, settings).
    public var conv2d:
        @Sendable (Tensor<S>, Tensor<S>, Tensor<S>?, ConvolutionSettings) -> Tensor<S>
    /// Convolution gradients: (input, weight, upstream, settings, which).
    public var conv2dBackward: @Sendable (
        Tensor<S>, Tensor<S>, Tensor<S>, ConvolutionSettings, ConvolutionGradients
    ) -> (input: Tensor<S>?, weight: Tensor<S>?, bias: Tensor<S>?)
    /// Max pooling with the offsets of the maxima.
    public var maxPool2d: @Sendable (Tensor<S>, PoolWindow) -> (output: Tensor<S>, argmax: [Int32])
    /// Max pooling's values alone.
    public var maxPool2dValues: @Sendable (Tensor<S>, PoolWindow) -> Tensor<S>
    /// Max pooling's backward: (upstream, offsets of the maxima, input shape).
    public var maxPool2dBackward: @Sendable (Tensor<S>, [Int32], [Int]) -> Tensor<S>
    /// Average pooling.
    public var avgPool2d: @Sendable (Tensor<S>, PoolWindow) -> Tensor<S>
    /// Average pooling's backward: (upstream, input shape, window).
    public var avgPool2dBackward: @Sendable (Tensor<S>, [Int], PoolWindow) -> Tensor<S>
    /// Adaptive average pooling to (height, width).
    public var adaptiveAvgPool2d: @Sendable (Tensor<S>, Int, Int) -> Tensor<S>
    /// Adaptive average pooling's backward: (upstream, input shape).
    public var adaptiveAvgPool2dBackward: @Sendable (Tensor<S>, [Int]) -> Tensor<S>
    /// Mean and biased variance per channel.
    public var channelStatistics: @Sendable (Tensor<S>) -> ChannelStatistics<S>
    /// `(x − mean)·invStd·γ + β` per channel.
    public var batchNormApply: @Sendable (Tensor<S>, ChannelNormalization<S>) -> Tensor<S>
    /// Batch norm's backward sums: (input, upstream, normalisation).
    public var batchNormReductions: @Sendable (
        Tensor<S>, Tensor<S>, ChannelNormalization<S>
    ) -> BatchNormSums
    /// Batch norm's input gradient in training: (input, upstream, normalisation, sums).
    public var batchNormTrainingInputGradient: @Sendable (
        Tensor<S>, Tensor<S>, ChannelNormalization<S>, BatchNormSums
    ) -> Tensor<S>
    /// Each channel times its factor.
    public var scaledPerChannel: @Sendable (Tensor<S>, [S]) -> Tensor<S>
    /// PReLU: (input, slopes).
    public var prelu: @Sendable (Tensor<S>, Tensor<S>) -> Tensor<S>
    /// PReLU's gradients: (input, slopes, upstream).
    public var preluBackward: @Sendable (
        Tensor<S>, Tensor<S>, Tensor<S>
    ) -> (input: Tensor<S>, slope: Tensor<S>)
    /// Softmax or log-softmax: (input, axis, log).
    public var softmax: @Sendable (Tensor<S>, Int, Bool) -> Tensor<S>
    /// Softmax's backward: (output, upstream, axis, log).
    public var softmaxBackward: @Sendable (Tensor<S>, Tensor<S>, Int, Bool) -> Tensor<S>
    /// Cross-entropy with missing labels.
    public var crossEntropy: @Sendable (
        Tensor<S>, [Int]
    ) -> (loss: S, labelled: Int, logProbabilities: Tensor<S>)
    /// Cross-entropy's logits gradient: (log-probabilities, labels, upstream).
    public var crossEntropyBackward: @Sendable (Tensor<S>, [Int], S) -> Tensor<S>
    /// Binary cross-entropy with logits: (logits, targets).
    public var binaryCrossEntropy: @Sendable (Tensor<S>, Tensor<S>) -> S
    /// Its gradients: (logits, targets, upstream).
    public var binaryCrossEntropyBackward: @Sendable (
        Tensor<S>, Tensor<S>, S
    ) -> (logits: Tensor<S>, targets: Tensor<S>)
    /// Concatenation along an axis.
    public var concat: @Sendable ([Tensor<S>], Int) -> Tensor<S>
    /// Split along an axis into the given sizes.
    public var split: @Sendable (Tensor<S>, [Int], Int) -> [Tensor<S>]
    /// `x / max(‖x‖₂, eps)` along an axis.
    public var l2Normalized: @Sendable (Tensor<S>, Int, S) -> Tensor<S>
    /// Its backward: (input, upstream, axis, eps).
    public var l2NormalizedBackward: @Sendable (Tensor<S>, Tensor<S>, Int, S) -> Tensor<S>
    /// A dropout mask: (shape, p, generator).
    public var dropoutMask: @Sendable ([Int], Double, inout RandomGenerator) -> Tensor<S>

    /// The reference table of `S`, with per-element work spread by `split`; called only
    /// where `S` is concrete (the conformances), so that the closures are compiled for that
    /// type.
    @inline(__always)
    static func make(split: WorkSplitter) -> KernelTable {
        KernelTable(
            binary: { op, a, b in Tensor.binaryReference(op, a, b, split: split) },
            pointwise: { op, x in Tensor.pointwiseKernel(op, x) },
            pointwiseGradient: { op, g, saved in Tensor.pointwiseGradientKernel(op, g, saved) },
            summed: { t, shape in t.summedKernel(toShape: shape) },
            addInPlace: { t, other in t.addInPlaceKernel(other) },
            conv2d: { x, w, b, c in Tensor.conv2dReference(x, weight: w, bias: b, c) },
            conv2dBackward: { x, w, dy, c, needs in
                Tensor.conv2dBackwardReference(x, weight: w, upstream: dy, c, needs)
            },
            maxPool2d: { x, p in Tensor.maxPool2dReference(x, p) },
            maxPool2dValues: { x, p in Tensor.maxPool2dReference(x, p).output },
            maxPool2dBackward: { dy, argmax, shape in
                Tensor.maxPool2dBackwardKernel(
                    upstream: dy, argmax: argmax, inputShape: shape, split: split)
            },
            avgPool2d: { x, p in Tensor.avgPool2dKernel(x, p) },
            avgPool2dBackward: { dy, shape, p in
                Tensor.avgPool2dBackwardKernel(upstream: dy, inputShape: shape, p)
            },
            adaptiveAvgPool2d: { x, h, w in
                Tensor.adaptiveAvgPool2dKernel(x, outHeight: h, outWidth: w)
            },
            adaptiveAvgPool2dBackward: { dy, shape in
                Tensor.adaptiveAvgPool2dBackwardKernel(upstream: dy, inputShape: shape)
            },
            channelStatistics: { x in x.channelStatisticsKernel(split: split) },
            batchNormApply: { x, n in Tensor.batchNormApplyKernel(x, n, split: split) },
            batchNormReductions: { x, dy, n in
                Tensor.batchNormReductionsKernel(x, upstream: dy, n, split: split)
            },
            batchNormTrainingInputGradient: { x, dy, n, sums in
                Tensor.batchNormTrainingInputGradientKernel(x, upstream: dy, n, sums, split: split)
            },
            scaledPerChannel: { x, f in Tensor.scaledPerChannelKernel(x, f, split: split) },
            prelu: { x, a in Tensor.preluKernel(x, slope: a, split: split) },
            preluBackward: { x, a, dy in
                Tensor.preluBackwardKernel(x, slope: a, upstream: dy, split: split)
            },
            softmax: { x, axis, log in Tensor.softmaxKernel(x, axis: axis, log: log) },
            softmaxBackward: { y, dy, axis, log in
                Tensor.softmaxBackwardKernel(output: y, upstream: dy, axis: axis, log: log)
            },
            crossEntropy: { z, labels in Tensor.crossEntropyKernel(logits: z, labels: labels) },
            crossEntropyBackward: { logp, labels, g in
                Tensor.crossEntropyBackwardKernel(
                    logProbabilities: logp, labels: labels, upstream: g)
            },
            binaryCrossEntropy: { z, t in Tensor.binaryCrossEntropyWithLogitsKernel(z, targets: t)
            },
            binaryCrossEntropyBackward: { z, t, g in
                Tensor.binaryCrossEntropyWithLogitsBackwardKernel(z, targets: t, upstream: g)
            },
            concat: { parts, axis in Tensor.concatKernel(parts, axis: axis) },
            split: { t, sizes, axis in t.splitKernel(sizes: sizes, axis: axis) },
            l2Normalized: { x, axis, eps in Tensor.l2NormalizedKernel(x, axis: axis, eps: eps) },
            l2NormalizedBackward: { x, dy, axis, eps in
                Tensor.l2NormalizedBackwardKernel(x, upstream: dy, axis: axis, eps: eps)
            },
            dropoutMask: { shape, p, generator in
                Tensor.dropoutMaskKernel(shape, p: p, generator: &generator)
            }
        )
    }
}
