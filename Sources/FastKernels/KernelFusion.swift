import TensorCore

/// An op whose output the graph holds back, described by its inputs, so that the op that
/// consumes it may be computed together with it (`KernelFusion.absorb`). Indirect, so that a
/// node of the graph stays small (a chain of nodes is released recursively).
public indirect enum DeferredKernel<S: TensorScalar> {
    /// Batch norm of `x` by `norm`, with batch statistics (`training`) or running ones.
    case batchNorm(x: Tensor<S>, norm: ChannelNormalization<S>, training: Bool)
    /// Convolution of `x` with `weight` (its prepared form when kept) through `epilogue`
    /// (its bias, then whatever was merged into it): held back only when no gradient is
    /// recorded.
    case convolution(
        x: Tensor<S>, weight: Tensor<S>, settings: ConvolutionSettings, prepared: Tensor<S>?,
        epilogue: ConvolutionEpilogue<S>)
}

/// An op applied to a held-back output.
public enum Consumer<S: TensorScalar> {
    /// PReLU with these slopes (`[1]` shared, or one per channel).
    case prelu(slope: Tensor<S>)
    /// Batch norm in evaluation, by its running statistics.
    case batchNorm(norm: ChannelNormalization<S>)
}

/// Two ops computed as one: the value, and the pullback from its gradient to the producer's
/// inputs followed by the consumer's own (`needs` says which are wanted).
public struct FusedOp<S: TensorScalar> {
    /// The consumer's output.
    public let value: Tensor<S>
    /// Gradients of the producer's inputs, then of the consumer's extra inputs.
    public let pullback: (Tensor<S>, [Bool]) -> [Tensor<S>?]
}

/// The fusions the graph may make: whether to hold an op's output back, and what a consumer
/// of a held-back output becomes. The graph (Autodiff) asks; it never names a fusion.
public enum KernelFusion {
    /// Whether an op of this kind should be held back for its consumer: in `Float` only, so
    /// `Double` (the checks) runs every op by its reference kernel; a convolution only when
    /// its gradient is not recorded (`recording` false: inference), where nothing needs its
    /// own output.
    public static func defers<S: TensorScalar>(_ kernel: DeferredKernel<S>, recording: Bool)
        -> Bool
    {
        guard KernelChoice.runsFastKernels(S.self) else { return false }
        switch kernel {
        case .batchNorm: return true
        case .convolution: return !recording
        }
    }

    /// The held-back op that computes `consumer` of `producer`'s output in one, when no
    /// gradient is recorded; nil when the two are not merged. A convolution takes an
    /// evaluation batch norm after it into its epilogue (`ConvolutionEpilogue.followed(by:)`)
    /// and a PReLU with one shared slope after that, so `conv → BN → PReLU` in inference
    /// writes its output once, the batch norm and PReLU applied while it is in cache.
    public static func merge<S: TensorScalar>(
        _ producer: DeferredKernel<S>, into consumer: Consumer<S>
    ) -> DeferredKernel<S>? {
        guard case let .convolution(x, weight, settings, prepared, epilogue) = producer else {
            return nil
        }
        let merged: ConvolutionEpilogue<S>?
        switch consumer {
        case let .batchNorm(norm): merged = epilogue.followed(by: norm)
        case let .prelu(slope):
            merged = slope.count == 1 ? epilogue.followed(byPReLU: slope.scalars[0]) : nil
        }
        return merged.map {
            .convolution(
                x: x, weight: weight, settings: settings, prepared: prepared, epilogue: $0)
        }
    }

    /// The value of a held-back op computed alone.
    public static func compute<S: TensorScalar>(_ kernel: DeferredKernel<S>) -> Tensor<S> {
        switch kernel {
        case let .batchNorm(x, norm, _):
            return Tensor.batchNormApply(
                x, mean: norm.mean, invStd: norm.invStd, gamma: norm.gamma, beta: norm.beta)
        case let .convolution(x, weight, settings, prepared, epilogue):
            return Tensor.conv2d(
                x, weight: weight, stride: settings.stride, padding: settings.padding,
                prepared: prepared, epilogue: epilogue)
        }
    }

    /// The fused op for `consumer` applied to the held-back output of `producer`, or nil
    /// when the two are computed one after the other.
    ///
    /// Batch norm then PReLU with one shared slope fuse, in training and in evaluation: the
    /// forward in one pass without the batch norm's output, the backward recomputing it on
    /// the fly (`batchNormPReLUFast`, `batchNormPReLUBackwardFast`, equal bit for bit to the
    /// two kernels in turn). Parents of the result: `x`, `γ`, `β`, then the slope.
    public static func absorb<S: TensorScalar>(
        _ producer: DeferredKernel<S>, into consumer: Consumer<S>
    ) -> FusedOp<S>? {
        switch (producer, consumer) {
        case (.convolution, _), (.batchNorm, .batchNorm): return nil
        case let (.batchNorm(x, norm, training), .prelu(slope)):
            guard slope.count == 1 else { return nil }
            let a = slope.scalars[0]
            let y = KernelProfile.measure("batch_norm_prelu") { S.fused.batchNormPReLU(x, norm, a) }
            return FusedOp(value: y) { dy, needs in
                let r = KernelProfile.measure("batch_norm_prelu_backward") {
                    S.fused.batchNormPReLUBackward(x, dy, norm, a, training, needs[0])
                }
                return [r.input, needs[1] ? r.gamma : nil, needs[2] ? r.beta : nil,
                        needs[3] ? r.slope : nil]
            }
        }
    }
}
