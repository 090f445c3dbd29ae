import Dispatch
import RealModule

/// The geometry of a 2-D convolution or pooling window over an NCHW input.
public struct Conv2dGeometry: Equatable, Sendable {
    public let batch: Int, inChannels: Int, height: Int, width: Int
    public let outChannels: Int, kernelHeight: Int, kernelWidth: Int
    public let stride: Int, padding: Int
    /// Output size: `floor((n + 2·padding − kernel) / stride) + 1` (PyTorch's rule).
    public let outHeight: Int, outWidth: Int

    /// Rows of the unfolded input: `inChannels · kernelHeight · kernelWidth`.
    public var patchSize: Int { inChannels * kernelHeight * kernelWidth }
    /// Output positions per sample.
    public var outPlane: Int { outHeight * outWidth }

    /// Validates an input shape `[N, C, H, W]` against a weight shape `[Cout, C, kh, kw]`.
    public init(input: [Int], weight: [Int], stride: Int, padding: Int) throws(ShapeError) {
        guard input.count == 4, weight.count == 4 else {
            throw ShapeError("conv2d", "needs input [N, C, H, W] and weight [Cout, C, kh, kw], got \(describe(input)) and \(describe(weight))")
        }
        guard input[1] == weight[1] else {
            throw ShapeError("conv2d", "input \(describe(input)) has \(input[1]) channels, weight \(describe(weight)) expects \(weight[1])")
        }
        try self.init(
            batch: input[0], channels: input[1], height: input[2], width: input[3],
            outChannels: weight[0], kernelHeight: weight[2], kernelWidth: weight[3],
            stride: stride, padding: padding, operation: "conv2d")
    }

    /// Validates a window of `kernel` over an input of `[N, C, H, W]` (pooling keeps channels).
    public init(
        batch: Int, channels: Int, height: Int, width: Int, outChannels: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int, operation: String
    ) throws(ShapeError) {
        guard stride >= 1, padding >= 0, kernelHeight >= 1, kernelWidth >= 1 else {
            throw ShapeError(operation, "kernel \(kernelHeight)×\(kernelWidth), stride \(stride), padding \(padding) are not valid")
        }
        let oh = (height + 2 * padding - kernelHeight) / stride + 1
        let ow = (width + 2 * padding - kernelWidth) / stride + 1
        guard height + 2 * padding >= kernelHeight, width + 2 * padding >= kernelWidth, oh >= 1, ow >= 1 else {
            throw ShapeError(operation, "input [\(batch), \(channels), \(height), \(width)] is smaller than the kernel \(kernelHeight)×\(kernelWidth) with padding \(padding)")
        }
        self.batch = batch; self.inChannels = channels; self.height = height; self.width = width
        self.outChannels = outChannels; self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.stride = stride; self.padding = padding; self.outHeight = oh; self.outWidth = ow
    }

    /// The output shape `[N, Cout, Ho, Wo]`.
    public var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }

    /// Whether the unfolded input is the input itself (1×1 kernel, stride 1, no padding).
    var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 }

    /// The range of output columns `ox` whose input column `ox·stride − padding + j` is inside.
    @inlinable
    func validRange(offset j: Int, size: Int, outSize: Int) -> Range<Int> {
        // ox·s − p + j ≥ 0  ⇔  ox ≥ ceil((p − j)/s);  ox·s − p + j ≤ size − 1.
        let lowNum = padding - j
        let lo = lowNum <= 0 ? 0 : (lowNum + stride - 1) / stride
        let highNum = size - 1 + padding - j
        let hi = highNum < 0 ? -1 : min(outSize - 1, highNum / stride)
        return lo <= hi ? lo..<(hi + 1) : 0..<0
    }
}

/// How many elements of unfolded input one chunk of a convolution may use. Samples are
/// grouped until this is reached, so small feature maps still make large products.
public let convolutionChunkElements = 1 << 22

extension Conv2dGeometry {
    /// Samples per chunk of unfolded input. A 1×1 convolution over planes of 1,024 or more
    /// takes one sample at a time: each sample's `[C, H·W]` block is already the product's
    /// operand, so nothing is copied.
    var samplesPerChunk: Int {
        if isPointwise && outPlane >= 1024 { return 1 }
        return max(1, min(batch, convolutionChunkElements / max(patchSize * outPlane, 1)))
    }

    /// Unfolds samples `[n0, n0 + nb)` of `x` into `cols[patchSize, nb·outPlane]`.
    func im2col<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, n0: Int, nb: Int, into cols: UnsafeMutablePointer<S>) {
        let xs = SendablePointer(x.start), count = x.count, out = SendableMutablePointer(cols)
        forEachChannelRange(nb: nb) { channels in
            im2col(UnsafeBufferPointer(start: xs.pointer, count: count), n0: n0, nb: nb, channels: channels, into: out.pointer)
        }
    }

    /// Splits the input channels over two threads when unfolding is large and nothing else
    /// runs beside it (the batch is not already split), since it writes disjoint rows.
    func forEachChannelRange(nb: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let work = patchSize * nb * outPlane
        guard workerCount == 1, BLASThreads.count >= 2, inChannels >= 2, work >= 1 << 18 else { return body(0..<inChannels) }
        let half = inChannels / 2
        DispatchQueue.concurrentPerform(iterations: 2) { i in body(i == 0 ? 0..<half : half..<inChannels) }
    }

    /// Unfolds the given input channels of samples `[n0, n0 + nb)` into their rows of `cols`.
    func im2col<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, n0: Int, nb: Int, channels: Range<Int>, into cols: UnsafeMutablePointer<S>) {
        let plane = height * width, ldc = nb * outPlane
        for c in channels {
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let row = (c * kernelHeight + i) * kernelWidth + j
                    let xr = validRange(offset: j, size: width, outSize: outWidth)
                    for s in 0..<nb {
                        let src = (n0 + s) * inChannels * plane + c * plane
                        let dstBase = row * ldc + s * outPlane
                        for oy in 0..<outHeight {
                            let dst = cols + dstBase + oy * outWidth
                            let iy = oy * stride - padding + i
                            if iy < 0 || iy >= height {
                                dst.update(repeating: 0, count: outWidth)
                                continue
                            }
                            if xr.lowerBound > 0 { dst.update(repeating: 0, count: xr.lowerBound) }
                            let rowSrc = src + iy * width - padding + j
                            if stride == 1 {
                                (dst + xr.lowerBound).update(from: x.start + rowSrc + xr.lowerBound, count: xr.count)
                            } else {
                                for ox in xr { dst[ox] = x[rowSrc + ox * stride] }
                            }
                            if xr.upperBound < outWidth {
                                (dst + xr.upperBound).update(repeating: 0, count: outWidth - xr.upperBound)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Folds `cols[patchSize, nb·outPlane]` back, adding into samples `[n0, n0 + nb)` of `dx`.
    func col2im<S: TensorScalar>(_ cols: UnsafePointer<S>, n0: Int, nb: Int, into dx: UnsafeMutableBufferPointer<S>) {
        let source = SendablePointer(cols), target = SendableMutablePointer(dx.start), count = dx.count
        forEachChannelRange(nb: nb) { channels in
            col2im(source.pointer, n0: n0, nb: nb, channels: channels, into: UnsafeMutableBufferPointer(start: target.pointer, count: count))
        }
    }

    /// Folds the rows of the given input channels back, adding into their planes of `dx`
    /// (each channel's plane is written by one thread only).
    func col2im<S: TensorScalar>(_ cols: UnsafePointer<S>, n0: Int, nb: Int, channels: Range<Int>, into dx: UnsafeMutableBufferPointer<S>) {
        let plane = height * width, ldc = nb * outPlane
        for c in channels {
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let row = (c * kernelHeight + i) * kernelWidth + j
                    let xr = validRange(offset: j, size: width, outSize: outWidth)
                    for s in 0..<nb {
                        let dst = (n0 + s) * inChannels * plane + c * plane
                        let srcBase = row * ldc + s * outPlane
                        for oy in 0..<outHeight {
                            let iy = oy * stride - padding + i
                            if iy < 0 || iy >= height { continue }
                            let src = cols + srcBase + oy * outWidth
                            let rowDst = dst + iy * width - padding + j
                            for ox in xr { dx[rowDst + ox * stride] += src[ox] }
                        }
                    }
                }
            }
        }
    }
}

/// Copies samples `[n0, n0 + nb)` of a `[N, rows, q]` buffer into a `[rows, nb·q]` matrix,
/// so a group of samples makes one product.
@inlinable
func gatherSamples<S>(_ src: UnsafePointer<S>, n0: Int, nb: Int, rows: Int, q: Int, into dst: UnsafeMutablePointer<S>) {
    for s in 0..<nb {
        for r in 0..<rows {
            (dst + r * nb * q + s * q).update(from: src + (n0 + s) * rows * q + r * q, count: q)
        }
    }
}

/// The inverse of `gatherSamples`: a `[rows, nb·q]` matrix back into samples of `[N, rows, q]`,
/// overwriting, or adding when `accumulate` is set.
@inlinable
func scatterSamples<S: TensorScalar>(
    _ src: UnsafePointer<S>, n0: Int, nb: Int, rows: Int, q: Int, into dst: UnsafeMutablePointer<S>, accumulate: Bool
) {
    for s in 0..<nb {
        for r in 0..<rows {
            let d = dst + (n0 + s) * rows * q + r * q, from = src + r * nb * q + s * q
            if accumulate {
                for t in 0..<q { d[t] += from[t] }
            } else {
                d.update(from: from, count: q)
            }
        }
    }
}

extension Tensor {
    /// 2-D convolution (cross-correlation, as PyTorch) of `x[N, C, H, W]` with
    /// `weight[Cout, C, kh, kw]` and an optional `bias[Cout]`, by unfolding and BLAS gemm.
    static func conv2dKernel(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
        let g = requireShapes { () throws(ShapeError) -> Conv2dGeometry in
            let g = try Conv2dGeometry(input: x.shape, weight: weight.shape, stride: stride, padding: padding)
            if let b = bias, b.shape != [g.outChannels] {
                throw ShapeError("conv2d", "bias \(describe(b.shape)) does not match \(g.outChannels) output channels")
            }
            return g
        }
        let k = g.patchSize, q = g.outPlane, co = g.outChannels
        var out = Tensor(shape: g.outputShape) { _ in }
        x.storage.withUnsafeBufferPointer { px in
            weight.storage.withUnsafeBufferPointer { pw in
                out.storage.withUnsafeMutableBufferPointer { po in
                    let (xs, ws, os) = (SendablePointer(px.start), SendablePointer(pw.start), SendableMutablePointer(po.start))
                    let count = px.count
                    if WinogradPlan.applies(to: g) {
                        WinogradPlan(g).forward(x: xs.pointer, weight: ws.pointer, out: os.pointer)
                    } else {
                        g.forEachSampleRange { range in
                            g.forwardSamples(range, x: xs.pointer, count: count, weight: ws.pointer, out: os.pointer)
                        }
                    }
                    if let bias {
                        bias.storage.withUnsafeBufferPointer { pb in
                            for n in 0..<g.batch {
                                for c in 0..<co {
                                    let base = (n * co + c) * q, b = pb[c]
                                    for t in 0..<q { po[base + t] += b }
                                }
                            }
                        }
                    }
                }
            }
        }
        _ = k
        return out
    }

    /// Gradients of `conv2d` given the upstream gradient `dy[N, Cout, Ho, Wo]`: each returned
    /// only when asked for. The weight gradient is `Σ_n dy_n · colsᵀ`, the input gradient folds
    /// `weightᵀ · dy_n` back; both are gemms over chunks of samples.
    static func conv2dBackwardKernel(
        _ x: Tensor, weight: Tensor, upstream dy: Tensor, stride: Int, padding: Int,
        needInput: Bool, needWeight: Bool, needBias: Bool
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let g = requireShapes { () throws(ShapeError) -> Conv2dGeometry in
            let g = try Conv2dGeometry(input: x.shape, weight: weight.shape, stride: stride, padding: padding)
            guard dy.shape == g.outputShape else {
                throw ShapeError("conv2d_backward", "upstream \(describe(dy.shape)) does not match output \(describe(g.outputShape))")
            }
            return g
        }
        let k = g.patchSize, q = g.outPlane, co = g.outChannels
        var dx = needInput ? [Scalar](repeating: 0, count: x.count) : []
        let workers = g.workerCount
        // One weight-gradient buffer per worker, added in a fixed order at the end.
        var dw = needWeight ? [Scalar](repeating: 0, count: weight.count * workers) : []
        if (needInput || needWeight) && WinogradPlan.applies(to: g) {
            dw = needWeight ? [Scalar](repeating: 0, count: weight.count) : []
            x.storage.withUnsafeBufferPointer { px in
                weight.storage.withUnsafeBufferPointer { pw in
                    dy.storage.withUnsafeBufferPointer { pdy in
                        dx.withUnsafeMutableBufferPointer { pdx in
                            dw.withUnsafeMutableBufferPointer { pdw in
                                WinogradPlan(g).backward(
                                    x: px.start, weight: pw.start, dy: pdy.start,
                                    dx: needInput ? pdx.start : nil, dw: needWeight ? pdw.start : nil)
                            }
                        }
                    }
                }
            }
        } else if needInput || needWeight {
            x.storage.withUnsafeBufferPointer { px in
                weight.storage.withUnsafeBufferPointer { pw in
                    dy.storage.withUnsafeBufferPointer { pdy in
                        dx.withUnsafeMutableBufferPointer { pdx in
                            dw.withUnsafeMutableBufferPointer { pdw in
                                let xs = SendablePointer(px.start), ws = SendablePointer(pw.start), dys = SendablePointer(pdy.start)
                                let dxs = needInput ? SendableMutablePointer(pdx.start) : nil
                                let dws = needWeight ? SendableMutablePointer(pdw.start) : nil
                                let wcount = weight.count, count = px.count
                                g.forEachSampleRange { range in
                                    let worker = g.worker(of: range)
                                    g.backwardSamples(
                                        range, x: xs.pointer, count: count, weight: ws.pointer, dy: dys.pointer,
                                        dx: dxs?.pointer, dw: dws.map { $0.pointer + worker * wcount })
                                }
                            }
                        }
                    }
                }
            }
        }
        if needWeight && workers > 1 && !WinogradPlan.applies(to: g) {
            let n = weight.count
            for w in 1..<workers { for i in 0..<n { dw[i] += dw[w * n + i] } }
            dw.removeLast(n * (workers - 1))
        }
        _ = k
        var db: Tensor? = nil
        if needBias {
            db = Tensor(shape: [co]) { out in
                dy.scalars.withUnsafeBufferPointer { p in
                    for c in 0..<co {
                        var acc: Scalar = 0
                        for n in 0..<g.batch {
                            let base = (n * co + c) * q
                            for t in 0..<q { acc += p[base + t] }
                        }
                        out[c] = acc
                    }
                }
            }
        }
        return (
            needInput ? Tensor(shape: x.shape, scalars: dx) : nil,
            needWeight ? Tensor(shape: weight.shape, scalars: dw) : nil,
            db
        )
    }
}

/// A pointer that may cross into a worker thread; the workers write disjoint regions.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafePointer<T>
    init(_ p: UnsafePointer<T>) { pointer = p }
}

/// A mutable pointer that may cross into a worker thread; the workers write disjoint regions.
struct SendableMutablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ p: UnsafeMutablePointer<T>) { pointer = p }
}

extension Conv2dGeometry {
    /// Two workers, each running its products on one BLAS thread, when the batch can be split
    /// and either the products are small (BLAS would run them on one thread anyway) or the
    /// convolution is 1×1 over large planes (thin products that BLAS threads poorly);
    /// otherwise one, whose products BLAS threads itself.
    var workerCount: Int {
        let perChunk = outChannels * patchSize * outPlane * samplesPerChunk
        let split = perChunk < BLASThreads.parallelThreshold || (isPointwise && outPlane >= 1024)
        return BLASThreads.count >= 2 && batch >= 2 && split ? 2 : 1
    }

    /// The worker that handles a sample range.
    func worker(of range: Range<Int>) -> Int { range.lowerBound == 0 ? 0 : 1 }

    /// Calls `body` for the batch as one range, or for two halves on two threads.
    func forEachSampleRange(_ body: @Sendable (Range<Int>) -> Void) {
        guard workerCount == 2 else { return body(0..<batch) }
        BLASThreads.fit(m: 1, n: 1, k: 1)  // one thread per product while both workers run
        let half = (batch + 1) / 2
        DispatchQueue.concurrentPerform(iterations: 2) { i in body(i == 0 ? 0..<half : half..<batch) }
    }

    /// The unfolded input `[patchSize, nb·outPlane]` of samples `[n0, n0 + nb)`: the sample's
    /// own `[C, H·W]` block for a 1×1 convolution of one sample (no copy), else gathered or
    /// unfolded into `cols`.
    @inline(__always)
    func unfolded<S: TensorScalar>(
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

    /// The forward products of samples `range` into `out`.
    func forwardSamples<S: TensorScalar>(
        _ range: Range<Int>, x: UnsafePointer<S>, count: Int, weight: UnsafePointer<S>, out: UnsafeMutablePointer<S>
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
                    S.product(serial: workerCount == 2, transA: false, transB: false, m: co, n: nb * q, k: k, a: weight, lda: k,
                           b: colsPtr, ldb: nb * q, beta: 0, c: target, ldc: nb * q)
                    if nb > 1 { scatterSamples(UnsafePointer(pp.start), n0: n0, nb: nb, rows: co, q: q, into: out, accumulate: false) }
                    n0 += nb
                }
            }
        }
    }

    /// The backward products of samples `range`: input gradients into `dx` (when given),
    /// weight gradients added into `dw` (when given).
    func backwardSamples<S: TensorScalar>(
        _ range: Range<Int>, x: UnsafePointer<S>, count: Int, weight: UnsafePointer<S>, dy: UnsafePointer<S>,
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
                        S.product(serial: workerCount == 2, transA: false, transB: true, m: co, n: k, k: nb * q, a: dyPtr, lda: nb * q,
                               b: colsPtr, ldb: nb * q, beta: 1, c: dw, ldc: k)
                    }
                    if let dx, isPointwise && nb == 1 {
                        // Straight into the sample's gradient (which starts at zero).
                        S.product(serial: workerCount == 2, transA: true, transB: false, m: k, n: q, k: co, a: weight, lda: k,
                               b: dyPtr, ldb: q, beta: 1, c: dx + n0 * k * q, ldc: q)
                    } else if let dx {
                        S.product(serial: workerCount == 2, transA: true, transB: false, m: k, n: nb * q, k: co, a: weight, lda: k,
                               b: dyPtr, ldb: nb * q, beta: 0, c: pc.start, ldc: nb * q)
                        if isPointwise {
                            scatterSamples(UnsafePointer(pc.start), n0: n0, nb: nb, rows: k, q: q, into: dx, accumulate: true)
                        } else {
                            col2im(UnsafePointer(pc.start), n0: n0, nb: nb, into: UnsafeMutableBufferPointer(start: dx, count: count))
                        }
                    }
                    n0 += nb
                }
            }
        }
    }
}

/// A work buffer whose every element is written before it is read (unfolded inputs,
/// products, gathered gradients), so it is not zero-filled.
@inline(__always)
func scratch<S: TensorScalar>(_: S.Type, _ count: Int) -> [S] {
    [S](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}
