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
/// is a run of units small enough that its transformed tiles stay in cache. The batch is
/// split between two workers when BLAS has two threads and there are tiles enough for two,
/// each running its products on its own thread; their weight gradients are added in a fixed
/// order, so results do not depend on timing.
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

    /// Elements of the transformed tiles of one chunk (input and output sides together).
    static let chunkElements = 1 << 20
    /// The fewest tiles a chunk takes when the samples have that many.
    static let minimumChunkTiles = 256
    /// The fewest tiles each of two workers takes.
    static let minimumWorkerTiles = 64

    /// `unitsPerChunk`, when given, overrides the chunk size chosen for cache (for the checks
    /// that chunks starting and ending inside a sample are computed as whole ones).
    init(
        _ g: Conv2dGeometry, tile: WinogradTile = .f2, vectorLanes: Bool = true,
        unitsPerChunk: Int? = nil
    ) {
        self.g = g
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

    /// Two workers (each on one BLAS thread) when BLAS may use two threads and the batch
    /// splits, and either each half has a minimum chunk of tiles or each has a quarter of
    /// one and the two workers' weight-gradient sums (2 · `transformedWeightCount`) stay
    /// within 24 MiB, inside the L3 cache of the machines measured (`ddl bench --op conv2d`:
    /// on 6×6 maps of 512 channels two workers' sums of 17 MiB each made the backward pass
    /// twice as slow; on 12×12 maps of 256 channels two workers with sums of 9 MiB each made
    /// F(4×4, 3×3) 1.7 times faster than one worker with two BLAS threads). Otherwise one,
    /// whose products BLAS threads itself.
    var workerCount: Int {
        guard KernelThreads.count >= 2 && g.batch >= 2 else { return 1 }
        let tiles = g.batch * tilesHigh * tilesWide
        if tiles >= 2 * WinogradPlan.minimumChunkTiles { return 2 }
        let sums = 2 * transformedWeightCount * MemoryLayout<Float>.size
        return tiles >= 2 * WinogradPlan.minimumWorkerTiles && sums <= 24 << 20 ? 2 : 1
    }

    /// Runs `body(worker, samples)` for each worker's share of the batch.
    func forEachWorker(_ body: @Sendable (Int, Range<Int>) -> Void) {
        guard workerCount == 2 else { return body(0, 0..<g.batch) }
        let half = (g.batch + 1) / 2
        BLASThreads.fit(m: 1, n: 1, k: 1)  // one thread per product while both workers run
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            body(i, i == 0 ? 0..<half : half..<g.batch)
        }
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

    /// `V = Bᵀ d B` for the input tiles of units `[u0, u1)`.
    func transformInput<S: TensorElement>(
        _ x: UnsafePointer<S>, units u0: Int, _ u1: Int, into v: UnsafeMutablePointer<S>,
        rows: UnsafeMutablePointer<S>
    ) {
        tile == .f2
            ? transformInputF2(x, units: u0, u1, into: v, rows: rows)
            : transformInputF4(x, units: u0, u1, into: v, rows: rows)
    }

    /// `∂M = A ∂Y Aᵀ` for the output-gradient tiles of units `[u0, u1)`.
    func transformOutputGradient<S: TensorElement>(
        _ dy: UnsafePointer<S>, units u0: Int, _ u1: Int, into dm: UnsafeMutablePointer<S>,
        rows: UnsafeMutablePointer<S>
    ) {
        tile == .f2
            ? transformOutputGradientF2(dy, units: u0, u1, into: dm, rows: rows)
            : transformOutputGradientF4(dy, units: u0, u1, into: dm, rows: rows)
    }

    /// `y = Aᵀ M A` for the tiles of units `[u0, u1)`, into the output.
    func untransformOutput<S: TensorElement>(
        _ m: UnsafePointer<S>, units u0: Int, _ u1: Int, into out: UnsafeMutablePointer<S>,
        rows: UnsafeMutablePointer<S>
    ) {
        tile == .f2
            ? untransformOutputF2(m, units: u0, u1, into: out, rows: rows)
            : untransformOutputF4(m, units: u0, u1, into: out, rows: rows)
    }

    /// `∂x += B ∂V Bᵀ` for the tiles of units `[u0, u1)`.
    func untransformInputGradient<S: TensorElement>(
        _ dv: UnsafePointer<S>, units u0: Int, _ u1: Int, into dx: UnsafeMutablePointer<S>,
        rows: UnsafeMutablePointer<S>
    ) {
        tile == .f2
            ? untransformInputGradientF2(dv, units: u0, u1, into: dx, rows: rows)
            : untransformInputGradientF4(dv, units: u0, u1, into: dx, rows: rows)
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
        let serial = workerCount == 2
        let (xs, os) = (SendablePointer(x), SendableMutablePointer(out))
        u.withUnsafeBufferPointer { pu in
            let us = SendablePointer(transformed ?? pu.baseAddress!)
            forEachWorker { _, samples in
                let tiles = maxChunkTiles
                var v = scratch(S.self, tile.positions * inputStride(tiles))
                var m = scratch(S.self, tile.positions * outputStride(tiles))
                var rows = scratch(S.self, rowScratch)
                v.withUnsafeMutableBufferPointer { pv in
                    m.withUnsafeMutableBufferPointer { pm in
                        rows.withUnsafeMutableBufferPointer { pr in
                            forEachChunk(of: samples) { u0, u1 in
                                let p = (u1 - u0) * tilesWide
                                transformInput(
                                    xs.pointer, units: u0, u1, into: pv.baseAddress!,
                                    rows: pr.baseAddress!)
                                for xi in 0..<tile.positions {
                                    S.product(
                                        serial: serial, transA: false, transB: false,
                                        m: g.outChannels, n: p, k: g.inChannels,
                                        a: us.pointer + xi * weightStride, lda: g.inChannels,
                                        b: pv.baseAddress! + xi * inputStride(p), ldb: p, beta: 0,
                                        c: pm.baseAddress! + xi * outputStride(p), ldc: p)
                                }
                                untransformOutput(
                                    pm.baseAddress!, units: u0, u1, into: os.pointer,
                                    rows: pr.baseAddress!)
                                if let epilogue {
                                    applyEpilogue(epilogue, units: u0, u1, to: os.pointer)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Applies `epilogue` to the outputs of every channel k in the output rows of units
    /// `[u0, u1)` (tile rows of consecutive samples).
    func applyEpilogue<S: TensorElement>(
        _ epilogue: ConvolutionEpilogue<S>, units u0: Int, _ u1: Int,
        to out: UnsafeMutablePointer<S>
    ) {
        let m = tile.outputSize, oh = g.outHeight, ow = g.outWidth, k = g.outChannels
        var u = u0
        while u < u1 {
            let n = u / tilesHigh, r0 = u % tilesHigh, r1 = min(tilesHigh, r0 + (u1 - u))
            let y0 = r0 * m, y1 = min(oh, r1 * m)
            for c in 0..<k {
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
        let workers = workerCount
        let transform = dx != nil && transformed == nil
        var u = scratch(S.self, transform ? transformedWeightCount : 0)
        if transform {
            u.withUnsafeMutableBufferPointer { transformWeights(weight, into: $0.baseAddress!) }
        }
        var du = [S](repeating: 0, count: dw == nil ? 0 : transformedWeightCount * workers)
        let serial = workers == 2
        let (xs, dys) = (SendablePointer(x), SendablePointer(dy))
        let dxs = dx.map { SendableMutablePointer($0) }
        u.withUnsafeBufferPointer { pu in
            du.withUnsafeMutableBufferPointer { pdu in
                let us =
                    (transformed ?? (transform ? pu.baseAddress.map { UnsafePointer($0) } : nil))
                    .map { SendablePointer($0) }
                let dus = pdu.baseAddress.map { SendableMutablePointer($0) }
                forEachWorker { worker, samples in
                    let tiles = maxChunkTiles
                    var v = scratch(S.self, tile.positions * inputStride(tiles))
                    var m = scratch(S.self, tile.positions * outputStride(tiles))
                    var rows = scratch(S.self, rowScratch)
                    v.withUnsafeMutableBufferPointer { pv in
                        m.withUnsafeMutableBufferPointer { pm in
                            rows.withUnsafeMutableBufferPointer { pr in
                                let vb = pv.baseAddress!, mb = pm.baseAddress!, rb = pr.baseAddress!
                                forEachChunk(of: samples) { u0, u1 in
                                    let p = (u1 - u0) * tilesWide
                                    transformOutputGradient(
                                        dys.pointer, units: u0, u1, into: mb, rows: rb)
                                    if let dus {
                                        transformInput(
                                            xs.pointer, units: u0, u1, into: vb, rows: rb)
                                        let target = dus.pointer + worker * transformedWeightCount
                                        for xi in 0..<tile.positions {
                                            S.product(
                                                serial: serial, transA: false, transB: true,
                                                m: g.outChannels, n: g.inChannels, k: p,
                                                a: mb + xi * outputStride(p), lda: p,
                                                b: vb + xi * inputStride(p), ldb: p,
                                                beta: 1, c: target + xi * weightStride,
                                                ldc: g.inChannels)
                                        }
                                    }
                                    if let dxs, let us {
                                        for xi in 0..<tile.positions {
                                            S.product(
                                                serial: serial, transA: true, transB: false,
                                                m: g.inChannels, n: p, k: g.outChannels,
                                                a: us.pointer + xi * weightStride,
                                                lda: g.inChannels, b: mb + xi * outputStride(p),
                                                ldb: p,
                                                beta: 0, c: vb + xi * inputStride(p), ldc: p)
                                        }
                                        untransformInputGradient(
                                            vb, units: u0, u1, into: dxs.pointer, rows: rb)
                                    }
                                }
                            }
                        }
                    }
                }
                if let dw, let base = pdu.baseAddress {
                    let n = transformedWeightCount
                    for w in 1..<workers { for i in 0..<n { base[i] += base[w * n + i] } }
                    untransformWeightGradient(UnsafePointer(base), into: dw)
                }
            }
        }
    }
}
