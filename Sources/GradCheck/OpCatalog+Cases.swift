import FastKernels
import TensorCore

extension OpCase {
    /// Every op of the tensor core with autodiff, at small shapes chosen to reach each code
    /// path (broadcast kinds, strided and padded windows on odd sizes, grouped samples).
    public static let all: [OpCase] = [
        OpCase("add", "same shape", [.init("a", [2, 3, 4]), .init("b", [2, 3, 4])], .add),
        OpCase("add", "per-channel", [.init("a", [2, 3, 4, 5]), .init("b", [1, 3, 1, 1])], .add),
        OpCase("add", "scalar", [.init("a", [2, 3]), .init("b", [1])], .add),
        OpCase("sub", "broadcast [3,1]", [.init("a", [2, 3, 4]), .init("b", [3, 1])], .sub),
        OpCase("mul", "per-channel", [.init("a", [2, 3, 4, 5]), .init("b", [1, 3, 1, 1])], .mul),
        OpCase("mul", "same shape", [.init("a", [3, 4]), .init("b", [3, 4])], .mul),
        OpCase("div", "broadcast", [.init("a", [2, 3, 4]), .init("b", [1, 4], .positive)], .div),
        OpCase("matmul", "", [.init("a", [3, 4]), .init("b", [4, 5])], .matmul),
        OpCase(
            "linear", "bias", [.init("x", [4, 6]), .init("weight", [3, 6]), .init("bias", [3])],
            .linear(bias: true)),
        OpCase(
            "linear", "no bias", [.init("x", [2, 5]), .init("weight", [4, 5])], .linear(bias: false)
        ),
        OpCase(
            "conv2d", "3×3 s1 p1 bias",
            [.init("x", [2, 3, 7, 7]), .init("weight", [4, 3, 3, 3]), .init("bias", [4])],
            .conv2d(stride: 1, padding: 1, bias: true)),
        OpCase(
            "conv2d", "3×3 s1 p1, Winograd 11×9",
            [.init("x", [2, 2, 11, 9]), .init("weight", [3, 2, 3, 3]), .init("bias", [3])],
            .conv2d(stride: 1, padding: 1, bias: true, algorithm: .winograd)),
        OpCase(
            "conv2d", "3×3 s1 p0, Winograd 10×12",
            [.init("x", [3, 2, 10, 12]), .init("weight", [2, 2, 3, 3])],
            .conv2d(stride: 1, padding: 0, bias: false, algorithm: .winograd)),
        OpCase(
            "conv2d", "3×3 s1 p1, Winograd F(4×4) 11×9",
            [.init("x", [2, 2, 11, 9]), .init("weight", [3, 2, 3, 3]), .init("bias", [3])],
            .conv2d(stride: 1, padding: 1, bias: true, algorithm: .winograd4x4)),
        OpCase(
            "conv2d", "3×3 s1 p0, Winograd F(4×4) 10×14",
            [.init("x", [1, 3, 10, 14]), .init("weight", [2, 3, 3, 3])],
            .conv2d(stride: 1, padding: 0, bias: false, algorithm: .winograd4x4)),
        OpCase(
            "conv2d", "3×3 s2 p1, 23→12",
            [.init("x", [2, 2, 23, 23]), .init("weight", [3, 2, 3, 3])],
            .conv2d(stride: 2, padding: 1, bias: false)),
        OpCase(
            "conv2d", "1×1 s2 shortcut",
            [.init("x", [2, 3, 9, 9]), .init("weight", [4, 3, 1, 1])],
            .conv2d(stride: 2, padding: 0, bias: false)),
        OpCase(
            "conv2d", "1×1 s1 bias",
            [.init("x", [3, 4, 5, 5]), .init("weight", [2, 4, 1, 1]), .init("bias", [2])],
            .conv2d(stride: 1, padding: 0, bias: true)),
        OpCase(
            "conv2d", "2×2 s1 p0, 6×5",
            [.init("x", [1, 2, 6, 5]), .init("weight", [2, 2, 2, 2])],
            .conv2d(stride: 1, padding: 0, bias: false)),
        OpCase(
            "max_pool2d", "3 s2 p1, 23→12", [.init("x", [2, 2, 23, 23], .distinct)],
            .maxPool2d(kernel: 3, stride: 2, padding: 1)),
        OpCase(
            "max_pool2d", "2 s2, 7→3", [.init("x", [1, 2, 7, 7], .distinct)],
            .maxPool2d(kernel: 2, stride: 2, padding: 0)),
        OpCase(
            "avg_pool2d", "3 s2 p1, 9→5", [.init("x", [2, 2, 9, 9])],
            .avgPool2d(kernel: 3, stride: 2, padding: 1)),
        OpCase(
            "avg_pool2d", "2 s2, 8→4", [.init("x", [1, 3, 8, 8])],
            .avgPool2d(kernel: 2, stride: 2, padding: 0)),
        OpCase(
            "adaptive_avg_pool2d", "7×5 → 3×2", [.init("x", [2, 3, 7, 5])],
            .adaptiveAvgPool2d(height: 3, width: 2)),
        OpCase(
            "adaptive_avg_pool2d", "6×6 → 2×2", [.init("x", [1, 2, 6, 6])],
            .adaptiveAvgPool2d(height: 2, width: 2)),
        OpCase(
            "batch_norm2d", "train",
            [
                .init("x", [4, 3, 5, 5]), .init("weight", [3]), .init("bias", [3]),
                .init("running_mean", [3], .constant), .init("running_var", [3], .constantPositive)
            ],
            .batchNorm(training: true)),
        OpCase(
            "batch_norm2d", "eval",
            [
                .init("x", [2, 3, 4, 4]), .init("weight", [3]), .init("bias", [3]),
                .init("running_mean", [3], .constant), .init("running_var", [3], .constantPositive)
            ],
            .batchNorm(training: false)),
        OpCase(
            "batch_norm1d", "train",
            [
                .init("x", [6, 4]), .init("weight", [4]), .init("bias", [4]),
                .init("running_mean", [4], .constant), .init("running_var", [4], .constantPositive)
            ],
            .batchNorm(training: true)),
        OpCase(
            "batch_norm1d", "eval",
            [
                .init("x", [5, 4]), .init("weight", [4]), .init("bias", [4]),
                .init("running_mean", [4], .constant), .init("running_var", [4], .constantPositive)
            ],
            .batchNorm(training: false)),
        OpCase("relu", "", [.init("x", [2, 3, 4], .awayFromZero)], .relu),
        OpCase(
            "prelu", "shared slope",
            [.init("x", [2, 3, 4, 4], .awayFromZero), .init("weight", [1])], .prelu),
        OpCase(
            "prelu", "per channel", [.init("x", [2, 3, 4, 4], .awayFromZero), .init("weight", [3])],
            .prelu),
        OpCase("leaky_relu", "0.01", [.init("x", [3, 7], .awayFromZero)], .leakyRelu(slope: 0.01)),
        OpCase("sigmoid", "", [.init("x", [2, 3, 4])], .sigmoid),
        OpCase("tanh", "", [.init("x", [2, 3, 4])], .tanh),
        OpCase("softmax", "axis 1", [.init("x", [3, 5])], .softmax(axis: 1)),
        OpCase("softmax", "axis 1 of NCHW", [.init("x", [2, 4, 3, 3])], .softmax(axis: 1)),
        OpCase("log_softmax", "axis 1", [.init("x", [3, 5])], .logSoftmax(axis: 1)),
        OpCase("log_softmax", "last axis", [.init("x", [2, 3, 4])], .logSoftmax(axis: -1)),
        OpCase(
            "cross_entropy", "labels 1,−1,3,0,−1", [.init("logits", [5, 4])],
            .crossEntropy(labels: [1, -1, 3, 0, -1])),
        OpCase(
            "cross_entropy", "every label missing", [.init("logits", [3, 4])],
            .crossEntropy(labels: [-1, -1, -1])),
        OpCase(
            "bce_with_logits", "", [.init("logits", [6, 1]), .init("target", [6, 1], .probability)],
            .bceWithLogits),
        OpCase(
            "concat", "channels",
            [.init("a", [2, 3, 2, 2]), .init("b", [2, 1, 2, 2]), .init("c", [2, 2, 2, 2])],
            .concat(axis: 1)),
        OpCase("concat", "last axis", [.init("a", [2, 3]), .init("b", [2, 4])], .concat(axis: -1)),
        OpCase("sum", "all", [.init("x", [2, 3, 4])], .sum(axes: nil, keep: false)),
        OpCase("sum", "axes 0,2 keep", [.init("x", [2, 3, 4])], .sum(axes: [0, 2], keep: true)),
        OpCase("mean", "all", [.init("x", [2, 3, 4])], .mean(axes: nil, keep: false)),
        OpCase("mean", "axes 2,3", [.init("x", [2, 3, 4, 5])], .mean(axes: [2, 3], keep: false)),
        OpCase("square", "", [.init("x", [3, 4])], .square),
        OpCase("pow", "3", [.init("x", [3, 4])], .pow(3)),
        OpCase("pow", "0.5", [.init("x", [3, 4], .positive)], .pow(0.5)),
        OpCase("sqrt", "", [.init("x", [3, 4], .positive)], .sqrt),
        OpCase("exp", "", [.init("x", [3, 4])], .exp),
        OpCase("log", "", [.init("x", [3, 4], .positive)], .log),
        OpCase("l2_normalize", "axis 1", [.init("x", [3, 8])], .l2Normalize(axis: 1)),
        OpCase("l2_normalize", "axis 1 of NCHW", [.init("x", [2, 3, 2, 2])], .l2Normalize(axis: 1)),
        OpCase(
            "dropout", "train p=0.5", [.init("x", [4, 6])],
            .dropout(p: 0.5, training: true, seed: 7)),
        OpCase("dropout", "eval", [.init("x", [4, 6])], .dropout(p: 0.5, training: false, seed: 7)),
        OpCase("detach", "stop-gradient", [.init("x", [3, 4])], .detach),
        OpCase("element", "1 of [3]", [.init("x", [3])], .element(1)),
        OpCase("l2_norm", "axis 1", [.init("x", [3, 5])], .l2Norm(axes: [1])),
    ]
}
