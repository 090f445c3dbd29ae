import Autodiff
import GradCheck
import FastKernels
import TensorCore

/// The settings an op fixture's `config` may carry.
struct OpConfig: Decodable {
    var stride: Int?
    var padding: Int?
    var kernel: Int?
    var output: [Int]?
    var axis: Int?
    var axes: [Int]?
    var keep: Bool?
    var slope: Double?
    var exponent: Double?
    var eps: Double?
    var p: Double?
    var training: Bool?
    var momentum: Double?
    /// `"winograd"` or `"unfold"`: the convolution algorithm the Swift side runs the fixture
    /// with (PyTorch ignores it); automatic when absent.
    var algorithm: String?
}

/// Runs the ops of the tensor core through the same `OpCase` code path as the gradient checks.
struct OpRunner: ComponentRunner {
    let components = [
        "add", "sub", "mul", "div", "matmul", "linear", "conv2d", "max_pool2d", "avg_pool2d",
        "adaptive_avg_pool2d", "relu", "prelu", "leaky_relu", "sigmoid", "softmax", "log_softmax",
        "cross_entropy", "bce_with_logits", "concat", "sum", "mean", "square", "pow", "sqrt", "exp",
        "log", "l2_normalize", "dropout",
    ]

    func op(_ fixture: Fixture, hasBias: Bool) throws -> CatalogOp {
        let c = try fixture.config(OpConfig.self)
        func need<T>(_ value: T?, _ key: String) throws -> T {
            guard let value else {
                throw fixture.error("/@config", "\(fixture.component) needs '\(key)'")
            }
            return value
        }
        switch fixture.component {
        case "add": return .add
        case "sub": return .sub
        case "mul": return .mul
        case "div": return .div
        case "matmul": return .matmul
        case "linear": return .linear(bias: hasBias)
        case "conv2d":
            let algorithm: ConvolutionAlgorithm?
            switch c.algorithm {
            case nil: algorithm = nil
            case "winograd": algorithm = .winograd
            case "winograd4x4": algorithm = .winograd4x4
            case "unfold": algorithm = .unfold
            case let other?:
                throw fixture.error(
                    "/@config",
                    "unknown convolution algorithm '\(other)' (winograd, winograd4x4 or unfold)")
            }
            return .conv2d(
                stride: c.stride ?? 1, padding: c.padding ?? 0, bias: hasBias, algorithm: algorithm)
        case "max_pool2d":
            return .maxPool2d(
                kernel: try need(c.kernel, "kernel"), stride: try need(c.stride, "stride"),
                padding: c.padding ?? 0)
        case "avg_pool2d":
            return .avgPool2d(
                kernel: try need(c.kernel, "kernel"), stride: try need(c.stride, "stride"),
                padding: c.padding ?? 0)
        case "adaptive_avg_pool2d":
            let o = try need(c.output, "output")
            guard o.count == 2 else {
                throw fixture.error("/@config", "'output' must be [height, width]")
            }
            return .adaptiveAvgPool2d(height: o[0], width: o[1])
        case "relu": return .relu
        case "prelu": return .prelu
        case "leaky_relu": return .leakyRelu(slope: c.slope ?? 0.01)
        case "sigmoid": return .sigmoid
        case "softmax": return .softmax(axis: try need(c.axis, "axis"))
        case "log_softmax": return .logSoftmax(axis: try need(c.axis, "axis"))
        case "cross_entropy": return .crossEntropy(labels: try fixture.integers("inputs", "labels"))
        case "bce_with_logits": return .bceWithLogits
        case "concat": return .concat(axis: try need(c.axis, "axis"))
        case "sum": return .sum(axes: c.axes, keep: c.keep ?? false)
        case "mean": return .mean(axes: c.axes, keep: c.keep ?? false)
        case "square": return .square
        case "pow": return .pow(try need(c.exponent, "exponent"))
        case "sqrt": return .sqrt
        case "exp": return .exp
        case "log": return .log
        case "l2_normalize": return .l2Normalize(axis: try need(c.axis, "axis"))
        case "dropout": return .dropout(p: c.p ?? 0.5, training: c.training ?? false, seed: 0)
        default: throw fixture.error("/@component", "no op runner for '\(fixture.component)'")
        }
    }

    /// Checks the inputs' shapes with the core's validators, so a corrupt fixture is an error
    /// naming the file instead of a stopped program.
    func validate(_ fixture: Fixture, _ op: CatalogOp, _ shapes: [[Int]]) throws {
        func need(_ n: Int) throws {
            guard shapes.count >= n else {
                throw fixture.error(
                    "/inputs", "\(fixture.component) needs \(n) inputs, found \(shapes.count)")
            }
        }
        do {
            switch op {
            case .add, .sub, .mul, .div:
                try need(2);
                _ = try Shape.broadcast(shapes[0], shapes[1], operation: fixture.component)
            case .matmul:
                try need(2);
                _ = try Tensor<Double>.matmulShape(
                    shapes[0], shapes[1], transposeA: false, transposeB: false)
            case .linear(let bias):
                try need(bias ? 3 : 2)
                _ = try Tensor<Double>.matmulShape(
                    shapes[0], shapes[1], transposeA: false, transposeB: true)
                if bias, shapes[2] != [shapes[1][0]] {
                    throw ShapeError(
                        "linear",
                        "bias \(describe(shapes[2])) does not match weight \(describe(shapes[1]))")
                }
            case .conv2d(let stride, let padding, let bias, _):
                try need(bias ? 3 : 2)
                let g = try Conv2dGeometry(
                    input: shapes[0], weight: shapes[1], stride: stride, padding: padding)
                if bias, shapes[2] != [g.outChannels] {
                    throw ShapeError(
                        "conv2d",
                        "bias \(describe(shapes[2])) does not match weight \(describe(shapes[1]))")
                }
            case .maxPool2d(let k, let s, let p), .avgPool2d(let k, let s, let p):
                try need(1);
                _ = try Tensor<Double>.poolGeometry(
                    shapes[0], kernel: k, stride: s, padding: p, operation: fixture.component)
            case .adaptiveAvgPool2d:
                try need(1)
                guard shapes[0].count == 4 else {
                    throw ShapeError(
                        fixture.component, "needs [N, C, H, W], got \(describe(shapes[0]))")
                }
            case .prelu:
                try need(2);
                try Tensor<Double>.validatePReLU(shapes[0], slopes: shapes[1].reduce(1, *))
            case .concat(let axis):
                try need(1); _ = try Tensor<Double>.concatShape(shapes, axis: axis)
            case .softmax(let axis), .logSoftmax(let axis), .l2Normalize(let axis):
                try need(1);
                _ = try Shape.axis(axis, rank: shapes[0].count, operation: fixture.component)
            case .crossEntropy(let labels):
                try need(1)
                guard shapes[0].count == 2, shapes[0][0] == labels.count else {
                    throw ShapeError(
                        "cross_entropy",
                        "logits \(describe(shapes[0])) need [N, K] with N = \(labels.count) labels")
                }
                try Tensor<Double>.validateLabels(labels, classes: shapes[0][1])
            case .bceWithLogits:
                try need(2)
                guard shapes[0] == shapes[1] else {
                    throw ShapeError(
                        "bce_with_logits",
                        "logits \(describe(shapes[0])) and targets \(describe(shapes[1])) differ")
                }
            case .sum(let axes, _), .mean(let axes, _):
                try need(1);
                _ = try Tensor<Double>.reducedShape(
                    shapes[0], axes: axes ?? [], keepingDimensions: true)
            default:
                try need(1)
            }
        } catch let e as ShapeError {
            throw fixture.error("/inputs", e.description)
        } catch let e as LabelError {
            throw fixture.error("/inputs/labels", e.description)
        }
    }

    func run<S: TensorScalar>(_ fixture: Fixture, as: S.Type) throws -> ComponentRun<S> {
        let leaves = try fixture.inputLeaves(as: S.self)
        let op = try op(fixture, hasBias: leaves.contains { $0.name == "bias" })
        try validate(fixture, op, leaves.map(\.leaf.shape))
        var run = ComponentRun<S>()
        for (name, leaf) in leaves { run.inputs[name] = leaf }
        run.outputs["output"] = OpCase(fixture.component, "", [], op).run(leaves.map(\.leaf))
        return run
    }
}

/// Batch norm as a layer: parameters `weight`, `bias`; buffers `running_mean`, `running_var`.
struct BatchNormRunner: ComponentRunner {
    let components = ["batch_norm"]

    func run<S: TensorScalar>(_ fixture: Fixture, as: S.Type) throws -> ComponentRun<S> {
        let c = try fixture.config(OpConfig.self)
        guard let training = c.training else {
            throw fixture.error("/@config", "batch_norm needs 'training'")
        }
        var run = ComponentRun<S>()
        let x = try fixture.inputLeaves(as: S.self)
        guard let input = x.first else {
            throw fixture.error("/inputs", "batch_norm needs an input")
        }
        run.inputs[input.name] = input.leaf
        run.parameters = try fixture.parameterLeaves(as: S.self)
        guard let gamma = run.parameters["weight"], let beta = run.parameters["bias"] else {
            throw fixture.error("/parameters", "batch_norm needs 'weight' and 'bias'")
        }
        var mean = try fixture.tensor("buffers", "running_mean", as: S.self)
        var variance = try fixture.tensor("buffers", "running_var", as: S.self)
        let channels = gamma.value.count
        do {
            try Tensor<S>.validateBatchNorm(input.leaf.shape, channels: channels)
            guard beta.value.count == channels, mean.count == channels, variance.count == channels
            else {
                throw ShapeError(
                    "batch_norm",
                    "weight \(describe(gamma.shape)), bias \(describe(beta.shape)), running_mean "
                        + "\(describe(mean.shape)), running_var \(describe(variance.shape)) must "
                        + "all have \(channels) channels"
                )
            }
        } catch let e as ShapeError {
            throw fixture.error("/", e.description)
        }
        run.outputs["output"] = batchNorm(
            input.leaf, gamma: gamma, beta: beta, runningMean: &mean, runningVariance: &variance,
            training: training, momentum: S(c.momentum ?? 0.1), eps: S(c.eps ?? 1e-5))
        run.buffersAfter = ["running_mean": mean, "running_var": variance]
        return run
    }
}
