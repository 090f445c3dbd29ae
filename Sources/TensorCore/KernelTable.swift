import RealModule

/// Elementwise binary operations with broadcasting.
public enum BinaryOperation: Sendable, Equatable {
    case add, sub, mul, div
}

/// Unary pointwise maps.
public enum PointwiseOperation: Sendable, Equatable {
    case relu, sigmoid, exp, log, sqrt, square, negate
    case leakyRelu(slope: Double)
    case pow(Double)
    case scale(Double)
    case shift(Double)
}

/// Gradients of the pointwise maps: `saved` is the map's input `x` or its output `y`.
public enum PointwiseGradient: Sendable, Equatable {
    /// `g·[x > 0]` (saved: x).
    case relu
    /// `g·(x > 0 ? 1 : slope)` (saved: x).
    case leakyRelu(slope: Double)
    /// `g·y·(1 − y)` (saved: y).
    case sigmoid
    /// `g·y` (saved: y).
    case exp
    /// `g/x` (saved: x).
    case log
    /// `g/(2y)` (saved: y).
    case sqrt
    /// `g/(2y)` where `y > 0`, else 0: the square root inside a Euclidean norm, whose
    /// gradient at 0 is taken as 0 (as PyTorch's `vector_norm`) (saved: y).
    case sqrtOfNorm
    /// `2·g·x` (saved: x).
    case square
    /// `g·p·x^(p−1)` (saved: x).
    case pow(Double)
}

/// Every kernel of the tensor core, as closures made for one concrete scalar type.
///
/// Generic code above the core (autodiff, layers, the model) never knows whether it runs
/// in `Float` or `Double`, so a generic kernel called from there would run unspecialised,
/// boxing every element. Each scalar's conformance builds its table once with concrete
/// types (`Float.kernels`, `Double.kernels`), so every entry runs the kernel specialised,
/// while the kernel itself stays one generic code path.
public struct KernelTable<S: TensorScalar>: Sendable {
    let binary: @Sendable (BinaryOperation, Tensor<S>, Tensor<S>) -> Tensor<S>
    let pointwise: @Sendable (PointwiseOperation, Tensor<S>) -> Tensor<S>
    let pointwiseGradient: @Sendable (PointwiseGradient, Tensor<S>, Tensor<S>) -> Tensor<S>
    let summed: @Sendable (Tensor<S>, [Int]) -> Tensor<S>
    let addInPlace: @Sendable (inout Tensor<S>, Tensor<S>) -> Void
    let conv2d: @Sendable (Tensor<S>, Tensor<S>, Tensor<S>?, Int, Int) -> Tensor<S>
    let conv2dBackward: @Sendable (Tensor<S>, Tensor<S>, Tensor<S>, Int, Int, Bool, Bool, Bool) -> (input: Tensor<S>?, weight: Tensor<S>?, bias: Tensor<S>?)
    let maxPool2d: @Sendable (Tensor<S>, Int, Int, Int) -> (output: Tensor<S>, argmax: [Int32])
    let maxPool2dBackward: @Sendable (Tensor<S>, [Int32], [Int]) -> Tensor<S>
    let maxPool2dValues: @Sendable (Tensor<S>, Int, Int, Int) -> Tensor<S>
    let avgPool2d: @Sendable (Tensor<S>, Int, Int, Int) -> Tensor<S>
    let avgPool2dBackward: @Sendable (Tensor<S>, [Int], Int, Int, Int) -> Tensor<S>
    let adaptiveAvgPool2d: @Sendable (Tensor<S>, Int, Int) -> Tensor<S>
    let adaptiveAvgPool2dBackward: @Sendable (Tensor<S>, [Int]) -> Tensor<S>
    let channelStatistics: @Sendable (Tensor<S>) -> ChannelStatistics<S>
    let batchNormApply: @Sendable (Tensor<S>, [S], [S], Tensor<S>, Tensor<S>, S?) -> Tensor<S>
    let batchNormReductions: @Sendable (Tensor<S>, Tensor<S>, [S], [S]) -> (sumDy: [Double], sumDyXhat: [Double])
    let batchNormTrainingInputGradient: @Sendable (Tensor<S>, Tensor<S>, [S], [S], Tensor<S>, [Double], [Double]) -> Tensor<S>
    let scaledPerChannel: @Sendable (Tensor<S>, [S]) -> Tensor<S>
    let prelu: @Sendable (Tensor<S>, Tensor<S>) -> Tensor<S>
    let preluBackward: @Sendable (Tensor<S>, Tensor<S>, Tensor<S>) -> (input: Tensor<S>, slope: Tensor<S>)
    let softmax: @Sendable (Tensor<S>, Int, Bool) -> Tensor<S>
    let softmaxBackward: @Sendable (Tensor<S>, Tensor<S>, Int, Bool) -> Tensor<S>
    let crossEntropy: @Sendable (Tensor<S>, [Int]) -> (loss: S, labelled: Int, logProbabilities: Tensor<S>)
    let crossEntropyBackward: @Sendable (Tensor<S>, [Int], S) -> Tensor<S>
    let binaryCrossEntropy: @Sendable (Tensor<S>, Tensor<S>) -> S
    let binaryCrossEntropyBackward: @Sendable (Tensor<S>, Tensor<S>, S) -> (logits: Tensor<S>, targets: Tensor<S>)
    let concat: @Sendable ([Tensor<S>], Int) -> Tensor<S>
    let split: @Sendable (Tensor<S>, [Int], Int) -> [Tensor<S>]
    let l2Normalized: @Sendable (Tensor<S>, Int, S) -> Tensor<S>
    let l2NormalizedBackward: @Sendable (Tensor<S>, Tensor<S>, Int, S) -> Tensor<S>
    let dropoutMask: @Sendable ([Int], Double, inout RandomGenerator) -> Tensor<S>
    let adamUpdate: @Sendable (inout Tensor<S>, inout Tensor<S>, inout Tensor<S>, Tensor<S>, AdamCoefficients) -> Void

    /// The table of `S`; call it only where `S` is concrete (the conformances), so that the
    /// closures below are compiled for that type.
    @inline(__always)
    static func make() -> KernelTable {
        KernelTable(
            binary: { op, a, b in
                switch op {
                case .add: Tensor.broadcastingKernel(a, b, AddOperation.self)
                case .sub: Tensor.broadcastingKernel(a, b, SubtractOperation.self)
                case .mul: Tensor.broadcastingKernel(a, b, MultiplyOperation.self)
                case .div: Tensor.broadcastingKernel(a, b, DivideOperation.self)
                }
            },
            pointwise: { op, x in Tensor.pointwiseKernel(op, x) },
            pointwiseGradient: { op, g, saved in Tensor.pointwiseGradientKernel(op, g, saved) },
            summed: { t, shape in t.summedKernel(toShape: shape) },
            addInPlace: { t, other in t.addInPlaceKernel(other) },
            conv2d: { Tensor.conv2dKernel($0, weight: $1, bias: $2, stride: $3, padding: $4) },
            conv2dBackward: {
                Tensor.conv2dBackwardKernel($0, weight: $1, upstream: $2, stride: $3, padding: $4,
                                            needInput: $5, needWeight: $6, needBias: $7)
            },
            maxPool2d: { Tensor.maxPool2dKernel($0, kernel: $1, stride: $2, padding: $3) },
            maxPool2dBackward: { Tensor.maxPool2dBackwardKernel(upstream: $0, argmax: $1, inputShape: $2) },
            maxPool2dValues: { Tensor.maxPool2dValuesKernel($0, kernel: $1, stride: $2, padding: $3) },
            avgPool2d: { Tensor.avgPool2dKernel($0, kernel: $1, stride: $2, padding: $3) },
            avgPool2dBackward: { Tensor.avgPool2dBackwardKernel(upstream: $0, inputShape: $1, kernel: $2, stride: $3, padding: $4) },
            adaptiveAvgPool2d: { Tensor.adaptiveAvgPool2dKernel($0, outHeight: $1, outWidth: $2) },
            adaptiveAvgPool2dBackward: { Tensor.adaptiveAvgPool2dBackwardKernel(upstream: $0, inputShape: $1) },
            channelStatistics: { $0.channelStatisticsKernel() },
            batchNormApply: { Tensor.batchNormApplyKernel($0, mean: $1, invStd: $2, gamma: $3, beta: $4, preluSlope: $5) },
            batchNormReductions: { Tensor.batchNormReductionsKernel($0, upstream: $1, mean: $2, invStd: $3) },
            batchNormTrainingInputGradient: {
                Tensor.batchNormTrainingInputGradientKernel($0, upstream: $1, mean: $2, invStd: $3, gamma: $4, sumDy: $5, sumDyXhat: $6)
            },
            scaledPerChannel: { Tensor.scaledPerChannelKernel($0, $1) },
            prelu: { Tensor.preluKernel($0, slope: $1) },
            preluBackward: { Tensor.preluBackwardKernel($0, slope: $1, upstream: $2) },
            softmax: { Tensor.softmaxKernel($0, axis: $1, log: $2) },
            softmaxBackward: { Tensor.softmaxBackwardKernel(output: $0, upstream: $1, axis: $2, log: $3) },
            crossEntropy: { Tensor.crossEntropyKernel(logits: $0, labels: $1) },
            crossEntropyBackward: { Tensor.crossEntropyBackwardKernel(logProbabilities: $0, labels: $1, upstream: $2) },
            binaryCrossEntropy: { Tensor.binaryCrossEntropyWithLogitsKernel($0, targets: $1) },
            binaryCrossEntropyBackward: { Tensor.binaryCrossEntropyWithLogitsBackwardKernel($0, targets: $1, upstream: $2) },
            concat: { Tensor.concatKernel($0, axis: $1) },
            split: { $0.splitKernel(sizes: $1, axis: $2) },
            l2Normalized: { Tensor.l2NormalizedKernel($0, axis: $1, eps: $2) },
            l2NormalizedBackward: { Tensor.l2NormalizedBackwardKernel($0, upstream: $1, axis: $2, eps: $3) },
            dropoutMask: { Tensor.dropoutMaskKernel($0, p: $1, generator: &$2) },
            adamUpdate: { Tensor.adamUpdateKernel(value: &$0, m: &$1, v: &$2, gradient: $3, $4) }
        )
    }
}

extension Tensor {
    /// A unary pointwise map in a loop specialised for the operation.
    static func pointwiseKernel(_ op: PointwiseOperation, _ x: Tensor) -> Tensor {
        switch op {
        case .relu: return x.map { $0 > 0 ? $0 : 0 }
        case .sigmoid: return Tensor.sigmoidKernel(x)
        case .exp: return x.map { Scalar.exp($0) }
        case .log: return x.map { Scalar.log($0) }
        case .sqrt: return x.map { $0.squareRoot() }
        case .square: return x.map { $0 * $0 }
        case .negate: return x.map { -$0 }
        case .leakyRelu(let slope):
            let a = Scalar(slope)
            return x.map { $0 > 0 ? $0 : a * $0 }
        case .pow(let p):
            let e = Scalar(p)
            if p.rounded() == p && abs(p) < Double(1 << 30) {
                let n = Int(p)
                return x.map { Scalar.pow($0, n) }
            }
            return x.map { Scalar.pow($0, e) }
        case .scale(let s):
            let k = Scalar(s)
            return x.map { $0 * k }
        case .shift(let s):
            let k = Scalar(s)
            return x.map { $0 + k }
        }
    }

    /// The gradient of a pointwise map for upstream `g`.
    static func pointwiseGradientKernel(_ op: PointwiseGradient, _ g: Tensor, _ saved: Tensor) -> Tensor {
        switch op {
        case .relu: return g.zip(saved) { d, x in x > 0 ? d : 0 }
        case .leakyRelu(let slope):
            let a = Scalar(slope)
            return g.zip(saved) { d, x in x > 0 ? d : a * d }
        case .sigmoid: return g.zip(saved) { d, y in d * y * (1 - y) }
        case .exp: return g.zip(saved) { d, y in d * y }
        case .log: return g.zip(saved) { d, x in d / x }
        case .sqrt: return g.zip(saved) { d, y in d / (2 * y) }
        case .sqrtOfNorm: return g.zip(saved) { d, y in y > 0 ? d / (2 * y) : 0 }
        case .square: return g.zip(saved) { d, x in 2 * x * d }
        case .pow(let p):
            let e = Scalar(p)
            if (p - 1).rounded() == p - 1 && abs(p) < Double(1 << 30) {
                let n = Int(p) - 1
                return g.zip(saved) { d, x in d * e * Scalar.pow(x, n) }
            }
            return g.zip(saved) { d, x in d * e * Scalar.pow(x, e - 1) }
        }
    }
}

/// The per-step numbers of one Adam update (PyTorch's `torch.optim.Adam`).
public struct AdamCoefficients: Sendable {
    /// `lr / (1 − β1ᵗ)`.
    public var stepSize: Double
    /// `1 − β1`, `β2`, `1 − β2`.
    public var oneMinusBeta1: Double, beta2: Double, oneMinusBeta2: Double
    /// L2 weight decay added to the gradient.
    public var weightDecay: Double
    public var eps: Double
    /// `√(1 − β2ᵗ)`.
    public var correction2Root: Double

    public init(stepSize: Double, oneMinusBeta1: Double, beta2: Double, oneMinusBeta2: Double,
                weightDecay: Double, eps: Double, correction2Root: Double) {
        self.stepSize = stepSize
        self.oneMinusBeta1 = oneMinusBeta1
        self.beta2 = beta2
        self.oneMinusBeta2 = oneMinusBeta2
        self.weightDecay = weightDecay
        self.eps = eps
        self.correction2Root = correction2Root
    }
}

extension Tensor {
    /// One Adam update in place: `g ← g + wd·p`, `m ← m + (1 − β1)(g − m)`,
    /// `v ← β2·v + (1 − β2)·g²`, `p ← p − stepSize · m / (√v/√(1 − β2ᵗ) + eps)`.
    static func adamUpdateKernel(value: inout Tensor, m: inout Tensor, v: inout Tensor, gradient: Tensor, _ c: AdamCoefficients) {
        let stepSize = Scalar(c.stepSize), b1 = Scalar(c.oneMinusBeta1), b2 = Scalar(c.beta2), c2 = Scalar(c.oneMinusBeta2)
        let wd = Scalar(c.weightDecay), e = Scalar(c.eps), root = Scalar(c.correction2Root)
        value.storage.withUnsafeMutableBufferPointer { pv in
            m.storage.withUnsafeMutableBufferPointer { pm in
                v.storage.withUnsafeMutableBufferPointer { pvv in
                    gradient.storage.withUnsafeBufferPointer { pg in
                        guard pv.count > 0 else { return }
                        let (x, mean, square, g) = (SendableMutablePointer(pv.start), SendableMutablePointer(pm.start),
                                                    SendableMutablePointer(pvv.start), SendablePointer(pg.start))
                        ParallelWork.split(pv.count, elements: 4 * pv.count) { range in
                            let (pv, pm, pvv, pg) = (x.pointer, mean.pointer, square.pointer, g.pointer)
                            for i in range {
                                let grad = pg[i] + wd * pv[i]
                                pm[i] += b1 * (grad - pm[i])
                                pvv[i] = b2 * pvv[i] + c2 * grad * grad
                                pv[i] -= stepSize * pm[i] / (pvv[i].squareRoot() / root + e)
                            }
                        }
                    }
                }
            }
        }
    }
}
