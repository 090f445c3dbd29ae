import TensorCore

/// An op whose output the graph holds back, described by its inputs, so that the op that
/// consumes it may be computed together with it (`KernelFusion.absorb`).
public enum DeferredKernel<S: TensorScalar> {
    /// Batch norm of `x` by `norm`, with batch statistics (`training`) or running ones.
    case batchNorm(x: Tensor<S>, norm: ChannelNormalization<S>, training: Bool)
}

/// An op applied to a held-back output.
public enum Consumer<S: TensorScalar> {
    /// PReLU with these slopes (`[1]` shared, or one per channel).
    case prelu(slope: Tensor<S>)
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
    /// `Double` (the checks) runs every op by its reference kernel.
    public static func defers<S: TensorScalar>(_ kernel: DeferredKernel<S>) -> Bool {
        KernelChoice.runsFastKernels(S.self)
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
