import Testing
import FastKernels
import TensorCore

/// Every kernel `Float`'s table takes from the fast layer, held against the reference kernel
/// of the tensor core: in Float and in Double (each fast kernel is generic, so its Double form
/// is checked even though Double runs the reference), on odd shapes, at the sizes where a
/// fast path switches on (Winograd's 36-output maps and 8 channels, F(4×4, 3×3)'s 32
/// channels at 12×12, Float's tile transforms eight tiles at a time on rows of 8 or more,
/// the SIMD pool's ten output columns, two-thread work from `ParallelWork.minimumElements`),
/// with one thread and with two forced (`KernelThreads.with`), so both paths run on any
/// machine.
@Suite("Fast kernels against the reference")
struct FastVersusReferenceTests {
    static let threadCounts = [1, 2]

    func reference<S: TensorScalar>(_: S.Type) -> KernelTable<S> { S.referenceKernels(split: .serial) }

    /// Central shapes: odd sizes, part tiles, single samples, the switch points.
    static let convolutionCases: [([Int], Int, Int, Int)] = [
        // [N, C, H, W], Cout, kernel, stride
        ([2, 3, 7, 9], 4, 3, 1), ([3, 32, 8, 8], 5, 3, 1), ([1, 33, 11, 9], 3, 3, 1),
        ([5, 2, 13, 8], 2, 3, 2), ([2, 6, 12, 12], 7, 1, 1), ([3, 4, 33, 33], 3, 1, 1),
        ([2, 5, 9, 10], 3, 5, 2), ([4, 40, 12, 12], 8, 3, 1), ([3, 8, 6, 6], 5, 3, 1),
        ([2, 9, 13, 12], 4, 3, 1), ([2, 8, 9, 33], 5, 3, 1),  // the last: rows of 17 and 9 tiles
        // Output planes of 4,224 and 4,160 (from `Conv2dGeometry.singleSamplePlane`, 4,096):
        // unfolded one sample at a time, as the paper's first convolution.
        ([3, 3, 66, 64], 5, 3, 1), ([2, 2, 130, 128], 3, 3, 2),
    ]

    /// The absolute tolerance for a result of sums: `atol`, or `perRMS` times the reference's
    /// root mean square where that is larger. A sum of many terms carries rounding in
    /// proportion to the size of its terms, not to its own value, so the entries of a large
    /// weight gradient that happen to lie near zero are judged on the tensor's scale: the
    /// F(4×4, 3×3) weight gradient of the 3×3·66×64 case has root mean square 87 and, against
    /// the exact sum in Double, a largest error of 1.1e-3 (1.2e-5 of it; the plain loop's in
    /// Float: 9e-5). One missing term of that sum (about 1) still fails at 5e-5.
    func absoluteTolerance<S: TensorScalar>(
        _ reference: Tensor<S>, atol: Double, perRMS: Double
    ) -> Double {
        let squares = reference.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }
        return max(atol, perRMS * (squares / Double(max(reference.scalars.count, 1))).squareRoot())
    }

    func checkConvolution<S: TensorScalar>(
        _: S.Type, _ shape: [Int], _ cout: Int, _ k: Int, _ stride: Int, threads: Int,
        tolerance: (atol: Double, rtol: Double, perRMS: Double)
    ) {
        var g = RandomGenerator(seed: 41)
        let x = Tensor<S>.normal(shape, generator: &g)
        let w = Tensor<S>.normal([cout, shape[1], k, k], generator: &g)
        let b = Tensor<S>.normal([cout], generator: &g)
        let c = ConvolutionSettings(stride: stride, padding: k / 2)
        let geometry = Conv2dGeometry.checked(x, weight: w, bias: b, c)
        let dy = Tensor<S>.normal(geometry.outputShape, generator: &g)
        let ref = reference(S.self)
        let y0 = ref.conv2d(x, w, b, c)
        let g0 = ref.conv2dBackward(x, w, dy, c, [.input, .weight, .bias])
        for algorithm in ConvolutionAlgorithm.allCases {
            KernelThreads.with(threads) {
                let y = Tensor.conv2dFast(x, weight: w, bias: b, c, algorithm: algorithm)
                let r = Tensor.conv2dBackwardFast(x, weight: w, upstream: dy, c, [.input, .weight, .bias],
                                                  algorithm: algorithm)
                let label = "\(S.dtypeName) \(shape) k\(k) s\(stride) \(algorithm) \(threads) threads"
                let (atol, rtol, perRMS) = tolerance
                for (name, fast, slow) in [("output", y, y0), ("input", r.input!, g0.input!),
                                           ("weight", r.weight!, g0.weight!), ("bias", r.bias!, g0.bias!)] {
                    let scaled = absoluteTolerance(slow, atol: atol, perRMS: perRMS)
                    #expect(compare(fast, slow, atol: scaled, rtol: rtol).passed, "\(name) \(label)")
                }
            }
        }
    }

    @Test(arguments: threadCounts)
    func convolutionInDouble(threads: Int) {
        for (shape, cout, k, s) in Self.convolutionCases {
            checkConvolution(Double.self, shape, cout, k, s, threads: threads, tolerance: (1e-11, 1e-11, 0))
        }
    }

    @Test(arguments: threadCounts)
    func convolutionInFloat(threads: Int) {
        for (shape, cout, k, s) in Self.convolutionCases {
            checkConvolution(Float.self, shape, cout, k, s, threads: threads, tolerance: (2e-4, 1e-4, 5e-5))
        }
    }

    /// Unfolding plane by plane writes every element of the reference's unfolding, and the
    /// same value: kernels 1, 3 and 5 and a non-square one, strides 1 to 3, paddings 0 to 2,
    /// maps from 1×1 (all padding but the centre) to 13×9, whole and part channel ranges; and
    /// long rows at strides 1 and 2 (output rows of 9 to 23, odd and even input widths), and
    /// planes on both sides of `tablePlaneLimit`. The chosen form, the table form and the
    /// plane-by-plane form are each held to the reference on every case.
    static let unfoldingCases: [(input: [Int], kernel: (Int, Int), stride: Int, padding: Int)] = [
        ([2, 3, 7, 9], (3, 3), 1, 1), ([2, 3, 7, 9], (3, 3), 1, 0), ([3, 2, 3, 3], (3, 3), 1, 1),
        ([2, 4, 1, 1], (3, 3), 1, 1), ([2, 2, 5, 5], (5, 5), 1, 2), ([1, 3, 13, 8], (3, 3), 2, 1),
        ([2, 2, 12, 12], (3, 3), 2, 1), ([2, 3, 6, 6], (1, 1), 2, 0), ([1, 2, 9, 10], (5, 5), 3, 2),
        ([2, 2, 6, 7], (3, 1), 1, 1), ([1, 2, 4, 4], (3, 3), 1, 2), ([3, 2, 6, 6], (1, 1), 1, 1),
        ([2, 2, 5, 45], (3, 3), 2, 1), ([1, 3, 7, 37], (3, 3), 2, 1), ([2, 2, 4, 20], (1, 1), 2, 0),
        ([1, 2, 5, 41], (3, 3), 2, 0), ([2, 2, 3, 18], (3, 3), 2, 1), ([1, 2, 4, 17], (3, 3), 1, 1),
        ([2, 2, 5, 23], (3, 3), 1, 0), ([1, 2, 3, 34], (5, 5), 2, 2), ([1, 2, 30, 37], (3, 3), 2, 1),
        ([1, 2, 17, 33], (3, 3), 1, 1), ([2, 2, 18, 18], (1, 1), 2, 0),
    ]

    func checkUnfolding<S: TensorScalar>(_: S.Type) {
        var g = RandomGenerator(seed: 48)
        for (shape, (kh, kw), stride, padding) in Self.unfoldingCases {
            let x = Tensor<S>.normal(shape, generator: &g)
            let geometry = Conv2dGeometry.checked(
                x, weight: Tensor<S>.zeros([1, shape[1], kh, kw]), bias: nil,
                ConvolutionSettings(stride: stride, padding: padding))
            for (n0, nb) in [(0, shape[0]), (shape[0] - 1, 1)] {
                for channels in [0..<shape[1], 1..<shape[1]] {
                    let count = geometry.patchSize * nb * geometry.outPlane
                    var a = [S](repeating: .nan, count: count), b = a, c = a, d = a
                    x.scalars.withUnsafeBufferPointer { px in
                        d.withUnsafeMutableBufferPointer {
                            geometry.im2colByPlanes(
                                px, n0: n0, nb: nb, channels: channels, into: $0.start)
                        }
                        a.withUnsafeMutableBufferPointer {
                            geometry.im2col(px, n0: n0, nb: nb, channels: channels, into: $0.start)
                        }
                        b.withUnsafeMutableBufferPointer {
                            geometry.im2colPlanes(
                                px, n0: n0, nb: nb, channels: channels, into: $0.start)
                        }
                        c.withUnsafeMutableBufferPointer {
                            geometry.im2colByTable(
                                px, n0: n0, nb: nb, channels: channels, into: $0.start)
                        }
                    }
                    let label = "\(S.dtypeName) \(shape) \(kh)×\(kw) s\(stride) p\(padding) "
                        + "samples \(n0)+\(nb) channels \(channels)"
                    for (form, result) in [("chosen", b), ("table", c), ("planes", d)] {
                        // The rows of channels outside the range stay NaN in both.
                        let same = zip(a, result)
                            .filter { ($0 == $1 && $0.sign == $1.sign) || ($0.isNaN && $1.isNaN) }
                            .count
                        let written = result.filter { !$0.isNaN }.count
                        #expect(same == count, "\(form): \(count - same) differ: \(label)")
                        #expect(
                            written == channels.count * kh * kw * nb * geometry.outPlane,
                            "\(form): \(written) written: \(label)")
                    }
                }
            }
        }
    }

    @Test func unfoldingByPlanesEqualsTheReferenceInFloat() { checkUnfolding(Float.self) }

    @Test func unfoldingByPlanesEqualsTheReferenceInDouble() { checkUnfolding(Double.self) }

    /// Folding back through the table of offsets adds the same values in the same order as the
    /// reference, so the results are equal (signs of zero included), into a gradient that
    /// already holds values, as the workers' chunks add into it; channels outside the range
    /// are left as they were.
    func checkFolding<S: TensorScalar>(_: S.Type) {
        var g = RandomGenerator(seed: 49)
        for (shape, (kh, kw), stride, padding) in Self.unfoldingCases {
            let geometry = Conv2dGeometry.checked(
                Tensor<S>.zeros(shape), weight: Tensor<S>.zeros([1, shape[1], kh, kw]),
                bias: nil, ConvolutionSettings(stride: stride, padding: padding))
            let start = Tensor<S>.normal(shape, generator: &g).scalars
            for (n0, nb) in [(0, shape[0]), (shape[0] - 1, 1)] {
                let cols = Tensor<S>.normal(
                    [geometry.patchSize * nb * geometry.outPlane], generator: &g
                ).scalars
                for channels in [0..<shape[1], 1..<shape[1]] {
                    var a = start, b = start
                    cols.withUnsafeBufferPointer { pc in
                        a.withUnsafeMutableBufferPointer {
                            geometry.col2im(pc.start, n0: n0, nb: nb, channels: channels, into: $0)
                        }
                        b.withUnsafeMutableBufferPointer {
                            geometry.col2imByTable(
                                pc.start, n0: n0, nb: nb, channels: channels, into: $0.start)
                        }
                    }
                    let differing = zip(a, b).filter { !($0 == $1 && $0.sign == $1.sign) }.count
                    let changed = zip(start, b).filter { $0 != $1 }.count
                    let label = "\(S.dtypeName) \(shape) \(kh)×\(kw) s\(stride) p\(padding) "
                        + "samples \(n0)+\(nb) channels \(channels)"
                    #expect(differing == 0, "\(differing) elements differ: \(label)")
                    #expect(changed > 0, "nothing added: \(label)")
                }
            }
        }
    }

    @Test func foldingByTableEqualsTheReferenceInFloat() { checkFolding(Float.self) }

    @Test func foldingByTableEqualsTheReferenceInDouble() { checkFolding(Double.self) }

    /// Summing to a shape in partial sums: whole tensors to one number (runs of every length
    /// around the four-sum groups), rows, channels, a trailing axis, a strided reduction.
    static let summingCases: [([Int], [Int])] = [
        ([16, 8, 5, 5], [1]), ([7], [1]), ([3], []), ([2, 9], [2, 1]), ([3, 7], [3, 1]),
        ([2, 3, 4, 5], [1, 3, 1, 1]), ([2, 3, 4, 5], [5]), ([2, 9], [1, 9]), ([4, 1, 3], [1, 1, 1]),
        ([5, 6, 7], [5, 1, 7]), ([1, 1, 1], [1]), ([6, 4, 4], [6, 4, 4]),
    ]

    func checkSumming<S: TensorScalar>(_: S.Type, tolerance: Double) {
        var g = RandomGenerator(seed: 49)
        for (shape, target) in Self.summingCases {
            let x = Tensor<S>.normal(shape, generator: &g) + Tensor(S(3))
            let r = reference(S.self).summed(x, target)
            let f = Tensor.summedFast(x, toShape: target)
            #expect(f.shape == target, "\(S.dtypeName) \(shape) → \(target)")
            #expect(
                compare(f, r, atol: tolerance, rtol: tolerance).passed,
                "\(S.dtypeName) \(shape) → \(target): \(f.scalars.prefix(4)) vs \(r.scalars.prefix(4))")
        }
    }

    @Test func summingToAShapeInPartialSumsInFloat() { checkSumming(Float.self, tolerance: 1e-5) }

    @Test func summingToAShapeInPartialSumsInDouble() {
        checkSumming(Double.self, tolerance: 1e-12)
    }

    @Test func floatsTableSumsInPartialSums() {
        // A run of 4·10⁶ + 3 values, every fifth 10⁻⁴ and the rest 1: one chain of additions
        // loses the tiny values once the sum is large, four interleaved sums lose them at a
        // different point, so the two results differ; the table takes the fast one.
        var x = Tensor<Float>.ones([4_000_003])
        for i in stride(from: 4, to: x.count, by: 5) { x[flat: i] = 1e-4 }
        let fast = Float.kernels.summed(x, [1])
        #expect(fast.scalars == Tensor.summedFast(x, toShape: [1]).scalars)
        #expect(fast.scalars != reference(Float.self).summed(x, [1]).scalars)
    }

    /// L2 normalisation of contiguous fibres in partial sums, forward and backward: long and
    /// short fibres (around the four-sum groups), a trailing axis of 1, a fibre of zeros
    /// (below eps: the `dy/eps` branch); the layouts it leaves to the reference give nil.
    func checkL2Normalization<S: TensorScalar>(_: S.Type, tolerance: Double) {
        var g = RandomGenerator(seed: 50)
        let ref = reference(S.self)
        for (shape, axis) in [([3, 1001], 1), ([2, 5, 1], 1), ([4, 3], 1), ([1, 7], 1), ([6], 0)] {
            var x = Tensor<S>.normal(shape, generator: &g)
            if shape == [4, 3] { for i in 3..<6 { x[flat: i] = 0 } }
            let dy = Tensor<S>.normal(shape, generator: &g)
            let eps = S(1e-12)
            let y = Tensor.l2NormalizedFast(x, axis: axis, eps: eps)
            let dx = Tensor.l2NormalizedBackwardFast(x, upstream: dy, axis: axis, eps: eps)
            let label = "\(S.dtypeName) \(shape) axis \(axis)"
            #expect(y != nil && dx != nil, "\(label): not taken")
            guard let y, let dx else { continue }
            let y0 = ref.l2Normalized(x, axis, eps), dx0 = ref.l2NormalizedBackward(x, dy, axis, eps)
            #expect(compare(y, y0, atol: tolerance, rtol: tolerance).passed, "output \(label)")
            #expect(compare(dx, dx0, atol: tolerance, rtol: tolerance).passed, "gradient \(label)")
        }
        let x = Tensor<S>.normal([4, 7], generator: &g)
        #expect(Tensor.l2NormalizedFast(x, axis: 0, eps: 1e-12) == nil)
        #expect(Tensor.l2NormalizedBackwardFast(x, upstream: x, axis: 0, eps: 1e-12) == nil)
        #expect(Tensor.l2NormalizedFast(Tensor<S>.zeros([0, 3]), axis: 1, eps: 1e-12) == nil)
    }

    @Test func l2NormalizationInPartialSumsInFloat() {
        checkL2Normalization(Float.self, tolerance: 1e-5)
    }

    @Test func l2NormalizationInPartialSumsInDouble() {
        checkL2Normalization(Double.self, tolerance: 1e-12)
    }

    @Test func winogradIsTakenWhereTheChoiceSaysAndTheResultsDiffer() {
        // The choice: 3×3 stride 1, 36 outputs per map or more, 8 input channels or more;
        // F(4×4, 3×3) from 32 input channels where it needs 1.6 times fewer multiplications
        // than F(2×2, 3×3).
        let c = ConvolutionSettings(stride: 1, padding: 1)
        func choice(_ shape: [Int]) -> ConvolutionAlgorithm {
            let x = Tensor<Float>.zeros(shape), w = Tensor<Float>.zeros([4, shape[1], 3, 3])
            return KernelChoice.convolution(Conv2dGeometry.checked(x, weight: w, bias: nil, c))
        }
        #expect(choice([1, 8, 6, 6]) == .winograd)
        #expect(choice([1, 7, 6, 6]) == .unfold)
        #expect(choice([1, 8, 5, 7]) == .unfold)
        #expect(choice([1, 32, 18, 18]) == .winograd)  // 81·16 vs 25·36 products: 1.44
        #expect(choice([1, 32, 12, 12]) == .winograd4x4)  // 36·16 vs 9·36: 1.78
        #expect(choice([1, 32, 45, 45]) == .winograd4x4)  // 529·16 vs 144·36: 1.63
        #expect(choice([1, 32, 12, 13]) == .winograd)  // 42·16 vs 12·36: 1.56
        #expect(choice([1, 31, 12, 12]) == .winograd)  // too few channels for F(4×4)
        #expect(choice([1, 64, 90, 90]) == .winograd4x4)
        // Winograd really runs: it rounds differently from unfolding.
        var g = RandomGenerator(seed: 42)
        let x = Tensor<Double>.normal([2, 32, 8, 8], generator: &g)
        let w = Tensor<Double>.normal([3, 32, 3, 3], generator: &g)
        let a = Tensor.conv2dFast(x, weight: w, bias: nil, c, algorithm: .winograd)
        let b = Tensor.conv2dFast(x, weight: w, bias: nil, c, algorithm: .unfold)
        #expect(a.scalars != b.scalars)
        #expect(compare(a, b, atol: 1e-11, rtol: 1e-11).passed)
    }

    @Test func aPreparedWeightGivesTheSameConvolutionBitForBit() {
        var g = RandomGenerator(seed: 47)
        let x = Tensor<Float>.normal([3, 32, 11, 9], generator: &g)
        let w = Tensor<Float>.normal([5, 32, 3, 3], generator: &g)
        let dy = Tensor<Float>.normal([3, 5, 11, 9], generator: &g)
        let prepared = Tensor.preparedConvolutionWeight(w, inputShape: x.shape, stride: 1, padding: 1)
        #expect(prepared != nil)  // Winograd is chosen here, and its kernels are prepared
        let y0 = Tensor.conv2d(x, weight: w, bias: nil, stride: 1, padding: 1)
        let y1 = Tensor.conv2d(x, weight: w, bias: nil, stride: 1, padding: 1, prepared: prepared)
        #expect(y0 == y1)
        let r0 = Tensor.conv2dBackward(x, weight: w, upstream: dy, stride: 1, padding: 1,
                                       needInput: true, needWeight: true, needBias: false)
        let r1 = Tensor.conv2dBackward(x, weight: w, upstream: dy, stride: 1, padding: 1,
                                       needInput: true, needWeight: true, needBias: false, prepared: prepared)
        #expect(r0.input == r1.input && r0.weight == r1.weight)
        // Unfolding (5×5 maps) and Double (the reference) prepare nothing.
        #expect(Tensor.preparedConvolutionWeight(w, inputShape: [3, 32, 5, 5], stride: 1, padding: 1) == nil)
        let wd = w.converted(to: Double.self)
        #expect(Tensor.preparedConvolutionWeight(wd, inputShape: x.shape, stride: 1, padding: 1) == nil)
    }

    static let poolCases: [([Int], PoolWindow)] = [
        ([2, 3, 9, 9], PoolWindow(kernel: 3, stride: 2, padding: 1)),
        ([1, 2, 23, 21], PoolWindow(kernel: 3, stride: 2, padding: 1)),  // ≥ 10 outputs: SIMD
        ([4, 16, 90, 90], PoolWindow(kernel: 3, stride: 2, padding: 1)),  // two threads switch on
        // Widths around the eight-output groups of the Float lanes (17 outputs: two groups;
        // 16: one group and seven one by one; 35, 33: odd, a last window of two columns),
        // and the narrowest rows and columns.
        ([1, 2, 7, 34], PoolWindow(kernel: 3, stride: 2, padding: 1)),
        ([2, 1, 6, 35], PoolWindow(kernel: 3, stride: 2, padding: 1)),
        ([1, 1, 4, 33], PoolWindow(kernel: 3, stride: 2, padding: 1)),
        ([1, 3, 5, 1], PoolWindow(kernel: 3, stride: 2, padding: 1)),
        ([1, 1, 1, 2], PoolWindow(kernel: 3, stride: 2, padding: 1)),
        ([1, 2, 3, 3], PoolWindow(kernel: 3, stride: 2, padding: 1)),
        ([2, 2, 11, 7], PoolWindow(kernel: 2, stride: 2, padding: 0)),
        ([1, 3, 10, 13], PoolWindow(kernel: 3, stride: 1, padding: 1)),
        ([2, 1, 12, 12], PoolWindow(kernel: 4, stride: 3, padding: 2)),
    ]

    func checkMaxPool<S: TensorScalar>(_: S.Type, threads: Int) {
        var g = RandomGenerator(seed: 43)
        for (shape, window) in Self.poolCases {
            var x = Tensor<S>.normal(shape, generator: &g)
            // Ties, which decide the recorded position: a plane of repeated values.
            for i in 0..<min(x.count, 40) { x[flat: i] = 1 }
            let r = reference(S.self).maxPool2d(x, window)
            KernelThreads.with(threads) {
                let f = Tensor.maxPool2dFast(x, window)
                #expect(f.output == r.output, "\(S.dtypeName) \(shape) \(window) \(threads) threads")
                #expect(f.argmax == r.argmax, "\(S.dtypeName) \(shape) \(window) \(threads) threads")
                let v = Tensor.maxPool2dValuesFast(x, window)
                #expect(v == r.output, "values \(S.dtypeName) \(shape) \(window) \(threads) threads")
            }
        }
    }

    @Test(arguments: threadCounts)
    func maxPoolInFloat(threads: Int) { checkMaxPool(Float.self, threads: threads) }

    @Test(arguments: threadCounts)
    func maxPoolInDouble(threads: Int) { checkMaxPool(Double.self, threads: threads) }

    @Test func maxPoolLetsANaNWinAsTheReferenceDoes() {
        var x = Tensor<Float>.ones([1, 1, 24, 24])
        x[0, 0, 5, 6] = .nan
        expectNaNWinsAsInTheReference(x)
    }

    /// Pools `x` (which holds a NaN) with both kernels: the same positions, the same number of
    /// NaN outputs, and at least one; without positions, NaN in the same outputs.
    func expectNaNWinsAsInTheReference(
        _ x: Tensor<Float>, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let window = PoolWindow(kernel: 3, stride: 2, padding: 1)
        let r = reference(Float.self).maxPool2d(x, window)
        let f = Tensor.maxPool2dFast(x, window)
        let nans = f.output.scalars.filter(\.isNaN).count
        #expect(f.argmax == r.argmax, sourceLocation: sourceLocation)
        #expect(nans == r.output.scalars.filter(\.isNaN).count, sourceLocation: sourceLocation)
        #expect(nans > 0, sourceLocation: sourceLocation)
        let v = Tensor.maxPool2dValuesFast(x, window)
        #expect(v.scalars.map(\.isNaN) == r.output.scalars.map(\.isNaN), sourceLocation: sourceLocation)
    }

    /// A NaN anywhere in a plane sends it down the loop that lets the NaN win: at the
    /// plane's first element, inside the sixteen-lane scan, in its scalar tail (23² = 33·16 + 1
    /// elements) and as the last element of the second plane; for the pool without positions,
    /// also inside a sixteen-column load and an eight-output group (column 5).
    @Test(arguments: [0, 97, 200, 528, 529 + 528])
    func maxPoolFindsANaNWhereverItIs(at index: Int) {
        var g = RandomGenerator(seed: 47)
        var x = Tensor<Float>.normal([1, 2, 23, 23], generator: &g)
        x[flat: index] = .nan
        expectNaNWinsAsInTheReference(x)
    }

    @Test(arguments: threadCounts)
    func sigmoidInFloat(threads: Int) {
        // Above the two-thread switch, with extremes.
        var g = RandomGenerator(seed: 44)
        var x = Tensor<Float>.normal([ParallelWork.minimumElements + 7], generator: &g) * 20
        x[flat: 0] = 100; x[flat: 1] = -100; x[flat: 2] = 0
        let r = reference(Float.self).pointwise(.sigmoid, x)
        let f = KernelThreads.with(threads) { Float.kernels.pointwise(.sigmoid, x) }
        #expect(compare(f, r, atol: 1e-7, rtol: 3e-7).passed)
    }

    /// The kernels whose fast form is the reference loop with its work split in two: the same
    /// code per element, so equal bit for bit with one thread or two.
    func checkSplitKernels<S: TensorScalar>(_: S.Type, threads: Int) {
        var g = RandomGenerator(seed: 45)
        let shape = [4, 8, 128, 129]  // above ParallelWork.minimumElements, odd planes
        let x = Tensor<S>.normal(shape, generator: &g), dy = Tensor<S>.normal(shape, generator: &g)
        let per = Tensor<S>.normal([1, 8, 1, 1], generator: &g)
        let slope = Tensor<S>.normal([8], generator: &g), shared = Tensor<S>(shape: [1], scalars: [0.25])
        let ref = reference(S.self)
        KernelThreads.with(threads) {
            let fast = S.referenceKernels(split: ParallelWork.splitter)
            #expect(fast.binary(.mul, x, per) == ref.binary(.mul, x, per))
            #expect(fast.binary(.add, x, dy) == ref.binary(.add, x, dy))
            let stats = fast.channelStatistics(x), stats0 = ref.channelStatistics(x)
            #expect(stats.mean == stats0.mean && stats.variance == stats0.variance)
            let n = ChannelNormalization(
                mean: stats.mean, invStd: stats.variance.map { 1 / ($0 + 1e-5).squareRoot() },
                gamma: slope, beta: slope * 2)
            #expect(fast.batchNormApply(x, n) == ref.batchNormApply(x, n))
            let sums = fast.batchNormReductions(x, dy, n), sums0 = ref.batchNormReductions(x, dy, n)
            #expect(sums.sumDy == sums0.sumDy && sums.sumDyXhat == sums0.sumDyXhat)
            #expect(fast.batchNormTrainingInputGradient(x, dy, n, sums)
                        == ref.batchNormTrainingInputGradient(x, dy, n, sums0))
            for a in [slope, shared] {
                #expect(fast.prelu(x, a) == ref.prelu(x, a))
                let p = fast.preluBackward(x, a, dy), p0 = ref.preluBackward(x, a, dy)
                #expect(p.input == p0.input && p.slope == p0.slope)
            }
            // BN + PReLU in one pass equals the two kernels in turn, bit for bit.
            let fused = S.fused.batchNormPReLU(x, n, 0.25)
            #expect(fused == ref.prelu(ref.batchNormApply(x, n), shared))
        }
    }

    @Test(arguments: threadCounts)
    func splitKernelsInFloat(threads: Int) { checkSplitKernels(Float.self, threads: threads) }

    @Test(arguments: threadCounts)
    func splitKernelsInDouble(threads: Int) { checkSplitKernels(Double.self, threads: threads) }

    /// Sizes for the Adam check: below one group of sixteen lanes, one group and a tail, and
    /// large enough to be split between two threads (halves that end inside a group).
    static let adamSizes = [7, 16 + 5, ParallelWork.minimumElements / 4 + 3]

    @Test(arguments: threadCounts, adamSizes)
    func adamUpdateMatchesTheFormula(threads: Int, n: Int) {
        var g = RandomGenerator(seed: 46)
        var p = Tensor<Float>.normal([n], generator: &g), m = Tensor<Float>.normal([n], generator: &g)
        var v = Tensor<Float>.normal([n], generator: &g).map { $0 * $0 }
        let grad = Tensor<Float>.normal([n], generator: &g)
        let c = AdamCoefficients(stepSize: 1e-3, oneMinusBeta1: 0.5, beta2: 0.999, oneMinusBeta2: 0.001,
                                 weightDecay: 5e-4, eps: 1e-8, correction2Root: 0.03)
        var expected = p.scalars, expectedM = m.scalars, expectedV = v.scalars
        for i in 0..<n {
            let gi = grad[flat: i] + Float(c.weightDecay) * p[flat: i]
            let mi = m[flat: i] + Float(c.oneMinusBeta1) * (gi - m[flat: i])
            let vi = Float(c.beta2) * v[flat: i] + Float(c.oneMinusBeta2) * gi * gi
            expected[i] -= Float(c.stepSize) * mi / (vi.squareRoot() / Float(c.correction2Root) + Float(c.eps))
            expectedM[i] = mi
            expectedV[i] = vi
        }
        KernelThreads.with(threads) { Tensor.adamUpdate(value: &p, m: &m, v: &v, gradient: grad, c) }
        // Bit for bit, every element of all three (the lanes and the scalar tail alike).
        #expect(zip(p.scalars, expected).filter { $0.bitPattern != $1.bitPattern }.count == 0)
        #expect(zip(m.scalars, expectedM).filter { $0.bitPattern != $1.bitPattern }.count == 0)
        #expect(zip(v.scalars, expectedV).filter { $0.bitPattern != $1.bitPattern }.count == 0)
    }

    @Test func forcingOneThreadKeepsTheWorkOnTheCallingThread() {
        #expect(KernelThreads.with(1) { KernelThreads.count } == 1)
        #expect(KernelThreads.with(2) { KernelThreads.count } == min(2, BLASLibrary.threadLimit))
    }
}
