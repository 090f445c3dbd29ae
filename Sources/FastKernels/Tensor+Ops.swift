import TensorCore

// The ops of the tensor core as the layers above call them. Each dispatches through
// `Scalar.kernels` (chosen in KernelChoice), so it runs specialised for Float or Double
// whatever generic code calls it, and is timed when a `KernelProfile` is recording.

extension Tensor where Scalar: TensorScalar {
    /// A unary pointwise map (ReLU, sigmoid, exp, log, sqrt, square, pow, …).
    public static func pointwise(_ op: PointwiseOperation, _ x: Tensor) -> Tensor {
        KernelProfile.measure("pointwise") { Scalar.kernels.pointwise(op, x) }
    }

    /// The gradient of a pointwise map for upstream `g`; `saved` is the map's input or output
    /// as `PointwiseGradient` says.
    public static func pointwiseGradient(_ op: PointwiseGradient, upstream g: Tensor, saved: Tensor)
        -> Tensor
    {
        KernelProfile.measure("pointwise_backward") {
            Scalar.kernels.pointwiseGradient(op, g, saved)
        }
    }

    /// Elementwise binary operation with broadcasting.
    public static func binary(_ op: BinaryOperation, _ a: Tensor, _ b: Tensor) -> Tensor {
        KernelProfile.measure("binary", shape: binaryShape(op, a.shape, b.shape)) {
            Scalar.kernels.binary(op, a, b)
        }
    }

    /// Sums this tensor down to `target`, a shape it was broadcast from (the backward of
    /// broadcasting). Axes of size 1 in `target` and missing leading axes are summed over.
    public func summed(toShape target: [Int]) -> Tensor {
        KernelProfile.measure("sum_to_shape", shape: "\(dims(shape)) → \(dims(target))") {
            Scalar.kernels.summed(self, target)
        }
    }

    /// Adds `other` (same shape) into this tensor in place.
    public mutating func addInPlace(_ other: Tensor) {
        KernelProfile.measure("accumulate") { Scalar.kernels.addInPlace(&self, other) }
    }

    /// 2-D convolution (cross-correlation, as PyTorch) of `x[N, C, H, W]` with
    /// `weight[Cout, C, kh, kw]` and an optional `bias[Cout]`. `prepared` is the weight in the
    /// form the kernel computes with (`preparedConvolutionWeight`), when the caller kept it.
    public static func conv2d(
        _ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0,
        prepared: Tensor? = nil
    ) -> Tensor {
        let c = ConvolutionSettings(stride: stride, padding: padding)
        return KernelProfile.measure(
            "conv2d", shape: convolutionShape(x.shape, weight.shape, stride),
            flops: convolutionFlops(x.shape, weight.shape, stride, padding)
        ) {
            if let prepared { return Scalar.fused.conv2dPrepared(x, weight, bias, c, prepared) }
            return Scalar.kernels.conv2d(x, weight, bias, c)
        }
    }

    /// 2-D convolution without bias whose outputs go through `epilogue` (a bias, a folded
    /// evaluation batch norm, a PReLU) as they are computed; timed as `conv2d`, `conv2d_bn`
    /// or `conv2d_bn_prelu` by what the epilogue holds.
    public static func conv2d(
        _ x: Tensor, weight: Tensor, stride: Int, padding: Int, prepared: Tensor?,
        epilogue: ConvolutionEpilogue<Scalar>
    ) -> Tensor {
        let c = ConvolutionSettings(stride: stride, padding: padding)
        let bn = epilogue.scale != nil ? "_bn" : "", prelu = epilogue.slope != nil ? "_prelu" : ""
        let name = "conv2d" + bn + prelu
        return KernelProfile.measure(
            name, shape: convolutionShape(x.shape, weight.shape, stride),
            flops: convolutionFlops(x.shape, weight.shape, stride, padding)
        ) {
            Scalar.fused.conv2dEpilogue(x, weight, c, prepared, epilogue)
        }
    }

    /// A convolution weight in the form the kernel for inputs of `inputShape` computes with
    /// (for 3×3 kernels that run by Winograd, the transformed kernels), or nil when it uses
    /// the weight as it is; a weight used several times is prepared once.
    public static func preparedConvolutionWeight(
        _ weight: Tensor, inputShape: [Int], stride: Int, padding: Int
    ) -> Tensor? {
        Scalar.fused.preparedConvolutionWeight(
            weight, inputShape, ConvolutionSettings(stride: stride, padding: padding))
    }

    /// Gradients of `conv2d` for the upstream gradient `dy[N, Cout, Ho, Wo]`, each returned
    /// only when asked for.
    public static func conv2dBackward(
        _ x: Tensor, weight: Tensor, upstream dy: Tensor, stride: Int, padding: Int,
        needInput: Bool, needWeight: Bool, needBias: Bool, prepared: Tensor? = nil
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let flops = convolutionFlops(x.shape, weight.shape, stride, padding)
            * Double((needInput ? 1 : 0) + (needWeight ? 1 : 0))
        return KernelProfile.measure(
            "conv2d_backward", shape: convolutionShape(x.shape, weight.shape, stride), flops: flops
        ) {
            var needs: ConvolutionGradients = []
            if needInput { needs.insert(.input) }
            if needWeight { needs.insert(.weight) }
            if needBias { needs.insert(.bias) }
            let c = ConvolutionSettings(stride: stride, padding: padding)
            if let prepared {
                return Scalar.fused.conv2dBackwardPrepared(x, weight, dy, c, needs, prepared)
            }
            return Scalar.kernels.conv2dBackward(x, weight, dy, c, needs)
        }
    }

    /// Max pooling with a square window; padding counts as −∞. Returns the output and, when
    /// `positions` is set, for each output element the offset within its input plane of the
    /// maximum (first on ties); otherwise no offsets (nothing will be differentiated).
    public static func maxPool2d(
        _ x: Tensor, kernel: Int, stride: Int, padding: Int = 0, positions: Bool = true
    ) -> (output: Tensor, argmax: [Int32]) {
        let window = PoolWindow(kernel: kernel, stride: stride, padding: padding)
        return KernelProfile.measure("max_pool2d") {
            positions
                ? Scalar.kernels.maxPool2d(x, window)
                : (Scalar.kernels.maxPool2dValues(x, window), [])
        }
    }

    /// Backward of max pooling: routes each upstream element to its recorded maximum.
    public static func maxPool2dBackward(upstream dy: Tensor, argmax: [Int32], inputShape: [Int])
        -> Tensor
    {
        KernelProfile.measure("max_pool2d_backward") {
            Scalar.kernels.maxPool2dBackward(dy, argmax, inputShape)
        }
    }

    /// Average pooling with a square window (`count_include_pad=True`: the divisor is `kernel²`).
    public static func avgPool2d(_ x: Tensor, kernel: Int, stride: Int, padding: Int = 0) -> Tensor
    {
        KernelProfile.measure("avg_pool2d") {
            Scalar.kernels.avgPool2d(
                x, PoolWindow(kernel: kernel, stride: stride, padding: padding))
        }
    }

    /// Backward of average pooling.
    public static func avgPool2dBackward(
        upstream dy: Tensor, inputShape: [Int], kernel: Int, stride: Int, padding: Int
    ) -> Tensor {
        KernelProfile.measure("avg_pool2d_backward") {
            Scalar.kernels.avgPool2dBackward(
                dy, inputShape, PoolWindow(kernel: kernel, stride: stride, padding: padding))
        }
    }

    /// Adaptive average pooling of `x[N, C, H, W]` to `[N, C, outHeight, outWidth]`
    /// (PyTorch's bins).
    public static func adaptiveAvgPool2d(_ x: Tensor, outHeight: Int, outWidth: Int) -> Tensor {
        KernelProfile.measure("adaptive_avg_pool2d") {
            Scalar.kernels.adaptiveAvgPool2d(x, outHeight, outWidth)
        }
    }

    /// Backward of adaptive average pooling.
    public static func adaptiveAvgPool2dBackward(upstream dy: Tensor, inputShape: [Int]) -> Tensor {
        KernelProfile.measure("adaptive_avg_pool2d_backward") {
            Scalar.kernels.adaptiveAvgPool2dBackward(dy, inputShape)
        }
    }

    /// Mean and biased variance per channel (axis 1), accumulated in `Double` by two passes.
    public func channelStatistics() -> ChannelStatistics<Scalar> {
        KernelProfile.measure("batch_norm_statistics") { Scalar.kernels.channelStatistics(self) }
    }

    /// `y = (x − mean)·invStd·γ + β` per channel.
    public static func batchNormApply(
        _ x: Tensor, mean: [Scalar], invStd: [Scalar], gamma: Tensor, beta: Tensor
    ) -> Tensor {
        KernelProfile.measure("batch_norm") {
            Scalar.kernels.batchNormApply(
                x, ChannelNormalization(mean: mean, invStd: invStd, gamma: gamma, beta: beta))
        }
    }

    /// Per-channel `Σ dy` and `Σ dy·x̂` with `x̂ = (x − mean)·invStd`, accumulated in `Double`.
    public static func batchNormReductions(
        _ x: Tensor, upstream dy: Tensor, _ norm: ChannelNormalization<Scalar>
    ) -> BatchNormSums {
        KernelProfile.measure("batch_norm_backward") {
            Scalar.kernels.batchNormReductions(x, dy, norm)
        }
    }

    /// Input gradient of batch norm in training mode:
    /// `dx = γ·invStd/M · (M·dy − Σdy − x̂·Σ(dy·x̂))`.
    public static func batchNormTrainingInputGradient(
        _ x: Tensor, upstream dy: Tensor, _ norm: ChannelNormalization<Scalar>,
        _ sums: BatchNormSums
    ) -> Tensor {
        KernelProfile.measure("batch_norm_backward") {
            Scalar.kernels.batchNormTrainingInputGradient(x, dy, norm, sums)
        }
    }

    /// Multiplies each channel (axis 1) by its factor.
    public static func scaledPerChannel(_ x: Tensor, _ factors: [Scalar]) -> Tensor {
        KernelProfile.measure("batch_norm_backward") { Scalar.kernels.scaledPerChannel(x, factors) }
    }

    /// `max(x, 0) + a·min(x, 0)` with one shared slope or one per channel (axis 1).
    public static func prelu(_ x: Tensor, slope: Tensor) -> Tensor {
        KernelProfile.measure("prelu") { Scalar.kernels.prelu(x, slope) }
    }

    /// Gradients of PReLU: `dx = dy·(x > 0 ? 1 : a)`, `da = Σ_{x ≤ 0} dy·x` (per slope).
    public static func preluBackward(_ x: Tensor, slope: Tensor, upstream dy: Tensor) -> (
        input: Tensor, slope: Tensor
    ) {
        KernelProfile.measure("prelu_backward") { Scalar.kernels.preluBackward(x, slope, dy) }
    }

    /// Softmax (or log-softmax) along `axis`, shifted by the maximum for stability.
    public static func softmax(_ x: Tensor, axis: Int, log: Bool = false) -> Tensor {
        KernelProfile.measure("softmax") { Scalar.kernels.softmax(x, axis, log) }
    }

    /// Backward of softmax (given its output) or log-softmax.
    public static func softmaxBackward(output y: Tensor, upstream dy: Tensor, axis: Int, log: Bool)
        -> Tensor
    {
        KernelProfile.measure("softmax_backward") {
            Scalar.kernels.softmaxBackward(y, dy, axis, log)
        }
    }

    /// Softmax cross-entropy of `logits[N, K]`, mean over the labelled samples (−1 = missing;
    /// 0 when none is labelled). Returns the loss, the labelled count and the log-probabilities.
    public static func crossEntropy(logits: Tensor, labels: [Int]) -> (
        loss: Scalar, labelled: Int, logProbabilities: Tensor
    ) {
        Scalar.kernels.crossEntropy(logits, labels)
    }

    /// Logits gradient of `crossEntropy` scaled by the upstream scalar `g`.
    public static func crossEntropyBackward(
        logProbabilities logp: Tensor, labels: [Int], upstream g: Scalar
    ) -> Tensor {
        Scalar.kernels.crossEntropyBackward(logp, labels, g)
    }

    /// Binary cross-entropy with logits, mean over all elements (stable form).
    public static func binaryCrossEntropyWithLogits(_ x: Tensor, targets t: Tensor) -> Scalar {
        Scalar.kernels.binaryCrossEntropy(x, t)
    }

    /// Gradients of `binaryCrossEntropyWithLogits` scaled by `g`.
    public static func binaryCrossEntropyWithLogitsBackward(
        _ x: Tensor, targets t: Tensor, upstream g: Scalar
    ) -> (logits: Tensor, targets: Tensor) {
        Scalar.kernels.binaryCrossEntropyBackward(x, t, g)
    }

    /// Concatenation along `axis` (axis 1 joins channels).
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        KernelProfile.measure("concat") { Scalar.kernels.concat(parts, axis) }
    }

    /// Splits along `axis` into pieces of the given sizes (the backward of `concat`).
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        KernelProfile.measure("split") { Scalar.kernels.split(self, sizes, axis) }
    }

    /// `x / max(‖x‖₂, eps)` along `axis` (PyTorch's `F.normalize`).
    public static func l2Normalized(_ x: Tensor, axis: Int, eps: Scalar) -> Tensor {
        KernelProfile.measure("l2_normalize") { Scalar.kernels.l2Normalized(x, axis, eps) }
    }

    /// Backward of `l2Normalized`.
    public static func l2NormalizedBackward(
        _ x: Tensor, upstream dy: Tensor, axis: Int, eps: Scalar
    ) -> Tensor {
        KernelProfile.measure("l2_normalize_backward") {
            Scalar.kernels.l2NormalizedBackward(x, dy, axis, eps)
        }
    }

    /// A dropout mask: each element kept with probability `1 − p` and scaled by `1/(1 − p)`,
    /// otherwise 0; drawn from `generator`.
    public static func dropoutMask(_ shape: [Int], p: Double, generator: inout RandomGenerator)
        -> Tensor
    {
        Scalar.kernels.dropoutMask(shape, p, &generator)
    }
}

extension Tensor where Scalar: TensorScalar {
    /// One Adam step on a parameter `value` with its moment estimates `m` and `v`.
    public static func adamUpdate(
        value: inout Tensor, m: inout Tensor, v: inout Tensor, gradient: Tensor,
        _ c: AdamCoefficients
    ) {
        precondition(
            value.shape == gradient.shape && m.shape == value.shape && v.shape == value.shape,
            "adamUpdate: parameter \(describe(value.shape)), gradient \(describe(gradient.shape)), "
                + "moments \(describe(m.shape)), \(describe(v.shape))"
        )
        KernelProfile.measure("adam") { Scalar.fused.adamUpdate(&value, &m, &v, gradient, c) }
    }
}

/// Multiply-adds of a convolution counted as two operations each: `2·N·Cout·Ho·Wo·Cin·kh·kw`.
func convolutionFlops(_ input: [Int], _ weight: [Int], _ stride: Int, _ padding: Int) -> Double {
    guard input.count == 4, weight.count == 4, stride > 0 else { return 0 }
    let ho = (input[2] + 2 * padding - weight[2]) / stride + 1,
        wo = (input[3] + 2 * padding - weight[3]) / stride + 1
    return 2 * Double(input[0]) * Double(weight[0]) * Double(ho * wo)
        * Double(weight[1] * weight[2] * weight[3])
}

extension Tensor where Scalar: TensorScalar {
    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor { binary(.add, a, b) }
    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor { binary(.sub, a, b) }
    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor { binary(.mul, a, b) }
    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor { binary(.div, a, b) }
    /// Adds a scalar to every element.
    public static func + (a: Tensor, s: Scalar) -> Tensor { pointwise(.shift(Double(s)), a) }
    /// Multiplies every element by a scalar.
    public static func * (a: Tensor, s: Scalar) -> Tensor { pointwise(.scale(Double(s)), a) }
    /// Multiplies every element by a scalar.
    public static func * (s: Scalar, a: Tensor) -> Tensor { pointwise(.scale(Double(s)), a) }
    /// Negates every element.
    public static prefix func - (a: Tensor) -> Tensor { pointwise(.negate, a) }
}

extension Tensor where Scalar: TensorScalar {
    /// Sum over the given axes (all axes when `axes` is nil).
    public func sum(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let axes = axes ?? Array(0..<rank)
        let kept = requireShapes { () throws(ShapeError) in
            try Tensor.reducedShape(shape, axes: axes, keepingDimensions: true)
        }
        let result = summed(toShape: kept)
        let final = requireShapes { () throws(ShapeError) in
            try Tensor.reducedShape(shape, axes: axes, keepingDimensions: keepingDimensions)
        }
        return result.reshaped(final)
    }

    /// Mean over the given axes (all axes when `axes` is nil).
    public func mean(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let s = sum(alongAxes: axes, keepingDimensions: keepingDimensions)
        let n = count / Swift.max(s.count, 1)
        return s * (1 / Scalar(n))
    }

    /// Expands `self` (a reduced shape with size-1 axes) back to `shape` by repetition: the
    /// table's broadcast product with ones, which is exact (`1·x = x` for every `x`,
    /// −0 included) and runs specialised for the scalar whatever generic code calls it.
    public func broadcast(to target: [Int]) -> Tensor {
        requireShapes { () throws(ShapeError) in
            guard try Shape.broadcast(shape, target, operation: "broadcast_to") == target else {
                throw ShapeError(
                    "broadcast_to", "\(describe(shape)) does not broadcast to \(describe(target))")
            }
        }
        return Tensor.binary(.mul, Tensor.ones(target), self)
    }
}

extension Tensor where Scalar: TensorScalar {
    /// Matrix product `op(a) · op(b)` of two rank-2 tensors through BLAS gemm, on as many
    /// threads as the product's size warrants.
    ///
    /// Shapes: `op(a)` is `[m, k]`, `op(b)` is `[k, n]`, the result `[m, n]`.
    public static func matmul(
        _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false
    ) -> Tensor {
        let (m, k, n) = requireShapes { () throws(ShapeError) in
            try matmulShape(a.shape, b.shape, transposeA: transposeA, transposeB: transposeB)
        }
        return KernelProfile.measure("matmul", flops: 2 * Double(m) * Double(n) * Double(k)) {
            BLASThreads.fit(m: m, n: n, k: k)
            return matmulKernel(
                a, b, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB)
        }
    }
}

/// A convolution's geometry in a profile: `N×C×H×W k3 s1 →Cout`.
func convolutionShape(_ input: [Int], _ weight: [Int], _ stride: Int) -> String {
    guard input.count == 4, weight.count == 4 else { return "" }
    return "\(input.map(String.init).joined(separator: "×")) k\(weight[2]) s\(stride) →\(weight[0])"
}

/// A binary op's profile key with `--by-shape`: the op and both operands' shapes.
func binaryShape(_ op: BinaryOperation, _ a: [Int], _ b: [Int]) -> String {
    "\(op) \(dims(a)) · \(dims(b))"
}

/// A shape as the profile prints it, `16×64×90×90`.
func dims(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }
