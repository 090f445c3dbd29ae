import Foundation
import Testing
import FastKernels
import TensorCore

/// Kernels on tensors large enough to be split between two threads (`ParallelWork`), against
/// plain loops written here, and the branch-free `Float` sigmoid against the `Double` one.
@Suite("Kernels on large tensors")
struct LargeKernelTests {
    // [4, 8, 128, 128]: 524,288 elements, above ParallelWork.minimumElements.
    let shape = [4, 8, 128, 128]
    var planes: Int { shape[0] * shape[1] }
    var plane: Int { shape[2] * shape[3] }

    @Test func batchNormStatisticsAndApply() {
        var g = RandomGenerator(seed: 21)
        let x = Tensor<Double>.normal(shape, generator: &g)
        #expect(x.count >= ParallelWork.minimumElements)
        let stats = x.channelStatistics()
        let c = shape[1], p = x.scalars
        for ch in 0..<c {
            var values: [Double] = []
            for b in 0..<shape[0] { values += p[((b * c + ch) * plane)..<((b * c + ch + 1) * plane)] }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
            #expect(abs(stats.mean[ch] - mean) <= 1e-12)
            #expect(abs(stats.variance[ch] - variance) <= 1e-12 * variance)
        }
        let gamma = Tensor<Double>.normal([c], generator: &g), beta = Tensor<Double>.normal([c], generator: &g)
        let inv = stats.variance.map { 1 / ($0 + 1e-5).squareRoot() }
        let y = Tensor.batchNormApply(x, mean: stats.mean, invStd: inv, gamma: gamma, beta: beta)
        for i in stride(from: 0, to: x.count, by: 997) {
            let ch = (i / plane) % c
            let expected = (p[i] - stats.mean[ch]) * inv[ch] * gamma.scalars[ch] + beta.scalars[ch]
            #expect(abs(y.scalars[i] - expected) <= 1e-12 * max(1, abs(expected)))
        }
    }

    @Test func preluBackwardSumsTheSlopeGradientInPlaneOrder() {
        var g = RandomGenerator(seed: 22)
        let x = Tensor<Double>.normal(shape, generator: &g), dy = Tensor<Double>.normal(shape, generator: &g)
        let slope = Tensor<Double>(shape: [1], scalars: [0.25])
        let r = Tensor.preluBackward(x, slope: slope, upstream: dy)
        var expected = 0.0
        for i in 0..<x.count where x.scalars[i] <= 0 { expected += dy.scalars[i] * x.scalars[i] }
        #expect(abs(r.slope.scalars[0] - expected) <= 1e-10 * abs(expected))
        for i in stride(from: 0, to: x.count, by: 991) {
            #expect(r.input.scalars[i] == (x.scalars[i] > 0 ? dy.scalars[i] : 0.25 * dy.scalars[i]))
        }
        // The same call again gives the same bits (the split does not change the order).
        #expect(Tensor.preluBackward(x, slope: slope, upstream: dy).slope.scalars == r.slope.scalars)
    }

    @Test func floatSigmoidIsWithinTwoUlpOfTheDoubleOne() {
        var worst = 0.0
        var v: Float = -100
        while v <= 100 {
            let exact = 1 / (1 + exp(-Double(v)))
            let got = Double(fastSigmoid(v))
            if exact > 1e-37 { worst = max(worst, abs(got - exact) / exact) }
            v += 0.0137
        }
        #expect(worst <= 2.5e-7)
        #expect(fastSigmoid(0) == 0.5)
        #expect(fastSigmoid(.infinity) == 1)
        #expect(fastSigmoid(-.infinity) == 0)
        #expect(fastSigmoid(.nan).isNaN)
        // The tensor op uses it for Float, on two threads when large.
        var g = RandomGenerator(seed: 23)
        let x = Tensor<Float>.normal(shape, generator: &g)
        let y = Tensor.pointwise(.sigmoid, x)
        #expect(y.scalars == x.scalars.map(fastSigmoid))
    }

    @Test(arguments: [
        // [N, C, H, W], kernel, stride, padding: the DDL pool at odd and even sizes (large
        // enough to split), and other windows through the general path.
        ([4, 16, 90, 90], 3, 2, 1), ([2, 3, 90, 90], 3, 2, 1), ([2, 2, 6, 6], 3, 2, 1),
        ([2, 3, 45, 45], 3, 2, 1), ([1, 2, 7, 5], 3, 2, 1), ([1, 1, 3, 1], 3, 2, 1), ([1, 1, 1, 2], 3, 2, 1),
        ([2, 3, 7, 9], 2, 2, 0), ([1, 2, 11, 10], 4, 3, 2), ([1, 1, 5, 5], 3, 1, 1),
    ])
    func maxPoolValuesEqualTheRecordingKernel(shape: [Int], kernel: Int, stride: Int, padding: Int) {
        var g = RandomGenerator(seed: 24)
        var x = Tensor<Float>.normal(shape, generator: &g)
        let reference = Tensor.maxPool2d(x, kernel: kernel, stride: stride, padding: padding).output
        let valuesOnly = Tensor.maxPool2d(x, kernel: kernel, stride: stride, padding: padding, positions: false).output
        #expect(zip(valuesOnly.scalars, reference.scalars).filter { $0 != $1 }.count == 0)
        #expect(valuesOnly.count == reference.count)
        // A NaN wins its windows in both kernels.
        let nanAt = min(shape[3] + 2, x.count - 1)
        x = Tensor(shape: shape, scalars: x.scalars.enumerated().map { $0.offset == nanAt ? .nan : $0.element })
        let withNaN = Tensor.maxPool2d(x, kernel: kernel, stride: stride, padding: padding).output
        let values = Tensor.maxPool2d(x, kernel: kernel, stride: stride, padding: padding, positions: false).output
        #expect(withNaN.scalars.filter(\.isNaN).count >= 1)
        #expect(zip(values.scalars, withNaN.scalars).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }

    @Test(arguments: [[4, 16, 90, 90], [1, 2, 90, 90], [2, 2, 24, 31], [1, 1, 6, 6]])
    func maxPoolPositionsAreTheFirstMaximumInRowMajorOrder(shape: [Int]) {
        // Values from {0, 1, 2, 3}: most windows have ties.
        var g = RandomGenerator(seed: 25)
        let x = Tensor<Float>(shape: shape, scalars: Tensor<Float>.uniform(shape, low: 0, high: 4, generator: &g).scalars.map { $0.rounded(.down) })
        let (y, argmax) = Tensor.maxPool2d(x, kernel: 3, stride: 2, padding: 1)
        let (h, w) = (shape[2], shape[3]), (oh, ow) = ((shape[2] + 1) / 2, (shape[3] + 1) / 2)
        var mismatches = 0
        for p in 0..<(shape[0] * shape[1]) {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity, at = -1
                    for iy in max(2 * oy - 1, 0)..<min(2 * oy + 2, h) {
                        for ix in max(2 * ox - 1, 0)..<min(2 * ox + 2, w) where x.scalars[p * h * w + iy * w + ix] > best {
                            best = x.scalars[p * h * w + iy * w + ix]; at = iy * w + ix
                        }
                    }
                    let o = (p * oh + oy) * ow + ox
                    if y.scalars[o] != best || Int(argmax[o]) != at { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func broadcastingOnTwoThreadsMatchesPlainLoops() {
        var g = RandomGenerator(seed: 26)
        let a = Tensor<Double>.normal(shape, generator: &g), same = Tensor<Double>.normal(shape, generator: &g)
        let perChannel = Tensor<Double>.normal([1, shape[1], 1, 1], generator: &g)
        let scalar = Tensor<Double>(shape: [1], scalars: [1.5])
        let row = Tensor<Double>.normal([shape[3]], generator: &g)
        let c = shape[1]
        for i in stride(from: 0, to: a.count, by: 613) {
            let ch = (i / plane) % c
            #expect((a + same).scalars[i] == a.scalars[i] + same.scalars[i])
            #expect((a - perChannel).scalars[i] == a.scalars[i] - perChannel.scalars[ch])
            #expect((perChannel * a).scalars[i] == perChannel.scalars[ch] * a.scalars[i])
            #expect((a / scalar).scalars[i] == a.scalars[i] / 1.5)
            #expect((scalar - a).scalars[i] == 1.5 - a.scalars[i])
            #expect((scalar / a).scalars[i] == 1.5 / a.scalars[i])
            #expect((a + row).scalars[i] == a.scalars[i] + row.scalars[i % shape[3]])
        }
    }

    @Test func emptyTensorsGiveEmptyResults() {
        let x = Tensor<Float>.zeros([0, 3, 8, 8])
        #expect(Tensor.maxPool2d(x, kernel: 3, stride: 2, padding: 1).output.shape == [0, 3, 4, 4])
        #expect(Tensor.maxPool2d(x, kernel: 3, stride: 2, padding: 1, positions: false).output.shape == [0, 3, 4, 4])
        #expect(Tensor.maxPool2dBackward(upstream: Tensor<Float>.zeros([0, 3, 4, 4]), argmax: [], inputShape: [0, 3, 8, 8]).shape == [0, 3, 8, 8])
        let slope = Tensor<Float>(shape: [1], scalars: [0.25])
        #expect(Tensor.prelu(x, slope: slope).shape == x.shape)
        let r = Tensor.preluBackward(x, slope: slope, upstream: x)
        #expect(r.input.shape == x.shape && r.slope.scalars == [0])
        #expect(Tensor.pointwise(.sigmoid, x).count == 0)
        #expect((x + Tensor<Float>.zeros([1, 3, 1, 1])).shape == x.shape)
        let stats = x.channelStatistics()
        #expect(stats.count == 0 && stats.mean.count == 3)
        let gamma = Tensor<Float>.ones([3]), beta = Tensor<Float>.zeros([3])
        #expect(Tensor.batchNormApply(x, mean: [0, 0, 0], invStd: [1, 1, 1], gamma: gamma, beta: beta).shape == x.shape)
    }
}
