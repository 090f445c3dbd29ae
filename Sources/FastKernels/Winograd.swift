import Dispatch
import TensorCore

/// Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, 2016) for 3×3 stride-1
/// convolutions, forward and both backward products.
///
/// Each 4×4 input tile `d` (tiles overlap by 2) and each 3×3 kernel `g` are transformed to
/// `V = Bᵀ d B` and `U = G g Gᵀ`; the 2×2 output tile is `Aᵀ [Σ_c U ⊙ V] A`. The sum over
/// input channels is, for each of the 16 tile positions ξ, one matrix product
/// `M_ξ[K, P] = U_ξ[K, C] · V_ξ[C, P]` over P tiles: 2.25 times fewer multiplications than
/// the unfolded product. The gradients are the adjoints of the same linear maps:
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
    /// Tile rows and columns per sample: `ceil(outHeight/2)`, `ceil(outWidth/2)`.
    let tilesHigh: Int, tilesWide: Int
    /// Units (tile rows) per chunk.
    let unitsPerChunk: Int

    /// Elements of the transformed tiles of one chunk (input and output sides together).
    static let chunkElements = 1 << 20
    /// The fewest tiles a chunk takes when the samples have that many.
    static let minimumChunkTiles = 256

    init(_ g: Conv2dGeometry) {
        self.g = g
        tilesHigh = (g.outHeight + 1) / 2
        tilesWide = (g.outWidth + 1) / 2
        // Enough tiles that the products are not thin (and the weight-gradient sum in the
        // transformed domain, 16·K·C, is not re-read too often), few enough to stay in cache.
        let perTile = 16 * (g.inChannels + g.outChannels)
        let tiles = max(
            WinogradPlan.minimumChunkTiles, WinogradPlan.chunkElements / max(perTile, 1))
        unitsPerChunk = max(1, (tiles + tilesWide - 1) / tilesWide)
    }

    /// Whether Winograd can compute a convolution of this geometry at all (3×3, stride 1).
    static func supports(_ g: Conv2dGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.stride == 1
    }

    /// Distance between the 16 transformed matrices of the kernels, of a chunk's input tiles
    /// and of its output tiles: padded by 64 bytes or more so that the 16 streams written
    /// side by side never sit a power of two apart (which makes them evict each other from
    /// the caches).
    var weightStride: Int { g.outChannels * g.inChannels + 16 }
    func inputStride(_ tiles: Int) -> Int { g.inChannels * tiles + 16 }
    func outputStride(_ tiles: Int) -> Int { g.outChannels * tiles + 16 }

    /// Tiles in the largest chunk.
    var maxChunkTiles: Int { unitsPerChunk * tilesWide }

    /// Two workers (each on one BLAS thread) when BLAS may use two threads, the batch splits
    /// and each half has at least a minimum chunk of tiles; otherwise one, whose products
    /// BLAS threads itself.
    var workerCount: Int {
        KernelThreads.count >= 2 && g.batch >= 2
            && g.batch * tilesHigh * tilesWide >= 2 * WinogradPlan.minimumChunkTiles ? 2 : 1
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

// MARK: - Transforms

extension WinogradPlan {
    /// `U_ξ[k, c] = (G g_kc Gᵀ)_ξ` for every kernel of `weight[K, C, 3, 3]`; `u` is `[16, K, C]`.
    func transformWeights<S: TensorElement>(
        _ weight: UnsafePointer<S>, into u: UnsafeMutablePointer<S>
    ) {
        let kc = g.outChannels * g.inChannels, ws = weightStride
        let half: S = 0.5
        for i in 0..<kc {
            let w = weight + 9 * i
            // G g: rows (g0, ½(g0 + g1 + g2), ½(g0 − g1 + g2), g2), per column.
            let a0 = w[0], a1 = w[1], a2 = w[2]
            let b0 = half * (w[0] + w[3] + w[6]), b1 = half * (w[1] + w[4] + w[7]),
                b2 = half * (w[2] + w[5] + w[8])
            let c0 = half * (w[0] - w[3] + w[6]), c1 = half * (w[1] - w[4] + w[7]),
                c2 = half * (w[2] - w[5] + w[8])
            let d0 = w[6], d1 = w[7], d2 = w[8]
            // (G g) Gᵀ: the same combination along each row.
            let o = u + i
            o[0] = a0; o[ws] = half * (a0 + a1 + a2)
            o[2 * ws] = half * (a0 - a1 + a2); o[3 * ws] = a2
            o[4 * ws] = b0; o[5 * ws] = half * (b0 + b1 + b2)
            o[6 * ws] = half * (b0 - b1 + b2); o[7 * ws] = b2
            o[8 * ws] = c0; o[9 * ws] = half * (c0 + c1 + c2)
            o[10 * ws] = half * (c0 - c1 + c2); o[11 * ws] = c2
            o[12 * ws] = d0; o[13 * ws] = half * (d0 + d1 + d2)
            o[14 * ws] = half * (d0 - d1 + d2); o[15 * ws] = d2
        }
    }

    /// `weight[k, c] = Gᵀ ∂U_kc G`: a `[16, K, C]` gradient back to `[K, C, 3, 3]`.
    func untransformWeightGradient<S: TensorElement>(
        _ du: UnsafePointer<S>, into dw: UnsafeMutablePointer<S>
    ) {
        let kc = g.outChannels * g.inChannels, ws = weightStride
        let half: S = 0.5
        for i in 0..<kc {
            let x = du + i
            // Gᵀ X: rows (X0 + ½(X1 + X2), ½(X1 − X2), ½(X1 + X2) + X3), per column j.
            let s0 = half * (x[4 * ws] + x[8 * ws]), s1 = half * (x[5 * ws] + x[9 * ws])
            let s2 = half * (x[6 * ws] + x[10 * ws]), s3 = half * (x[7 * ws] + x[11 * ws])
            let r00 = x[0] + s0, r01 = x[ws] + s1, r02 = x[2 * ws] + s2, r03 = x[3 * ws] + s3
            let r10 = half * (x[4 * ws] - x[8 * ws]), r11 = half * (x[5 * ws] - x[9 * ws])
            let r12 = half * (x[6 * ws] - x[10 * ws]), r13 = half * (x[7 * ws] - x[11 * ws])
            let r20 = s0 + x[12 * ws], r21 = s1 + x[13 * ws], r22 = s2 + x[14 * ws],
                r23 = s3 + x[15 * ws]
            // (Gᵀ X) G: the same combination along each row.
            let out = dw + 9 * i
            let t0 = half * (r01 + r02), t1 = half * (r11 + r12), t2 = half * (r21 + r22)
            out[0] = r00 + t0; out[1] = half * (r01 - r02); out[2] = t0 + r03
            out[3] = r10 + t1; out[4] = half * (r11 - r12); out[5] = t1 + r13
            out[6] = r20 + t2; out[7] = half * (r21 - r22); out[8] = t2 + r23
        }
    }

    /// `V_ξ[c, j] = (Bᵀ d B)_ξ` for the tiles of units `[u0, u1)` of `x[N, C, H, W]`; `v` is
    /// `[16, C, P]` with `P = (u1 − u0)·tilesWide`. `rows` holds 8·(tilesWide + 1) scalars.
    func transformInput<S: TensorElement>(
        _ x: UnsafePointer<S>, units u0: Int, _ u1: Int, into v: UnsafeMutablePointer<S>,
        rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, stride16 = inputStride(p)
        let width = g.width, height = g.height, plane = height * width, pad = g.padding
        let len = tw + 1
        for c in 0..<g.inChannels {
            for u in u0..<u1 {
                let n = u / tilesHigh, ty = u % tilesHigh
                let src = x + (n * g.inChannels + c) * plane
                // Input rows 2ty − pad + r, split into even and odd columns (zero outside).
                for r in 0..<4 {
                    let even = rows + 2 * r * len, odd = even + len
                    let iy = 2 * ty - pad + r
                    if iy < 0 || iy >= height {
                        even.update(repeating: 0, count: len)
                        odd.update(repeating: 0, count: len)
                        continue
                    }
                    deinterleave(
                        src + iy * width, width: width, offset: -pad, count: len, even: even,
                        odd: odd)
                }
                let e0 = rows, o0 = rows + len, e1 = rows + 2 * len, o1 = rows + 3 * len
                let e2 = rows + 4 * len, o2 = rows + 5 * len, e3 = rows + 6 * len,
                    o3 = rows + 7 * len
                let out = v + c * p + (u - u0) * tw
                for t in 0..<tw {
                    // Bᵀ d: row combinations (d0 − d2, d1 + d2, d2 − d1, d1 − d3), per column.
                    let a0 = e0[t] - e2[t], a1 = o0[t] - o2[t], a2 = e0[t + 1] - e2[t + 1],
                        a3 = o0[t + 1] - o2[t + 1]
                    let b0 = e1[t] + e2[t], b1 = o1[t] + o2[t], b2 = e1[t + 1] + e2[t + 1],
                        b3 = o1[t + 1] + o2[t + 1]
                    let c0 = e2[t] - e1[t], c1 = o2[t] - o1[t], c2 = e2[t + 1] - e1[t + 1],
                        c3 = o2[t + 1] - o1[t + 1]
                    let d0 = e1[t] - e3[t], d1 = o1[t] - o3[t], d2 = e1[t + 1] - e3[t + 1],
                        d3 = o1[t + 1] - o3[t + 1]
                    // (Bᵀ d) B: the same combination along each row.
                    out[t] = a0 - a2
                    out[stride16 + t] = a1 + a2
                    out[2 * stride16 + t] = a2 - a1
                    out[3 * stride16 + t] = a1 - a3
                    out[4 * stride16 + t] = b0 - b2
                    out[5 * stride16 + t] = b1 + b2
                    out[6 * stride16 + t] = b2 - b1
                    out[7 * stride16 + t] = b1 - b3
                    out[8 * stride16 + t] = c0 - c2
                    out[9 * stride16 + t] = c1 + c2
                    out[10 * stride16 + t] = c2 - c1
                    out[11 * stride16 + t] = c1 - c3
                    out[12 * stride16 + t] = d0 - d2
                    out[13 * stride16 + t] = d1 + d2
                    out[14 * stride16 + t] = d2 - d1
                    out[15 * stride16 + t] = d1 - d3
                }
            }
        }
    }

    /// `∂M_ξ[k, j] = (A ∂Y Aᵀ)_ξ` for the tiles of units `[u0, u1)` of `dy[N, K, Ho, Wo]`
    /// (zero beyond the output); `dm` is `[16, K, P]`. `rows` holds 4·tilesWide scalars.
    func transformOutputGradient<S: TensorElement>(
        _ dy: UnsafePointer<S>, units u0: Int, _ u1: Int, into dm: UnsafeMutablePointer<S>,
        rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = outputStride(p)
        let ow = g.outWidth, oh = g.outHeight, plane = oh * ow
        for k in 0..<g.outChannels {
            for u in u0..<u1 {
                let n = u / tilesHigh, ty = u % tilesHigh
                let src = dy + (n * g.outChannels + k) * plane
                for r in 0..<2 {
                    let even = rows + 2 * r * tw, odd = even + tw
                    let oy = 2 * ty + r
                    if oy >= oh {
                        even.update(repeating: 0, count: tw)
                        odd.update(repeating: 0, count: tw)
                        continue
                    }
                    deinterleave(
                        src + oy * ow, width: ow, offset: 0, count: tw, even: even, odd: odd)
                }
                let e0 = rows, o0 = rows + tw, e1 = rows + 2 * tw, o1 = rows + 3 * tw
                let out = dm + k * p + (u - u0) * tw
                for t in 0..<tw {
                    // A ∂Y: rows (y0, y0 + y1, y0 − y1, −y1); then the same along each row.
                    let r00 = e0[t], r01 = o0[t]
                    let r10 = e0[t] + e1[t], r11 = o0[t] + o1[t]
                    let r20 = e0[t] - e1[t], r21 = o0[t] - o1[t]
                    let r30 = -e1[t], r31 = -o1[t]
                    out[t] = r00
                    out[s + t] = r00 + r01
                    out[2 * s + t] = r00 - r01
                    out[3 * s + t] = -r01
                    out[4 * s + t] = r10
                    out[5 * s + t] = r10 + r11
                    out[6 * s + t] = r10 - r11
                    out[7 * s + t] = -r11
                    out[8 * s + t] = r20
                    out[9 * s + t] = r20 + r21
                    out[10 * s + t] = r20 - r21
                    out[11 * s + t] = -r21
                    out[12 * s + t] = r30
                    out[13 * s + t] = r30 + r31
                    out[14 * s + t] = r30 - r31
                    out[15 * s + t] = -r31
                }
            }
        }
    }

    /// `y = Aᵀ M A` for the tiles of units `[u0, u1)`, written into `out[N, K, Ho, Wo]`
    /// (the parts of edge tiles beyond the output are dropped). `rows` holds 4·tilesWide.
    func untransformOutput<S: TensorElement>(
        _ m: UnsafePointer<S>, units u0: Int, _ u1: Int, into out: UnsafeMutablePointer<S>,
        rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = outputStride(p)
        let ow = g.outWidth, oh = g.outHeight, plane = oh * ow
        let y00 = rows, y01 = rows + tw, y10 = rows + 2 * tw, y11 = rows + 3 * tw
        for k in 0..<g.outChannels {
            for u in u0..<u1 {
                let n = u / tilesHigh, ty = u % tilesHigh
                let src = m + k * p + (u - u0) * tw
                for t in 0..<tw {
                    // Aᵀ M: rows (m0 + m1 + m2, m1 − m2 − m3); then the same along each row.
                    let s0 = src[t] + src[4 * s + t] + src[8 * s + t]
                    let s1 = src[s + t] + src[5 * s + t] + src[9 * s + t]
                    let s2 = src[2 * s + t] + src[6 * s + t] + src[10 * s + t]
                    let s3 = src[3 * s + t] + src[7 * s + t] + src[11 * s + t]
                    let q0 = src[4 * s + t] - src[8 * s + t] - src[12 * s + t]
                    let q1 = src[5 * s + t] - src[9 * s + t] - src[13 * s + t]
                    let q2 = src[6 * s + t] - src[10 * s + t] - src[14 * s + t]
                    let q3 = src[7 * s + t] - src[11 * s + t] - src[15 * s + t]
                    y00[t] = s0 + s1 + s2
                    y01[t] = s1 - s2 - s3
                    y10[t] = q0 + q1 + q2
                    y11[t] = q1 - q2 - q3
                }
                let dst = out + (n * g.outChannels + k) * plane + 2 * ty * ow
                interleave(even: y00, odd: y01, into: dst, width: ow)
                if 2 * ty + 1 < oh { interleave(even: y10, odd: y11, into: dst + ow, width: ow) }
            }
        }
    }

    /// `∂x += B ∂V Bᵀ` for the tiles of units `[u0, u1)`, added into `dx[N, C, H, W]`
    /// (overlapping tiles add up; parts outside the input are dropped). `rows` holds
    /// 16·(tilesWide + 1) + 2·tilesWide + 4 scalars.
    func untransformInputGradient<S: TensorElement>(
        _ dv: UnsafePointer<S>, units u0: Int, _ u1: Int, into dx: UnsafeMutablePointer<S>,
        rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = inputStride(p)
        let width = g.width, height = g.height, plane = height * width, pad = g.padding
        let len = tw + 1
        // tile[r][col] for t in 0..<tw, with a zero at t = tw; then one line of 2·tw + 2.
        let tile = rows, line = rows + 16 * len
        for i in 0..<16 { tile[i * len + tw] = 0 }
        for c in 0..<g.inChannels {
            for u in u0..<u1 {
                let n = u / tilesHigh, ty = u % tilesHigh
                let src = dv + c * p + (u - u0) * tw
                for t in 0..<tw {
                    // B X: rows (X0, X1 − X2 + X3, −X0 + X1 + X2, −X3), per column j.
                    let x = src + t
                    let a0 = x[0], a1 = x[s], a2 = x[2 * s], a3 = x[3 * s]
                    let b0 = x[4 * s] - x[8 * s] + x[12 * s], b1 = x[5 * s] - x[9 * s] + x[13 * s]
                    let b2 = x[6 * s] - x[10 * s] + x[14 * s], b3 = x[7 * s] - x[11 * s] + x[15 * s]
                    let c0 = x[4 * s] + x[8 * s] - x[0], c1 = x[5 * s] + x[9 * s] - x[s]
                    let c2 = x[6 * s] + x[10 * s] - x[2 * s], c3 = x[7 * s] + x[11 * s] - x[3 * s]
                    let d0 = -x[12 * s], d1 = -x[13 * s], d2 = -x[14 * s], d3 = -x[15 * s]
                    // (B X) Bᵀ: the same along each row; tile[4r + j] is row r, column j.
                    let o = tile + t
                    o[0] = a0; o[len] = a1 - a2 + a3
                    o[2 * len] = a1 + a2 - a0; o[3 * len] = -a3
                    o[4 * len] = b0; o[5 * len] = b1 - b2 + b3
                    o[6 * len] = b1 + b2 - b0; o[7 * len] = -b3
                    o[8 * len] = c0; o[9 * len] = c1 - c2 + c3
                    o[10 * len] = c1 + c2 - c0; o[11 * len] = -c3
                    o[12 * len] = d0; o[13 * len] = d1 - d2 + d3
                    o[14 * len] = d1 + d2 - d0; o[15 * len] = -d3
                }
                let base = dx + (n * g.inChannels + c) * plane
                for r in 0..<4 {
                    let iy = 2 * ty - pad + r
                    if iy < 0 || iy >= height { continue }
                    // Column 2t + j of the line gets tile t's column j: even columns from
                    // j = 0 of tile t and j = 2 of tile t − 1, odd ones from j = 1 and j = 3.
                    let t0 = tile + 4 * r * len, t1 = t0 + len, t2 = t1 + len, t3 = t2 + len
                    line[0] = t0[0]
                    line[1] = t1[0]
                    for t in 1...tw {
                        line[2 * t] = t0[t] + t2[t - 1]
                        line[2 * t + 1] = t1[t] + t3[t - 1]
                    }
                    // Line index ix + pad is input column ix.
                    let dst = base + iy * width
                    let lo = max(0, -pad), hi = min(width, 2 * tw + 2 - pad)
                    if lo < hi { for ix in lo..<hi { dst[ix] += line[ix + pad] } }
                }
            }
        }
    }
}

/// Splits `count` pairs of columns `offset + 2m`, `offset + 2m + 1` of a row of `width` into
/// `even[m]` and `odd[m]`, with zeros for columns outside the row.
@inline(__always)
func deinterleave<S: TensorElement>(
    _ row: UnsafePointer<S>, width: Int, offset: Int, count: Int, even: UnsafeMutablePointer<S>,
    odd: UnsafeMutablePointer<S>
) {
    // m is interior when both 2m + offset ≥ 0 and 2m + 1 + offset ≤ width − 1.
    let lo = min(count, max(0, (-offset + 1) / 2))
    let hi = max(lo, min(count, (width - 1 - offset) / 2))
    for m in 0..<lo {
        let i = 2 * m + offset
        even[m] = i >= 0 && i < width ? row[i] : 0
        odd[m] = i + 1 >= 0 && i + 1 < width ? row[i + 1] : 0
    }
    let base = row + offset
    for m in lo..<hi {
        even[m] = base[2 * m]
        odd[m] = base[2 * m + 1]
    }
    for m in hi..<count {
        let i = 2 * m + offset
        even[m] = i >= 0 && i < width ? row[i] : 0
        odd[m] = i + 1 >= 0 && i + 1 < width ? row[i + 1] : 0
    }
}

/// Writes `even[m]`, `odd[m]` to columns `2m`, `2m + 1` of a row of `width`.
@inline(__always)
func interleave<S: TensorElement>(
    even: UnsafePointer<S>, odd: UnsafePointer<S>, into row: UnsafeMutablePointer<S>, width: Int
) {
    let pairs = width / 2
    for m in 0..<pairs {
        row[2 * m] = even[m]
        row[2 * m + 1] = odd[m]
    }
    if width % 2 == 1 { row[width - 1] = even[pairs] }
}

// MARK: - Forward and backward

extension WinogradPlan {
    /// The transformed kernels `U` of `weight[K, C, 3, 3]` (`16 · weightStride` elements):
    /// what `forward` and `backward` take as `transformed`, so that a weight used more than
    /// once is transformed once. (The plan's input size does not enter the transform.)
    static func transformedWeights<S: TensorElement>(_ weight: Tensor<S>) -> Tensor<S> {
        let k = weight.shape[0], c = weight.shape[1]
        let g = requireShapes { () throws(ShapeError) in
            try Conv2dGeometry(input: [1, c, 3, 3], weight: [k, c, 3, 3], stride: 1, padding: 1)
        }
        let plan = WinogradPlan(g)
        return Tensor(shape: [16 * plan.weightStride]) { out in
            // The padding between the 16 matrices is never read; zero it all the same.
            out.update(repeating: 0)
            weight.scalars.withUnsafeBufferPointer { pw in
                guard pw.count > 0 else { return }
                plan.transformWeights(pw.start, into: out.start)
            }
        }
    }

    /// The convolution of `x` with `weight` (no bias) into `out[N, K, Ho, Wo]`; `transformed`
    /// holds the weight's `U` when already computed.
    func forward<S: TensorElement>(
        x: UnsafePointer<S>, weight: UnsafePointer<S>, transformed: UnsafePointer<S>? = nil,
        out: UnsafeMutablePointer<S>
    ) {
        var u = scratch(S.self, transformed == nil ? 16 * weightStride : 0)
        if transformed == nil {
            u.withUnsafeMutableBufferPointer { transformWeights(weight, into: $0.baseAddress!) }
        }
        let serial = workerCount == 2
        let (xs, os) = (SendablePointer(x), SendableMutablePointer(out))
        u.withUnsafeBufferPointer { pu in
            let us = SendablePointer(transformed ?? pu.baseAddress!)
            forEachWorker { _, samples in
                let tiles = maxChunkTiles
                var v = scratch(S.self, 16 * inputStride(tiles))
                var m = scratch(S.self, 16 * outputStride(tiles))
                var rows = scratch(S.self, 8 * (tilesWide + 1))
                v.withUnsafeMutableBufferPointer { pv in
                    m.withUnsafeMutableBufferPointer { pm in
                        rows.withUnsafeMutableBufferPointer { pr in
                            forEachChunk(of: samples) { u0, u1 in
                                let p = (u1 - u0) * tilesWide
                                transformInput(
                                    xs.pointer, units: u0, u1, into: pv.baseAddress!,
                                    rows: pr.baseAddress!)
                                for xi in 0..<16 {
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
                            }
                        }
                    }
                }
            }
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
        var u = scratch(S.self, transform ? 16 * weightStride : 0)
        if transform {
            u.withUnsafeMutableBufferPointer { transformWeights(weight, into: $0.baseAddress!) }
        }
        var du = [S](repeating: 0, count: dw == nil ? 0 : 16 * weightStride * workers)
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
                    var v = scratch(S.self, 16 * inputStride(tiles))
                    var m = scratch(S.self, 16 * outputStride(tiles))
                    var rows = scratch(S.self, 16 * (tilesWide + 1) + 2 * tilesWide + 4)
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
                                        let target = dus.pointer + worker * 16 * weightStride
                                        for xi in 0..<16 {
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
                                        for xi in 0..<16 {
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
                    let n = 16 * weightStride
                    for w in 1..<workers { for i in 0..<n { base[i] += base[w * n + i] } }
                    untransformWeightGradient(UnsafePointer(base), into: dw)
                }
            }
        }
    }
}
