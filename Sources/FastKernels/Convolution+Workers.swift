import Dispatch
import TensorCore

/// How many elements of unfolded input one chunk of a convolution may use. Samples are
/// grouped until this is reached, so small feature maps still make large products.
public let convolutionChunkElements = 1 << 22

extension Conv2dGeometry {
    /// Output planes of at least this many positions are unfolded one sample at a time.
    public static let singleSamplePlane = 4096

    /// Samples per chunk of unfolded input. A 1×1 convolution over planes of 1,024 or more
    /// takes one sample at a time: each sample's `[C, H·W]` block is already the product's
    /// operand, so nothing is copied. So does any convolution with output planes of
    /// `singleSamplePlane` or more: one sample's product is wide enough, and its result is
    /// written straight into the output (a chunk of several samples is computed into a
    /// buffer and then copied sample by sample, a pass over the output that the first
    /// convolution's three input channels, a short inner size, make a large part of its cost).
    var samplesPerChunk: Int {
        if isPointwise && outPlane >= 1024 { return 1 }
        if outPlane >= Self.singleSamplePlane { return 1 }
        return max(1, min(batch, convolutionChunkElements / max(patchSize * outPlane, 1)))
    }

    /// Unfolds samples `[n0, n0 + nb)` of `x` into `cols[patchSize, nb·outPlane]`.
    func im2col<S: TensorElement>(
        _ x: UnsafeBufferPointer<S>, n0: Int, nb: Int, into cols: UnsafeMutablePointer<S>
    ) {
        let xs = SendablePointer(x.start), count = x.count, out = SendableMutablePointer(cols)
        forEachChannelRange(nb: nb) { channels in
            im2colPlanes(
                UnsafeBufferPointer(start: xs.pointer, count: count), n0: n0, nb: nb,
                channels: channels, into: out.pointer)
        }
    }

    /// Splits the input channels over two threads when unfolding is large and nothing else
    /// runs beside it (the batch is not already split), since it writes disjoint rows.
    func forEachChannelRange(nb: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let work = patchSize * nb * outPlane
        guard workerCount == 1, KernelThreads.count >= 2, inChannels >= 2, work >= 1 << 18 else {
            return body(0..<inChannels)
        }
        let half = inChannels / 2
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            body(i == 0 ? 0..<half : half..<inChannels)
        }
    }

    /// Folds `cols[patchSize, nb·outPlane]` back, adding into samples `[n0, n0 + nb)` of `dx`
    /// (through a table of offsets for small output planes).
    func col2im<S: TensorElement>(
        _ cols: UnsafePointer<S>, n0: Int, nb: Int, into dx: UnsafeMutableBufferPointer<S>
    ) {
        let source = SendablePointer(cols), target = SendableMutablePointer(dx.start),
            count = dx.count
        let table = outPlane <= Self.tablePlaneLimit
        forEachChannelRange(nb: nb) { channels in
            if table {
                col2imByTable(
                    source.pointer, n0: n0, nb: nb, channels: channels, into: target.pointer)
            } else {
                col2im(
                    source.pointer, n0: n0, nb: nb, channels: channels,
                    into: UnsafeMutableBufferPointer(start: target.pointer, count: count))
            }
        }
    }
}

/// How a fast convolution computes its products.
public enum ConvolutionAlgorithm: Sendable, Equatable, CaseIterable {
    /// Unfolding (im2col) and gemm, over chunks of samples split between two workers.
    case unfold
    /// Winograd F(2×2, 3×3) (`WinogradPlan`), for 3×3 stride-1 kernels.
    case winograd
    /// Winograd F(4×4, 3×3) (`WinogradPlan`, `Winograd+F4x4.swift`), for 3×3 stride-1
    /// kernels: fewer multiplications than F(2×2, 3×3) on maps of 12×12 or more.
    case winograd4x4

    /// The Winograd tile size of this algorithm, or nil when it is not a Winograd one.
    var winogradTile: WinogradTile? {
        switch self {
        case .unfold: nil
        case .winograd: .f2
        case .winograd4x4: .f4
        }
    }

    /// The plan of this algorithm for `g`, when it is a Winograd one and `g` is 3×3 stride 1.
    func winogradPlan(_ g: Conv2dGeometry) -> WinogradPlan? {
        guard let tile = winogradTile, WinogradPlan.supports(g) else { return nil }
        return WinogradPlan(g, tile: tile)
    }
}

extension Tensor {
    /// 2-D convolution (cross-correlation, as PyTorch) of `x[N, C, H, W]` with
    /// `weight[Cout, C, kh, kw]` and an optional `bias[Cout]`, by unfolding and BLAS gemm.
    /// The algorithm is the caller's choice (`KernelChoice`); Winograd needs a 3×3, stride-1
    /// kernel and falls back to unfolding otherwise.
    /// `transformed` is the weight's Winograd form when already computed
    /// (`WinogradPlan.transformedWeights`). `epilogue` (at most one of it and `bias`) is what
    /// the outputs go through before they are stored, a bias being the simplest.
    public static func conv2dFast(
        _ x: Tensor, weight: Tensor, bias: Tensor?, _ c: ConvolutionSettings,
        algorithm: ConvolutionAlgorithm, transformed: Tensor? = nil,
        epilogue: ConvolutionEpilogue<Scalar>? = nil
    ) -> Tensor {
        precondition(bias == nil || epilogue == nil, "conv2d: a bias and an epilogue both given")
        let g = Conv2dGeometry.checked(x, weight: weight, bias: bias, c)
        let plan = algorithm.winogradPlan(g)
        // A prepared weight made for another tile size (another input size) is not used.
        let transformed = transformed.flatMap {
            $0.count == plan?.transformedWeightCount ? $0 : nil
        }
        let requested = epilogue ?? .bias(bias)
        guard x.count > 0, g.outputShape.reduce(1, *) > 0 else {
            return requested.applied(to: Tensor.zeros(g.outputShape))
        }
        var out = Tensor(shape: g.outputShape) { _ in }
        // The bias (or epilogue) is applied by the worker that wrote each part of the output,
        // while that part is still in cache.
        let post = requested.isIdentity ? nil : requested
        x.scalars.withUnsafeBufferPointer { px in
            weight.scalars.withUnsafeBufferPointer { pw in
                out.withUnsafeMutableBufferPointer { po in
                    let (xs, ws, os) = (
                        SendablePointer(px.start), SendablePointer(pw.start),
                        SendableMutablePointer(po.start)
                    )
                    let count = px.count
                    if let plan, let transformed {
                        transformed.scalars.withUnsafeBufferPointer { pu in
                            plan.forward(
                                x: xs.pointer, weight: ws.pointer, transformed: pu.start,
                                epilogue: post, out: os.pointer)
                        }
                    } else if let plan {
                        plan.forward(
                            x: xs.pointer, weight: ws.pointer, epilogue: post, out: os.pointer)
                    } else {
                        g.forEachSampleRange { range in
                            g.forwardSamples(
                                range, x: xs.pointer, count: count, weight: ws.pointer,
                                epilogue: post, out: os.pointer)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Gradients of `conv2d` given the upstream gradient `dy[N, Cout, Ho, Wo]`: each returned
    /// only when asked for. The weight gradient is `Σ_n dy_n · colsᵀ`, the input gradient folds
    /// `weightᵀ · dy_n` back; both are gemms over chunks of samples.
    public static func conv2dBackwardFast(
        _ x: Tensor, weight: Tensor, upstream dy: Tensor, _ c: ConvolutionSettings,
        _ needs: ConvolutionGradients, algorithm: ConvolutionAlgorithm, transformed: Tensor? = nil
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let g = Conv2dGeometry.checked(x, weight: weight, upstream: dy, c)
        let needInput = needs.contains(.input), needWeight = needs.contains(.weight)
        let needBias = needs.contains(.bias)
        let plan = algorithm.winogradPlan(g), winograd = plan != nil
        let transformed = transformed.flatMap {
            $0.count == plan?.transformedWeightCount ? $0 : nil
        }
        if x.count == 0 || dy.count == 0 {
            return (
                needInput ? Tensor.zeros(x.shape) : nil,
                needWeight ? Tensor.zeros(weight.shape) : nil,
                needBias ? Tensor.zeros([g.outChannels]) : nil
            )
        }
        var dx = needInput ? [Scalar](repeating: 0, count: x.count) : []
        let workers = g.workerCount
        // One weight-gradient buffer per worker, added in a fixed order at the end.
        var dw = needWeight ? [Scalar](repeating: 0, count: weight.count * workers) : []
        if (needInput || needWeight) && winograd {
            dw = needWeight ? [Scalar](repeating: 0, count: weight.count) : []
            x.scalars.withUnsafeBufferPointer { px in
                weight.scalars.withUnsafeBufferPointer { pw in
                    dy.scalars.withUnsafeBufferPointer { pdy in
                        dx.withUnsafeMutableBufferPointer { pdx in
                            dw.withUnsafeMutableBufferPointer { pdw in
                                (transformed?.scalars ?? []).withUnsafeBufferPointer { pu in
                                    plan!.backward(
                                        x: px.start, weight: pw.start,
                                        transformed: transformed == nil ? nil : pu.start,
                                        dy: pdy.start,
                                        dx: needInput ? pdx.start : nil,
                                        dw: needWeight ? pdw.start : nil)
                                }
                            }
                        }
                    }
                }
            }
        } else if needInput || needWeight {
            x.scalars.withUnsafeBufferPointer { px in
                weight.scalars.withUnsafeBufferPointer { pw in
                    dy.scalars.withUnsafeBufferPointer { pdy in
                        dx.withUnsafeMutableBufferPointer { pdx in
                            dw.withUnsafeMutableBufferPointer { pdw in
                                let xs = SendablePointer(px.start), ws = SendablePointer(pw.start),
                                    dys = SendablePointer(pdy.start)
                                let dxs = needInput ? SendableMutablePointer(pdx.start) : nil
                                let dws = needWeight ? SendableMutablePointer(pdw.start) : nil
                                let wcount = weight.count, count = px.count
                                g.forEachSampleRange { range in
                                    let worker = g.worker(of: range)
                                    g.backwardSamples(
                                        range, x: xs.pointer, count: count, weight: ws.pointer,
                                        dy: dys.pointer,
                                        dx: dxs?.pointer,
                                        dw: dws.map { $0.pointer + worker * wcount })
                                }
                            }
                        }
                    }
                }
            }
        }
        if needWeight && workers > 1 && !winograd {
            let n = weight.count
            for w in 1..<workers { for i in 0..<n { dw[i] += dw[w * n + i] } }
            dw.removeLast(n * (workers - 1))
        }
        let db = needBias ? Tensor.convolutionBiasGradient(dy, g) : nil
        return (
            needInput ? Tensor(shape: x.shape, scalars: dx) : nil,
            needWeight ? Tensor(shape: weight.shape, scalars: dw) : nil,
            db
        )
    }
}

extension Conv2dGeometry {
    /// Two workers, each running its products on one BLAS thread, when the batch can be split
    /// and either the products are small (BLAS would run them on one thread anyway) or the
    /// convolution is 1×1 over large planes (thin products that BLAS threads poorly);
    /// otherwise one, whose products BLAS threads itself.
    var workerCount: Int {
        let perChunk = outChannels * patchSize * outPlane * samplesPerChunk
        let split = perChunk < BLASThreads.parallelThreshold || (isPointwise && outPlane >= 1024)
        return KernelThreads.count >= 2 && batch >= 2 && split ? 2 : 1
    }

    /// The worker that handles a sample range.
    func worker(of range: Range<Int>) -> Int { range.lowerBound == 0 ? 0 : 1 }

    /// Calls `body` for the batch as one range, or for two halves on two threads.
    func forEachSampleRange(_ body: @Sendable (Range<Int>) -> Void) {
        guard workerCount == 2 else { return body(0..<batch) }
        BLASThreads.fit(m: 1, n: 1, k: 1)  // one thread per product while both workers run
        let half = (batch + 1) / 2
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            body(i == 0 ? 0..<half : half..<batch)
        }
    }

    /// The unfolded input `[patchSize, nb·outPlane]` of samples `[n0, n0 + nb)`: the sample's
    /// own `[C, H·W]` block for a 1×1 convolution of one sample (no copy), else gathered or
    /// unfolded into `cols`.
    @inline(__always)
    func unfolded<S: TensorElement>(
        _ x: UnsafeBufferPointer<S>, n0: Int, nb: Int, into cols: UnsafeMutableBufferPointer<S>
    ) -> UnsafePointer<S> {
        if isPointwise && nb == 1 { return x.start + n0 * patchSize * outPlane }
        if isPointwise {
            gatherSamples(x.start, n0: n0, nb: nb, rows: patchSize, q: outPlane, into: cols.start)
        } else {
            im2col(x, n0: n0, nb: nb, into: cols.start)
        }
        return UnsafePointer(cols.start)
    }

    /// The forward products of samples `range` into `out`, through `epilogue` when given.
    func forwardSamples<S: TensorElement>(
        _ range: Range<Int>, x: UnsafePointer<S>, count: Int, weight: UnsafePointer<S>,
        epilogue: ConvolutionEpilogue<S>?, out: UnsafeMutablePointer<S>
    ) {
        let k = patchSize, q = outPlane, co = outChannels, chunk = samplesPerChunk
        var cols = scratch(S.self, isPointwise && chunk == 1 ? 0 : k * chunk * q)
        var products = scratch(S.self, chunk > 1 ? co * chunk * q : 0)
        let input = UnsafeBufferPointer(start: x, count: count)
        cols.withUnsafeMutableBufferPointer { pc in
            products.withUnsafeMutableBufferPointer { pp in
                var n0 = range.lowerBound
                while n0 < range.upperBound {
                    let nb = min(chunk, range.upperBound - n0)
                    let colsPtr = unfolded(input, n0: n0, nb: nb, into: pc)
                    let target = nb == 1 ? out + n0 * co * q : pp.start
                    S.product(
                        serial: workerCount == 2, transA: false, transB: false, m: co, n: nb * q,
                        k: k, a: weight, lda: k,
                        b: colsPtr, ldb: nb * q, beta: 0, c: target, ldc: nb * q)
                    if nb > 1 {
                        scatterSamples(
                            UnsafePointer(pp.start), n0: n0, nb: nb, rows: co, q: q, into: out,
                            accumulate: false)
                    }
                    epilogue?.apply(to: out + n0 * co * q, channels: co, plane: q, samples: nb)
                    n0 += nb
                }
            }
        }
    }

    /// The backward products of samples `range`: input gradients into `dx` (when given),
    /// weight gradients added into `dw` (when given).
    func backwardSamples<S: TensorElement>(
        _ range: Range<Int>, x: UnsafePointer<S>, count: Int, weight: UnsafePointer<S>,
        dy: UnsafePointer<S>,
        dx: UnsafeMutablePointer<S>?, dw: UnsafeMutablePointer<S>?
    ) {
        let k = patchSize, q = outPlane, co = outChannels, chunk = samplesPerChunk
        var cols = scratch(S.self, isPointwise && chunk == 1 ? 0 : k * chunk * q)
        var dyT = scratch(S.self, chunk > 1 ? co * chunk * q : 0)
        let input = UnsafeBufferPointer(start: x, count: count)
        cols.withUnsafeMutableBufferPointer { pc in
            dyT.withUnsafeMutableBufferPointer { pt in
                var n0 = range.lowerBound
                while n0 < range.upperBound {
                    let nb = min(chunk, range.upperBound - n0)
                    let dyPtr: UnsafePointer<S>
                    if nb == 1 {
                        dyPtr = dy + n0 * co * q
                    } else {
                        gatherSamples(dy, n0: n0, nb: nb, rows: co, q: q, into: pt.start)
                        dyPtr = UnsafePointer(pt.start)
                    }
                    if let dw {
                        let colsPtr = unfolded(input, n0: n0, nb: nb, into: pc)
                        S.product(
                            serial: workerCount == 2, transA: false, transB: true, m: co, n: k,
                            k: nb * q, a: dyPtr, lda: nb * q,
                            b: colsPtr, ldb: nb * q, beta: 1, c: dw, ldc: k)
                    }
                    if let dx, isPointwise && nb == 1 {
                        // Straight into the sample's gradient (which starts at zero).
                        S.product(
                            serial: workerCount == 2, transA: true, transB: false, m: k, n: q,
                            k: co, a: weight, lda: k,
                            b: dyPtr, ldb: q, beta: 1, c: dx + n0 * k * q, ldc: q)
                    } else if let dx {
                        S.product(
                            serial: workerCount == 2, transA: true, transB: false, m: k, n: nb * q,
                            k: co, a: weight, lda: k,
                            b: dyPtr, ldb: nb * q, beta: 0, c: pc.start, ldc: nb * q)
                        if isPointwise {
                            scatterSamples(
                                UnsafePointer(pc.start), n0: n0, nb: nb, rows: k, q: q, into: dx,
                                accumulate: true)
                        } else {
                            col2im(
                                UnsafePointer(pc.start), n0: n0, nb: nb,
                                into: UnsafeMutableBufferPointer(start: dx, count: count))
                        }
                    }
                    n0 += nb
                }
            }
        }
    }
}

extension Tensor {
    /// `∂b[c] = Σ_n Σ_t dy[n, c, t]`: the channels split over two threads, each channel's
    /// sum over every sample's plane taken in four interleaved partial sums (four independent
    /// chains of additions instead of one), then sample by sample.
    static func convolutionBiasGradient(_ dy: Tensor, _ g: Conv2dGeometry) -> Tensor {
        let q = g.outPlane, co = g.outChannels, batch = g.batch
        return Tensor(shape: [co]) { out in
            dy.scalars.withUnsafeBufferPointer { p in
                let dys = SendablePointer(p.start), target = SendableMutablePointer(out.start)
                ParallelWork.split(co, elements: dy.count) { channels in
                    for c in channels {
                        var acc: Scalar = 0
                        for n in 0..<batch {
                            acc += planeSum(dys.pointer + (n * co + c) * q, count: q)
                        }
                        target.pointer[c] = acc
                    }
                }
            }
        }
    }
}

/// The sum of `count` elements in four interleaved partial sums, combined pairwise.
@inline(__always)
func planeSum<S: TensorElement>(_ p: UnsafePointer<S>, count: Int) -> S {
    var a0: S = 0, a1: S = 0, a2: S = 0, a3: S = 0
    var t = 0
    while t + 4 <= count {
        a0 += p[t]
        a1 += p[t + 1]
        a2 += p[t + 2]
        a3 += p[t + 3]
        t += 4
    }
    while t < count {
        a0 += p[t]
        t += 1
    }
    return (a0 + a1) + (a2 + a3)
}

/// A work buffer whose every element is written before it is read (unfolded inputs,
/// products, gathered gradients), so it is not zero-filled.
@inline(__always)
func scratch<S: TensorElement>(_: S.Type, _ count: Int) -> [S] {
    [S](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}
