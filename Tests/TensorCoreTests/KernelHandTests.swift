import Testing
import FastKernels
import TensorCore

/// Tiny cases worked out by hand, one or more per kernel.
@Suite("Kernels on hand-computed cases")
struct KernelHandTests {
    func close(_ a: Tensor<Double>, _ b: [Double], atol: Double = 1e-9) -> Bool {
        compare(a, Tensor(shape: a.shape, scalars: b), atol: atol, rtol: 0).passed
    }

    @Test func broadcastingKinds() {
        let a = Tensor<Double>(shape: [1, 2, 2, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        let perChannel = Tensor<Double>(shape: [1, 2, 1, 1], scalars: [10, 20])
        #expect((a + perChannel).scalars == [11, 12, 13, 14, 25, 26, 27, 28])
        #expect((a * Tensor(shape: [1], scalars: [2])).scalars == [2, 4, 6, 8, 10, 12, 14, 16])
        let row = Tensor<Double>(shape: [2], scalars: [1, -1])
        #expect((a - row).scalars == [0, 3, 2, 5, 4, 7, 6, 9])
        #expect((a / a).scalars.allSatisfy { $0 == 1 })
        #expect((a + perChannel).summed(toShape: [1, 2, 1, 1]).scalars == [50, 106])
    }

    @Test func broadcastValidationNamesBothShapes() {
        #expect(throws: ShapeError("add", "shapes [2, 3] and [4] do not broadcast")) {
            try Shape.broadcast([2, 3], [4], operation: "add")
        }
    }

    @Test func reductions() {
        let x = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(x.sum().scalar == 21)
        #expect(x.sum(alongAxes: [0]).scalars == [5, 7, 9])
        #expect(x.sum(alongAxes: [1], keepingDimensions: true).shape == [2, 1])
        #expect(x.mean(alongAxes: [1]).scalars == [2, 5])
        #expect(x.mean().scalar == 3.5)
    }

    @Test func matmulAndTranspose() {
        let a = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor<Double>(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        #expect(Tensor.matmul(a, b).scalars == [58, 64, 139, 154])
        #expect(Tensor.matmul(a, a, transposeB: true).scalars == [14, 32, 32, 77])
        #expect(Tensor.matmul(a, a, transposeA: true).shape == [3, 3])
        #expect(a.transposed().scalars == [1, 4, 2, 5, 3, 6])
        #expect(throws: ShapeError.self) { try Tensor<Double>.matmulShape([2, 3], [2, 3], transposeA: false, transposeB: false) }
    }

    @Test func conv2dForwardAndBackward() {
        let x = Tensor<Double>(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let w = Tensor<Double>(shape: [1, 1, 2, 2], scalars: [1, 0, 0, -1])
        let y = Tensor.conv2d(x, weight: w, bias: Tensor(shape: [1], scalars: [0.5]))
        #expect(y.shape == [1, 1, 2, 2])
        #expect(y.scalars == [-3.5, -3.5, -3.5, -3.5])
        let strided = Tensor.conv2d(x, weight: w, bias: nil, stride: 2, padding: 1)
        #expect(strided.scalars == [-1, -3, -7, -4])
        let g = Tensor.conv2dBackward(x, weight: w, upstream: Tensor<Double>.ones([1, 1, 2, 2]), stride: 1, padding: 0,
                                      needInput: true, needWeight: true, needBias: true)
        #expect(g.weight?.scalars == [12, 16, 24, 28])
        #expect(g.input?.scalars == [1, 1, 0, 1, 0, -1, 0, -1, -1])
        #expect(g.bias?.scalars == [4])
    }

    @Test func conv2dGroupsSamplesIntoOneProduct() {
        // Two samples, two channels, 1×1: y[n, o] = Σ_c w[o, c]·x[n, c].
        let x = Tensor<Double>(shape: [2, 2, 1, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        let w = Tensor<Double>(shape: [1, 2, 1, 1], scalars: [1, 10])
        #expect(Tensor.conv2d(x, weight: w, bias: nil).scalars == [31, 42, 75, 86])
    }

    @Test func conv2dGeometryRejectsMismatches() {
        #expect(throws: ShapeError("conv2d", "input [1, 3, 8, 8] has 3 channels, weight [4, 2, 3, 3] expects 2")) {
            try Conv2dGeometry(input: [1, 3, 8, 8], weight: [4, 2, 3, 3], stride: 1, padding: 1)
        }
        #expect(throws: ShapeError.self) { try Conv2dGeometry(input: [1, 3, 2, 2], weight: [4, 3, 5, 5], stride: 1, padding: 0) }
        let g = try? Conv2dGeometry(input: [1, 1, 23, 23], weight: [1, 1, 3, 3], stride: 2, padding: 1)
        #expect(g?.outHeight == 12)
    }

    @Test func maxPool() {
        let x = Tensor<Double>(shape: [1, 1, 4, 4], scalars: (0..<16).map(Double.init))
        #expect(Tensor.maxPool2d(x, kernel: 2, stride: 2).output.scalars == [5, 7, 13, 15])
        let padded = Tensor.maxPool2d(x, kernel: 3, stride: 2, padding: 1)
        #expect(padded.output.scalars == [5, 7, 13, 15])
        let o = Tensor<Double>(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 9, 6, 7, 8, 5])
        let r = Tensor.maxPool2d(o, kernel: 2, stride: 1)
        #expect(r.output.scalars == [9, 9, 9, 9])
        let dx = Tensor.maxPool2dBackward(upstream: Tensor<Double>.ones([1, 1, 2, 2]), argmax: r.argmax, inputShape: o.shape)
        #expect(dx.scalars == [0, 0, 0, 0, 4, 0, 0, 0, 0])
        #expect(Tensor<Double>.adaptiveBins(inSize: 23, outSize: 12).count == 12)
        // A NaN wins its window, as in PyTorch; other windows are unaffected.
        let withNaN = Tensor<Double>(shape: [1, 1, 2, 4], scalars: [1, .nan, 5, 6, 3, 4, 7, 8])
        let pooled = Tensor.maxPool2d(withNaN, kernel: 2, stride: 2).output.scalars
        #expect(pooled[0].isNaN && pooled[1] == 8)
        let odd = Tensor.maxPool2d(Tensor<Double>.zeros([1, 1, 23, 23]), kernel: 3, stride: 2, padding: 1)
        #expect(odd.output.shape == [1, 1, 12, 12])
    }

    @Test func averagePools() {
        let x = Tensor<Double>(shape: [1, 1, 4, 4], scalars: (0..<16).map(Double.init))
        #expect(Tensor.avgPool2d(x, kernel: 2, stride: 2).scalars == [2.5, 4.5, 10.5, 12.5])
        #expect(close(Tensor.avgPool2d(x, kernel: 3, stride: 2, padding: 1).reshaped([4]).split(sizes: [1, 3], axis: 0)[0], [10.0 / 9]))
        let dx = Tensor.avgPool2dBackward(upstream: Tensor<Double>.ones([1, 1, 2, 2]), inputShape: x.shape, kernel: 2, stride: 2, padding: 0)
        #expect(dx.scalars.allSatisfy { $0 == 0.25 })
        let y = Tensor<Double>(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        #expect(Tensor.adaptiveAvgPool2d(y, outHeight: 2, outWidth: 2).scalars == [3, 4, 6, 7])
        #expect(Tensor.adaptiveAvgPool2d(y, outHeight: 1, outWidth: 1).scalars == [5])
        #expect(Tensor<Double>.adaptiveBins(inSize: 5, outSize: 3) == [0..<2, 1..<4, 3..<5])
    }

    @Test func batchNormTrainingAndRunningStatistics() {
        let x = Tensor<Double>(shape: [2, 1, 1, 1], scalars: [1, 3])
        let stats = x.channelStatistics()
        #expect(stats.mean == [2])
        #expect(stats.variance == [1])
        #expect(stats.unbiasedVariance == [2])
        let invStd = stats.variance.map { 1 / ($0 + 1e-5).squareRoot() }
        let y = Tensor.batchNormApply(x, mean: stats.mean, invStd: invStd,
                                      gamma: Tensor(shape: [1], scalars: [2]), beta: Tensor(shape: [1], scalars: [0.5]))
        #expect(close(y, [-1.5, 2.5], atol: 1e-4))
        var rm = Tensor<Double>.zeros([1]), rv = Tensor<Double>.ones([1])
        Tensor.updateRunningStatistics(mean: &rm, variance: &rv, batch: stats, momentum: 0.1)
        #expect(close(rm, [0.2]))
        #expect(close(rv, [1.1]))
    }

    @Test func activations() {
        let x = Tensor<Double>(shape: [1, 2, 1, 1], scalars: [-2, 3])
        #expect(Tensor.prelu(x, slope: Tensor(shape: [1], scalars: [0.25])).scalars == [-0.5, 3])
        #expect(Tensor.prelu(x, slope: Tensor(shape: [2], scalars: [0.5, 0.1])).scalars == [-1, 3])
        let g = Tensor.preluBackward(x, slope: Tensor(shape: [1], scalars: [0.25]), upstream: Tensor<Double>.ones([1, 2, 1, 1]))
        #expect(g.input.scalars == [0.25, 1])
        #expect(g.slope.scalars == [-2])
        #expect(Tensor<Double>.sigmoid(0) == 0.5)
        #expect(Tensor<Double>.sigmoid(-800) == 0)
        #expect(Tensor<Double>.sigmoid(800) == 1)
        #expect(throws: ShapeError.self) { try Tensor<Double>.validatePReLU([1, 2, 1, 1], slopes: 3) }
    }

    @Test func softmaxAndLosses() {
        let logits = Tensor<Double>(shape: [2, 2], scalars: [0, Double.log(3), 5, 5])
        #expect(close(Tensor.softmax(logits, axis: 1), [0.25, 0.75, 0.5, 0.5]))
        #expect(close(Tensor.softmax(logits, axis: 1, log: true), [Double.log(0.25), Double.log(0.75), Double.log(0.5), Double.log(0.5)]))
        let ce = Tensor.crossEntropy(logits: logits, labels: [1, -1])
        #expect(abs(ce.loss + Double.log(0.75)) < 1e-12)
        #expect(ce.labelled == 1)
        let dce = Tensor.crossEntropyBackward(logProbabilities: ce.logProbabilities, labels: [1, -1], upstream: 1)
        #expect(close(dce, [0.25, -0.25, 0, 0]))
        #expect(Tensor.crossEntropy(logits: logits, labels: [-1, -1]).loss == 0)
        #expect(throws: LabelError(label: 2, index: 1, classes: 2)) { try Tensor<Double>.validateLabels([0, 2], classes: 2) }
        let bce = Tensor.binaryCrossEntropyWithLogits(Tensor<Double>(shape: [2], scalars: [0, 0]), targets: Tensor(shape: [2], scalars: [1, 0]))
        #expect(abs(bce - Double.log(2)) < 1e-12)
        let stable = Tensor.binaryCrossEntropyWithLogits(Tensor<Double>(shape: [1], scalars: [-1000]), targets: Tensor(shape: [1], scalars: [0]))
        #expect(stable == 0)
    }

    @Test func concatSplitNormalizeDropout() {
        let a = Tensor<Double>(shape: [2, 1], scalars: [1, 2]), b = Tensor<Double>(shape: [2, 2], scalars: [3, 4, 5, 6])
        let c = Tensor.concat([a, b], axis: 1)
        #expect(c.scalars == [1, 3, 4, 2, 5, 6])
        let parts = c.split(sizes: [1, 2], axis: 1)
        #expect(parts[0] == a && parts[1] == b)
        #expect(throws: ShapeError.self) { try Tensor<Double>.concatShape([[2, 1], [3, 1]], axis: 1) }
        let v = Tensor<Double>(shape: [1, 2], scalars: [3, 4])
        #expect(close(Tensor.l2Normalized(v, axis: 1, eps: 1e-12), [0.6, 0.8]))
        #expect(Tensor.l2Normalized(Tensor<Double>.zeros([1, 2]), axis: 1, eps: 1e-12).scalars == [0, 0])
        var g1 = RandomGenerator(seed: 9), g2 = RandomGenerator(seed: 9)
        let m1 = Tensor<Double>.dropoutMask([1000], p: 0.5, generator: &g1)
        #expect(m1 == Tensor<Double>.dropoutMask([1000], p: 0.5, generator: &g2))
        #expect(m1.scalars.allSatisfy { $0 == 0 || $0 == 2 })
        let kept = m1.scalars.filter { $0 == 2 }.count
        #expect(kept > 430 && kept < 570)
    }
}
