import Autodiff
import FastKernels
import TensorCore

/// How the values of a catalogue input are drawn.
public enum InputKind: Sendable {
    /// Standard normal.
    case normal
    /// Uniform in [0.5, 2] (for log, sqrt, divisors, variances).
    case positive
    /// Normal, pushed at least 0.1 away from 0 (for kinks at 0).
    case awayFromZero
    /// A random permutation of well-separated values (no ties, for max pooling).
    case distinct
    /// Uniform in [0, 1] (for BCE targets).
    case probability
    /// Uniform in [0.5, 2], not differentiated (running variances).
    case constantPositive
    /// Normal, not differentiated (running means).
    case constant
}

/// A named input of a catalogue case.
public struct InputSpec: Sendable {
    /// The input's name.
    public let name: String
    /// The input's shape.
    public let shape: [Int]
    /// How its values are drawn.
    public let kind: InputKind
    /// An input from its parts; standard normal by default.
    public init(_ name: String, _ shape: [Int], _ kind: InputKind = .normal) {
        self.name = name; self.shape = shape; self.kind = kind
    }
    var differentiable: Bool {
        switch kind {
        case .constant, .constantPositive: false
        default: true
        }
    }
}

/// The op a catalogue case runs, with its settings.
public enum CatalogOp: Sendable {
    /// Elementwise arithmetic and the matrix product.
    case add, sub, mul, div, matmul
    /// A fully connected layer, with or without bias.
    case linear(bias: Bool)
    /// A convolution as the model runs it, or, with `algorithm`, one fast algorithm forced
    /// whatever the size (how the fast kernels are held to central differences and to PyTorch).
    case conv2d(stride: Int, padding: Int, bias: Bool, algorithm: ConvolutionAlgorithm? = nil)
    /// Max pooling.
    case maxPool2d(kernel: Int, stride: Int, padding: Int)
    /// Average pooling.
    case avgPool2d(kernel: Int, stride: Int, padding: Int)
    /// Adaptive average pooling to `height × width`.
    case adaptiveAvgPool2d(height: Int, width: Int)
    /// Inputs: x, γ, β, running mean, running variance.
    case batchNorm(training: Bool)
    /// Activations.
    case relu, prelu, sigmoid, tanh
    /// Leaky ReLU with `slope`.
    case leakyRelu(slope: Double)
    /// Softmax and log-softmax along `axis`.
    case softmax(axis: Int), logSoftmax(axis: Int)
    /// Cross-entropy against `labels`.
    case crossEntropy(labels: [Int])
    /// Binary cross-entropy with logits.
    case bceWithLogits
    /// Concatenation along `axis`.
    case concat(axis: Int)
    /// Sum and mean over `axes` (nil: all), keeping them or not.
    case sum(axes: [Int]?, keep: Bool), mean(axes: [Int]?, keep: Bool)
    /// Elementwise square, square root, exponential and logarithm.
    case square, sqrt, exp, log
    /// Elementwise power.
    case pow(Double)
    /// L2 normalisation along `axis`.
    case l2Normalize(axis: Int)
    /// Dropout with probability `p` and masks from `seed`.
    case dropout(p: Double, training: Bool, seed: UInt64)
    /// Stop-gradient: the value passes, the gradient must be exactly zero.
    case detach
    /// One element of a rank-1 value.
    case element(Int)
    /// The Euclidean norm over axes.
    case l2Norm(axes: [Int])
}

/// One checked case: an op at given input shapes.
public struct OpCase: Sendable {
    /// The op's family name as `ddl gradcheck` lists it (e.g. `conv2d`).
    public let family: String
    /// What distinguishes this case (e.g. `3×3 s2 p1, 23→12`).
    public let detail: String
    /// The case's inputs, in order.
    public let inputs: [InputSpec]
    /// The op and its settings.
    public let op: CatalogOp

    /// A case from its parts.
    public init(_ family: String, _ detail: String, _ inputs: [InputSpec], _ op: CatalogOp) {
        self.family = family; self.detail = detail; self.inputs = inputs; self.op = op
    }

    /// `family (detail)`.
    public var name: String { detail.isEmpty ? family : "\(family) (\(detail))" }

    /// Draws the inputs in `Double` from `seed`.
    public func makeInputs(seed: UInt64 = 1) -> [CheckedInput] {
        var g = RandomGenerator(seed: seed)
        return inputs.map { spec in
            let t: Tensor<Double>
            switch spec.kind {
            case .normal, .constant:
                t = .normal(spec.shape, generator: &g)
            case .positive, .constantPositive:
                t = .uniform(spec.shape, low: 0.5, high: 2, generator: &g)
            case .probability:
                t = .uniform(spec.shape, low: 0, high: 1, generator: &g)
            case .awayFromZero:
                t = Tensor<Double>.normal(spec.shape, generator: &g).map {
                    $0 >= 0 ? $0 + 0.1 : $0 - 0.1
                }
            case .distinct:
                var order = Array(0..<Shape.count(spec.shape))
                order.shuffle(using: &g)
                t = Tensor(
                    shape: spec.shape,
                    scalars: order.map { Double($0) * 0.01 - Double(order.count) * 0.005 })
            }
            return CheckedInput(spec.name, t, differentiable: spec.differentiable)
        }
    }

    /// Runs the op on variables of any scalar type.
    public func run<S: TensorScalar>(_ x: [Variable<S>]) -> Variable<S> {
        switch op {
        case .add: return x[0] + x[1]
        case .sub: return x[0] - x[1]
        case .mul: return x[0] * x[1]
        case .div: return x[0] / x[1]
        case .matmul: return matmul(x[0], x[1])
        case .linear(let bias): return linear(x[0], weight: x[1], bias: bias ? x[2] : nil)
        case .conv2d(let s, let p, let bias, let algorithm):
            guard let algorithm else {
                return conv2d(x[0], weight: x[1], bias: bias ? x[2] : nil, stride: s, padding: p)
            }
            return forcedConvolution(
                x[0], weight: x[1], bias: bias ? x[2] : nil,
                ConvolutionSettings(stride: s, padding: p), algorithm)
        case .maxPool2d(let k, let s, let p):
            return maxPool2d(x[0], kernel: k, stride: s, padding: p)
        case .avgPool2d(let k, let s, let p):
            return avgPool2d(x[0], kernel: k, stride: s, padding: p)
        case .adaptiveAvgPool2d(let h, let w):
            return adaptiveAvgPool2d(x[0], outHeight: h, outWidth: w)
        case .batchNorm(let training):
            var mean = x[3].value, variance = x[4].value
            return batchNorm(
                x[0], gamma: x[1], beta: x[2], runningMean: &mean, runningVariance: &variance,
                training: training)
        case .relu: return x[0].relu()
        case .prelu: return prelu(x[0], slope: x[1])
        case .leakyRelu(let slope): return x[0].leakyRelu(slope: S(slope))
        case .sigmoid: return x[0].sigmoid()
        case .tanh: return x[0].tanh()
        case .softmax(let axis): return x[0].softmax(axis: axis)
        case .logSoftmax(let axis): return x[0].logSoftmax(axis: axis)
        case .crossEntropy(let labels): return crossEntropy(logits: x[0], labels: labels)
        case .bceWithLogits: return binaryCrossEntropyWithLogits(x[0], targets: x[1])
        case .concat(let axis): return concat(x, axis: axis)
        case .sum(let axes, let keep): return x[0].sum(alongAxes: axes, keepingDimensions: keep)
        case .mean(let axes, let keep): return x[0].mean(alongAxes: axes, keepingDimensions: keep)
        case .square: return x[0].squared()
        case .sqrt: return x[0].sqrt()
        case .exp: return x[0].exp()
        case .log: return x[0].log()
        case .pow(let p): return x[0].pow(S(p))
        case .l2Normalize(let axis): return x[0].l2Normalized(axis: axis)
        case .dropout(let p, let training, let seed):
            var g = RandomGenerator(seed: seed)
            return x[0].dropout(p: p, training: training, generator: &g)
        case .detach: return x[0].detached()
        case .element(let i): return x[0].element(at: i)
        case .l2Norm(let axes): return x[0].l2Norm(alongAxes: axes)
        }
    }
}

/// A convolution node whose forward and backward run the fast kernels with `algorithm`
/// forced: the checking tools' way to reach a fast path the choice would not take at the
/// case's size. The model's own `conv2d` never names an algorithm.
func forcedConvolution<S: TensorScalar>(
    _ x: Variable<S>, weight: Variable<S>, bias: Variable<S>?, _ c: ConvolutionSettings,
    _ algorithm: ConvolutionAlgorithm
) -> Variable<S> {
    let (input, w) = (x.value, weight.value)
    let y = Tensor.conv2dFast(input, weight: w, bias: bias?.value, c, algorithm: algorithm)
    let parents = bias.map { [x, weight, $0] } ?? [x, weight]
    return Variable.record("conv2d", value: y, parents: parents) { g, needs in
        var asked: ConvolutionGradients = []
        if needs[0] { asked.insert(.input) }
        if needs[1] { asked.insert(.weight) }
        if needs.count > 2 && needs[2] { asked.insert(.bias) }
        let r = Tensor.conv2dBackwardFast(
            input, weight: w, upstream: g, c, asked, algorithm: algorithm)
        return bias == nil ? [r.input, r.weight] : [r.input, r.weight, r.bias]
    }
}
