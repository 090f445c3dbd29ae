import Autodiff
import Layers
import FastKernels
import TensorCore

/// A pre-activation residual block (He et al. 2016) as docs/MODEL.md pins it:
/// `o = PReLU(BN(x))`; `sc = Conv1×1(o)` when the shape changes, else `x`;
/// `o = Conv3×3(o)`; `o = Conv3×3(PReLU(BN(o)))`; return `o + sc`.
public struct PreActBlock<Scalar: TensorScalar>: Layer {
    /// The first BN → PReLU and the first 3×3 convolution.
    public let bn1: BatchNorm<Scalar>, prelu1: PReLU<Scalar>, conv1: Conv2d<Scalar>
    /// The second BN → PReLU and the second 3×3 convolution.
    public let bn2: BatchNorm<Scalar>, prelu2: PReLU<Scalar>, conv2: Conv2d<Scalar>
    /// The 1×1 convolution of the shortcut, when stride or channels change.
    public let shortcut: Conv2d<Scalar>?

    /// A block from `cin` to `cout` channels; the first convolution has `stride`.
    public init(_ cin: Int, _ cout: Int, stride: Int, generator: inout RandomGenerator) {
        bn1 = BatchNorm(cin)
        prelu1 = PReLU()
        conv1 = Conv2d(
            cin, cout, kernel: 3, stride: stride, padding: 1, bias: false, generator: &generator)
        bn2 = BatchNorm(cout)
        prelu2 = PReLU()
        conv2 = Conv2d(
            cout, cout, kernel: 3, stride: 1, padding: 1, bias: false, generator: &generator)
        shortcut =
            stride != 1 || cin != cout
            ? Conv2d(
                cin, cout, kernel: 1, stride: stride, padding: 0, bias: false, generator: &generator
            ) : nil
    }

    /// `conv2(PReLU(BN(conv1(o)))) + sc` with `o = PReLU(BN(x))`.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> Variable<Scalar> {
        let o = prelu1(bn1(x, mode: mode), mode: mode)
        let sc = shortcut.map { $0(o, mode: mode) } ?? x
        let h = conv1(o, mode: mode)
        return conv2(prelu2(bn2(h, mode: mode), mode: mode), mode: mode) + sc
    }

    /// Entries under the layer names (`bn1.`, `conv1.`, …, `shortcut.`).
    public func stateEntries() -> [StateEntry<Scalar>] {
        child("bn1", bn1) + child("prelu1", prelu1) + child("conv1", conv1) + child("bn2", bn2)
            + child("prelu2", prelu2) + child("conv2", conv2)
            + (shortcut.map { child("shortcut", $0) } ?? [])
    }
}

/// The PreAct ResNet-18 trunk (S_g, and the DFEM's shared layers), returning the five level
/// features `u_1…u_5` ([w, n], [w, n/2], [2w, n/4], [4w, n/8], [8w, n/16], each halving by
/// `ceil`).
public struct Trunk<Scalar: TensorScalar>: StateContainer {
    /// Conv3×3(3→w) → BN → PReLU.
    public let stem: Sequential<Scalar>
    /// Four stages of two blocks; the first block of each halves the size.
    public let stages: [Sequential<Scalar>]

    /// A trunk of width `w`.
    public init(width w: Int, generator: inout RandomGenerator) {
        stem = Sequential([
            (
                "conv",
                Conv2d<Scalar>(
                    3, w, kernel: 3, stride: 1, padding: 1, bias: false, generator: &generator)
            ),
            ("bn", BatchNorm<Scalar>(w)), ("prelu", PReLU<Scalar>()),
        ])
        let channels = [(w, w), (w, 2 * w), (2 * w, 4 * w), (4 * w, 8 * w)]
        var stages: [Sequential<Scalar>] = []
        for (cin, cout) in channels {
            let first = PreActBlock<Scalar>(cin, cout, stride: 2, generator: &generator)
            let second = PreActBlock<Scalar>(cout, cout, stride: 1, generator: &generator)
            stages.append(Sequential([("0", first), ("1", second)]))
        }
        self.stages = stages
    }

    /// The five level features.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> [Variable<Scalar>] {
        var levels = [stem(x, mode: mode)]
        for stage in stages { levels.append(stage(levels[levels.count - 1], mode: mode)) }
        return levels
    }

    /// Entries under `stem.` and `layer1.`…`layer4.`.
    public func stateEntries() -> [StateEntry<Scalar>] {
        child("stem", stem)
            + stages.enumerated().flatMap { child("layer\($0.offset + 1)", $0.element) }
    }
}
