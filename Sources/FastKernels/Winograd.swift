import Dispatch
import TensorCore

/// The two sizes of Winograd's minimal filtering this layer has.
enum WinogradTile: Sendable, Equatable {
    /// F(2×2, 3×3): 4×4 input tiles, 16 positions, 2.25 times fewer multiplications.
    case f2
    /// F(4×4, 3×3) (`Winograd+F4x4.swift`): 6×6 input tiles, 36 positions, 4 times fewer.
    case f4

    /// Output rows and columns per tile.
    var outputSize: Int { self == .f2 ? 2 : 4 }
    /// Positions of a transformed tile (the products per tile).
    var positions: Int { self == .f2 ? 16 : 36 }
}

/// How two threads share a Winograd convolution.
enum WinogradSharing: Sendable, Equatable {
    /// One thread does everything (its products may still use two BLAS threads).
    case none
    /// Each thread takes half of the samples, through every stage; their weight-gradient
    /// sums are separate and added at the end.
    case samples
    /// The threads take every chunk together, stage by stage: the transforms by halves of
    /// the channels, the products by halves of the tile positions ξ (one BLAS thread each).
    case positions
}

/// Part `part` of `parts` equal shares of `range` (the first shares one longer when it does
/// not divide).
@inline(__always)
func share(_ range: Range<Int>, part: Int, of parts: Int) -> Range<Int> {
    let n = range.count, base = n / parts, extra = n % parts
    let lo = range.lowerBound + part * base + min(part, extra)
    return lo..<(lo + base + (part < extra ? 1 : 0))
}

/// Winograd's minimal filtering F(m×m, 3×3) (Lavin and Gray, 2016) for 3×3 stride-1
/// convolutions, forward and both backward products, with m = 2 or 4 (`WinogradTile`).
///
/// Each (m + 2)×(m + 2) input tile `d` (tiles overlap by 2) and each 3×3 kernel `g` are
/// transformed to `V = Bᵀ d B` and `U = G g Gᵀ`; the m×m output tile is
/// `Aᵀ [Σ_c U ⊙ V] A`. The sum over input channels is, for each of the (m + 2)² tile
/// positions ξ, one matrix product `M_ξ[K, P] = U_ξ[K, C] · V_ξ[C, P]` over P tiles: 2.25
/// (m = 2) or 4 (m = 4) times fewer multiplications than the unfolded product. The gradients
/// are the adjoints of the same linear maps:
/// `∂M = A ∂Y Aᵀ`, `∂V_ξ = U_ξᵀ ∂M_ξ` folded back by `B ∂V Bᵀ`, and
/// `∂U_ξ = Σ ∂M_ξ V_ξᵀ` brought back to 3×3 by `Gᵀ ∂U G`.
///
/// Tiles are taken a tile row at a time (a "unit" is one tile row of one sample); a chunk
/// is a run of units small enough that its transformed tiles stay in cache. With two
/// threads, the batch is split between two workers when there are tiles enough for two,
/// each running its products on its own thread, their weight gradients added in a fixed
/// order; otherwise both threads take each chunk together, stage by stage, the transforms
/// split by channels and the products by positions (`WinogradSharing`). Every value is
/// computed by one thread in a fixed order, so results do not depend on timing.
struct WinogradPlan: Sendable {
    let g: Conv2dGeometry
    /// The tile size.
    let tile: WinogradTile
    /// Tile rows and columns per sample: `ceil(outHeight/m)`, `ceil(outWidth/m)`.
    let tilesHigh: Int, tilesWide: Int
    /// Units (tile rows) per chunk.
    let unitsPerChunk: Int
    /// Whether Float's tile transforms run several tiles at a time (`WinogradLanes`); false runs
    /// the same sums one tile at a time, for the check that both give the same bits.
    let vectorLanes: Bool
    /// How two threads share the work when forced (for the checks), else nil.
    let forcedSharing: WinogradSharing?

    /// Elements of the transformed tiles of one chunk (input and output sides together).
    static let chunkElements = 1 << 20
    /// The fewest tiles a chunk takes when the samples have that many.
    static let minimumChunkTiles = 256
    /// The fewest tiles each of two workers takes.
    static let minimumWorkerTiles = 64
    /// The fewest multiply-adds of a chunk's products for which two threads share it by
    /// positions: below this (about 80 µs of products on one core) its three hand-overs
    /// between threads would cost a large part of what the second thread saves.
    static let minimumSharedWork = 1 << 22

    /// `unitsPerChunk`, when given, overrides the chunk size chosen for cache (for the checks
    /// that chunks starting and ending inside a sample are computed as whole ones);
    /// `sharing`, the way two threads share the work (for the checks that each way gives
    /// the right results on small shapes).
    init(
        _ g: Conv2dGeometry, tile: WinogradTile = .f2, vectorLanes: Bool = true,
        unitsPerChunk: Int? = nil, sharing: WinogradSharing? = nil
    ) {
        self.g = g
        self.forcedSharing = sharing
        self.tile = tile
        self.vectorLanes = vectorLanes
        let m = tile.outputSize
        tilesHigh = (g.outHeight + m - 1) / m
        tilesWide = (g.outWidth + m - 1) / m
        // Enough tiles that the products are not thin (and the weight-gradient sum in the
        // transformed domain, 16·K·C, is not re-read too often), few enough to stay in cache.
        let perTile = tile.positions * (g.inChannels + g.outChannels)
        let tiles = max(
            WinogradPlan.minimumChunkTiles, WinogradPlan.chunkElements / max(perTile, 1))
        self.unitsPerChunk = unitsPerChunk ?? max(1, (tiles + tilesWide - 1) / tilesWide)
    }

    /// Whether Winograd can compute a convolution of this geometry at all (3×3, stride 1).
    static func supports(_ g: Conv2dGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.stride == 1
    }

    /// Distance between the transformed matrices of the kernels, of a chunk's input tiles
    /// and of its output tiles: padded by 64 bytes or more so that the 16 streams written
    /// side by side never sit a power of two apart (which makes them evict each other from
    /// the caches).
    var weightStride: Int { g.outChannels * g.inChannels + 16 }
    func inputStride(_ tiles: Int) -> Int { g.inChannels * tiles + 16 }
    func outputStride(_ tiles: Int) -> Int { g.outChannels * tiles + 16 }

    /// Tiles in the largest chunk.
    var maxChunkTiles: Int { unitsPerChunk * tilesWide }

    /// Elements of a transformed weight: one matrix per position.
    var transformedWeightCount: Int { tile.positions * weightStride }

    /// Scalars of the row buffer the transforms of one worker share.
    var rowScratch: Int {
        tile == .f2 ? 16 * (tilesWide + 1) + 2 * tilesWide + 4 : 48 * (tilesWide + 1) + 4
    }

    /// How two threads share the convolution (`WinogradSharing`). By samples when the batch
    /// splits and either each half has a minimum chunk of tiles or each has a quarter of one
    /// and the two workers' weight-gradient sums (2 · `transformedWeightCount`) stay within
    /// 24 MiB, inside the L3 cache of the machines measured (`ddl bench --op conv2d`: on 6×6
    /// maps of 512 channels two workers' sums of 17 MiB each made the backward pass twice as
    /// slow; on 12×12 maps of 256 channels two workers with sums of 9 MiB each made F(4×4,
    /// 3×3) 1.7 times faster than one worker with two BLAS threads). Otherwise by positions
    /// (the few tiles of small maps make thin products that two BLAS threads share poorly,
    /// and one thread would do every transform alone), unless a chunk has fewer than
    /// `minimumSharedWork` multiply-adds: then one thread does it all.
    var sharing: WinogradSharing {
        if let forcedSharing { return forcedSharing }
        guard KernelThreads.count >= 2 else { return .none }
        let tiles = g.batch * tilesHigh * tilesWide
        if g.batch >= 2 {
            if tiles >= 2 * WinogradPlan.minimumChunkTiles { return .samples }
            let sums = 2 * transformedWeightCount * MemoryLayout<Float>.size
            if tiles >= 2 * WinogradPlan.minimumWorkerTiles && sums <= 24 << 20 { return .samples }
        }
        let chunkTiles = min(tiles, maxChunkTiles)
        let work = tile.positions * g.inChannels * g.outChannels * chunkTiles
        return work >= WinogradPlan.minimumSharedWork ? .positions : .none
    }

    /// Runs `body(worker, samples)` for each worker's share of the batch: two halves on two
    /// threads when `mode` shares the samples, else the whole batch on the calling thread.
    func forEachWorker(_ mode: WinogradSharing, _ body: @Sendable (Int, Range<Int>) -> Void) {
        guard mode == .samples else { return body(0, 0..<g.batch) }
        // (The callers have set one BLAS thread per product for the two workers.)
        let half = (g.batch + 1) / 2
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            body(i, i == 0 ? 0..<half : half..<g.batch)
        }
    }

    /// Runs one stage of a chunk: `body(part, parts)` for the two halves of its work on two
    /// threads when `mode` shares positions, else `body(0, 1)`. Each stage ends before the next
    /// begins.
    func stage(_ mode: WinogradSharing, _ body: @Sendable (_ part: Int, _ parts: Int) -> Void) {
        guard mode == .positions else { return body(0, 1) }
        DispatchQueue.concurrentPerform(iterations: 2) { i in body(i, 2) }
    }

    /// Calls `body(u0, u1)` for consecutive chunks of the units of samples `samples`.
    func forEachChunk(of samples: Range<Int>, _ body: (Int, Int) -> Void) {
        var u = samples.lowerBound * tilesHigh
        let end = samples.upperBound * tilesHigh
        while u < end {
            let next = min(end, u + unitsPerChunk)
            body(u, next)
            u = next
        }
    }
}

// MARK: - Transforms, by tile size

extension WinogradPlan {
    /// `U_ξ = G g Gᵀ` for every kernel of `weight[K, C, 3, 3]` into `u[positions, K, C]`.
    func transformWeights<S: TensorElement>(
        _ weight: UnsafePointer<S>, into u: UnsafeMutablePointer<S>
    ) {
        tile == .f2
            ? transformWeightsF2(weight, into: u) : transformWeightsF4(weight, into: u)
    }

    /// `Gᵀ ∂U G`: the transformed weight gradient back to `[K, C, 3, 3]`.
    func untransformWeightGradient<S: TensorElement>(
        _ du: UnsafePointer<S>, into dw: UnsafeMutablePointer<S>
    ) {
        tile == .f2
            ? untransformWeightGradientF2(du, into: dw) : untransformWeightGradientF4(du, into: dw)
    }

    /// `V = Bᵀ d B` for the input tiles of units `[u0, u1)` in input channels `channels`.
    func transformInput<S: TensorElement>(
        _ x: UnsafePointer<S>, units u0: Int, _ u1: Int, into v: UnsafeMutablePointer<S>,
        channels: Range<Int>, rows: UnsafeMutablePointer<S>
    ) {
        tile == .f2
            ? transformInputF2(x, units: u0, u1, into: v, channels: channels, rows: rows)
            : transformInputF4(x, units: u0, u1, into: v, channels: channels, rows: rows)
    }

    /// `∂M = A ∂Y Aᵀ` for the output-gradient tiles of units `[u0, u1)` in output channels
    /// `channels`.
    func transformOutputGradient<S: TensorElement>(
        _ dy: UnsafePointer<S>, units u0: Int, _ u1: Int, into dm: UnsafeMutablePointer<S>,
        channels: Range<Int>, rows: UnsafeMutablePointer<S>
    ) {
        tile == .f2
            ? transformOutputGradientF2(dy, units: u0, u1, into: dm, channels: channels, rows: rows)
            : transformOutputGradientF4(dy, units: u0, u1, into: dm, channels: channels, rows: rows)
    }

    /// `y = Aᵀ M A` for the tiles of units `[u0, u1)` in output channels `channels`, into the
    /// output.
    func untransformOutput<S: TensorElement>(
        _ m: UnsafePointer<S>, units u0: Int, _ u1: Int, into out: UnsafeMutablePointer<S>,
        channels: Range<Int>, rows: UnsafeMutablePointer<S>
    ) {
        tile == .f2
            ? untransformOutputF2(m, units: u0, u1, into: out, channels: channels, rows: rows)
            : untransformOutputF4(m, units: u0, u1, into: out, channels: channels, rows: rows)
    }

    /// `∂x += B ∂V Bᵀ` for the tiles of units `[u0, u1)` in input channels `channels`.
    func untransformInputGradient<S: TensorElement>(
        _ dv: UnsafePointer<S>, units u0: Int, _ u1: Int, into dx: UnsafeMutablePointer<S>,
        channels: Range<Int>, rows: UnsafeMutablePointer<S>
    ) {
        if tile == .f2 {
            untransformInputGradientF2(dv, units: u0, u1, into: dx, channels: channels, rows: rows)
        } else {
            untransformInputGradientF4(dv, units: u0, u1, into: dx, channels: channels, rows: rows)
        }
    }
}

// MARK: - Forward and backward

extension WinogradPlan {
    /// The transformed kernels `U` of `weight[K, C, 3, 3]` (`transformedWeightCount` elements):
    /// what `forward` and `backward` take as `transformed`, so that a weight used more than
    /// once is transformed once. (The plan's input size does not enter the transform.)
    static func transformedWeights<S: TensorElement>(
        _ weight: Tensor<S>, tile: WinogradTile
    ) -> Tensor<S> {
        let k = weight.shape[0], c = weight.shape[1]
        let g = requireShapes { () throws(ShapeError) in
            try Conv2dGeometry(input: [1, c, 3, 3], weight: [k, c, 3, 3], stride: 1, padding: 1)
        }
        let plan = WinogradPlan(g, tile: tile)
        return Tensor(shape: [plan.transformedWeightCount]) { out in
            // The padding between the matrices is never read; zero it all the same.
            out.update(repeating: 0)
            weight.scalars.withUnsafeBufferPointer { pw in
                guard pw.count > 0 else { return }
                plan.transformWeights(pw.start, into: out.start)
            }
        }
    }

    /// The convolution of `x` with `weight`, through `epilogue` when given (a bias, or a
    /// folded batch norm and PReLU), into `out[N, K, Ho, Wo]`; `transformed` holds the
    /// weight's `U` when already computed. Each chunk's outputs go through the epilogue as
    /// soon as they are written, while still in cache.
    func forward<S: TensorElement>(
        x: UnsafePointer<S>, weight: UnsafePointer<S>, transformed: UnsafePointer<S>? = nil,
        epilogue: ConvolutionEpilogue<S>? = nil, out: UnsafeMutablePointer<S>
    ) {
        var u = scratch(S.self, transformed == nil ? transformedWeightCount : 0)
        if transformed == nil {
            u.withUnsafeMutableBufferPointer { transformWeights(weight, into: $0.baseAddress!) }
        }
        // One BLAS thread per product wherever two threads share the work.
        let mode = sharing, serial = mode != .none
        if serial { BLASThreads.fit(m: 1, n: 1, k: 1) }
        let rowBuffers = mode == .positions ? 2 : 1
        let (xs, os) = (SendablePointer(x), SendableMutablePointer(out))
        u.withUnsafeBufferPointer { pu in
            let us = SendablePointer(transformed ?? pu.baseAddress!)
            forEachWorker(mode) { _, samples in
                let tiles = maxChunkTiles
                var v = scratch(S.self, tile.positions * inputStride(tiles))
                var m = scratch(S.self, tile.positions * outputStride(tiles))
                var rows = scratch(S.self, rowBuffers * rowScratch)
                v.withUnsafeMutableBufferPointer { pv in
                    m.withUnsafeMutableBufferPointer { pm in
                        rows.withUnsafeMutableBufferPointer { pr in
                            let vb = SendableMutablePointer(pv.baseAddress!)
                            let mb = SendableMutablePointer(pm.baseAddress!)
                            let rb = SendableMutablePointer(pr.baseAddress!)
                            forEachChunk(of: samples) { u0, u1 in
                                let p = (u1 - u0) * tilesWide
                                stage(mode) { part, parts in
                                    transformInput(
                                        xs.pointer, units: u0, u1, into: vb.pointer,
                                        channels: share(0..<g.inChannels, part: part, of: parts),
                                        rows: rb.pointer + part * rowScratch)
                                }
                                stage(mode) { part, parts in
                                    for xi in share(0..<tile.positions, part: part, of: parts) {
                                        S.product(
                                            serial: serial, transA: false, transB: false,
                                            m: g.outChannels, n: p, k: g.inChannels,
                                            a: us.pointer + xi * weightStride, lda: g.inChannels,
                                            b: vb.pointer + xi * inputStride(p), ldb: p, beta: 0,
                                            c: mb.pointer + xi * outputStride(p), ldc: p)
                                    }
                                }
                                stage(mode) { part, parts in
                                    let ks = share(0..<g.outChannels, part: part, of: parts)
                                    untransformOutput(
                                        mb.pointer, units: u0, u1, into: os.pointer,
                                        channels: ks, rows: rb.pointer + part * rowScratch)
                                    if let epilogue {
                                        applyEpilogue(
                                            epilogue, units: u0, u1, channels: ks, to: os.pointer)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Applies `epilogue` to the outputs of every channel k in `channels` in the output rows
    /// of units `[u0, u1)` (tile rows of consecutive samples).
    func applyEpilogue<S: TensorElement>(
        _ epilogue: ConvolutionEpilogue<S>, units u0: Int, _ u1: Int, channels: Range<Int>,
        to out: UnsafeMutablePointer<S>
    ) {
        let m = tile.outputSize, oh = g.outHeight, ow = g.outWidth, k = g.outChannels
        var u = u0
        while u < u1 {
            let n = u / tilesHigh, r0 = u % tilesHigh, r1 = min(tilesHigh, r0 + (u1 - u))
            let y0 = r0 * m, y1 = min(oh, r1 * m)
            for c in channels {
                let row = out + ((n * k + c) * oh + y0) * ow
                epilogue.apply(row, count: (y1 - y0) * ow, channel: c)
            }
            u += r1 - r0
        }
    }

    /// The input gradient (into zeroed `dx`, when given) and the weight gradient (into `dw`,
    /// when given) for the upstream gradient `dy`.
    func backward<S: TensorElement>(
        x: UnsafePointer<S>, weight: UnsafePointer<S>, transformed: UnsafePointer<S>? = nil,
        dy: UnsafePointer<S>, dx: UnsafeMutablePointer<S>?, dw: UnsafeMutablePointer<S>?
    ) {
        // Separate weight-gradient sums per worker only when the samples are split.
        let mode = sharing, sums = mode == .samples ? 2 : 1
        let transform = dx != nil && transformed == nil
        var u = scratch(S.self, transform ? transformedWeightCount : 0)
        if transform {
            u.withUnsafeMutableBufferPointer { transformWeights(weight, into: $0.baseAddress!) }
        }
        var du = [S](repeating: 0, count: dw == nil ? 0 : transformedWeightCount * sums)
        let serial = mode != .none
        if serial { BLASThreads.fit(m: 1, n: 1, k: 1) }
        let rowBuffers = mode == .positions ? 2 : 1
        let (xs, dys) = (SendablePointer(x), SendablePointer(dy))
        let dxs = dx.map { SendableMutablePointer($0) }
        u.withUnsafeBufferPointer { pu in
            du.withUnsafeMutableBufferPointer { pdu in
                let us =
                    (transformed ?? (transform ? pu.baseAddress.map { UnsafePointer($0) } : nil))
                    .map { SendablePointer($0) }
                // (An empty array's buffer has an address too: only `dw` says whether to write.)
                let dus = dw == nil ? nil : pdu.baseAddress.map { SendableMutablePointer($0) }
                forEachWorker(mode) { worker, samples in
                    let tiles = maxChunkTiles
                    var v = scratch(S.self, tile.positions * inputStride(tiles))
                    var m = scratch(S.self, tile.positions * outputStride(tiles))
                    var rows = scratch(S.self, rowBuffers * rowScratch)
                    v.withUnsafeMutableBufferPointer { pv in
                        m.withUnsafeMutableBufferPointer { pm in
                            rows.withUnsafeMutableBufferPointer { pr in
                                let vb = SendableMutablePointer(pv.baseAddress!)
                                let mb = SendableMutablePointer(pm.baseAddress!)
                                let rb = SendableMutablePointer(pr.baseAddress!)
                                let target = dus.map {
                                    SendableMutablePointer(
                                        $0.pointer + worker * transformedWeightCount)
                                }
                                forEachChunk(of: samples) { u0, u1 in
                                    backwardChunk(
                                        units: u0, u1, x: xs, dy: dys, transformed: us,
                                        v: vb, m: mb, rows: rb, du: target, dx: dxs,
                                        mode: mode)
                                }
                            }
                        }
                    }
                }
                if let dw, let base = pdu.baseAddress {
                    let n = transformedWeightCount
                    for w in 1..<sums { for i in 0..<n { base[i] += base[w * n + i] } }
                    untransformWeightGradient(UnsafePointer(base), into: dw)
                }
            }
        }
    }

    /// One chunk of the backward pass, in three stages: the output gradient's tiles (and the
    /// input's, for the weight gradient) transformed; for each position, `∂U_ξ += ∂M_ξ V_ξᵀ`
    /// into `du` and `∂V_ξ = U_ξᵀ ∂M_ξ` over `v` (after `v` has served the weight gradient);
    /// the input gradient's tiles folded back into `dx`.
    func backwardChunk<S: TensorElement>(
        units u0: Int, _ u1: Int, x: SendablePointer<S>, dy: SendablePointer<S>,
        transformed us: SendablePointer<S>?, v: SendableMutablePointer<S>,
        m: SendableMutablePointer<S>, rows: SendableMutablePointer<S>,
        du: SendableMutablePointer<S>?, dx: SendableMutablePointer<S>?, mode: WinogradSharing
    ) {
        let p = (u1 - u0) * tilesWide, serial = mode != .none
        let inputGradient = dx != nil && us != nil
        stage(mode) { part, parts in
            let rb = rows.pointer + part * rowScratch
            transformOutputGradient(
                dy.pointer, units: u0, u1, into: m.pointer,
                channels: share(0..<g.outChannels, part: part, of: parts), rows: rb)
            if du != nil {
                transformInput(
                    x.pointer, units: u0, u1, into: v.pointer,
                    channels: share(0..<g.inChannels, part: part, of: parts), rows: rb)
            }
        }
        stage(mode) { part, parts in
            for xi in share(0..<tile.positions, part: part, of: parts) {
                let mx = m.pointer + xi * outputStride(p), vx = v.pointer + xi * inputStride(p)
                if let du {
                    S.product(
                        serial: serial, transA: false, transB: true,
                        m: g.outChannels, n: g.inChannels, k: p, a: mx, lda: p, b: vx, ldb: p,
                        beta: 1, c: du.pointer + xi * weightStride, ldc: g.inChannels)
                }
                if inputGradient, let us {
                    S.product(
                        serial: serial, transA: true, transB: false,
                        m: g.inChannels, n: p, k: g.outChannels,
                        a: us.pointer + xi * weightStride, lda: g.inChannels, b: mx, ldb: p,
                        beta: 0, c: vx, ldc: p)
                }
            }
        }
        guard inputGradient, let dx else { return }
        stage(mode) { part, parts in
            untransformInputGradient(
                v.pointer, units: u0, u1, into: dx.pointer,
                channels: share(0..<g.inChannels, part: part, of: parts),
                rows: rows.pointer + part * rowScratch)
        }
    }
}
