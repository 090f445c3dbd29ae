import TensorCore

// Winograd's F(2×2, 3×3) (Lavin and Gray, 2016): 4×4 input tiles overlapping by 2, 2×2
// output tiles, 16 products per tile where the direct form takes 36. Position ξ = 4i + j of a
// transformed tile is row i, column j.

extension WinogradPlan {
    /// `U_ξ[k, c] = (G g_kc Gᵀ)_ξ` for every kernel of `weight[K, C, 3, 3]`;
    /// `u` is `[16, K, C]`.
    func transformWeightsF2<S: TensorElement>(
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
    func untransformWeightGradientF2<S: TensorElement>(
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
    /// `[16, C, P]` with `P = (u1 − u0)·tilesWide`. `rows` holds `rowScratch` scalars.
    func transformInputF2<S: TensorElement>(
        _ x: UnsafePointer<S>, units u0: Int, _ u1: Int, into v: UnsafeMutablePointer<S>,
        channels: Range<Int>, rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, stride16 = inputStride(p)
        let width = g.width, height = g.height, plane = height * width, pad = g.padding
        let len = tw + 1
        let lanes = TileLanes<S>(vectors: vectorLanes)
        for c in channels {
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
                let out = v + c * p + (u - u0) * tw
                lanes.forEach(
                    tw,
                    scalar: { t in
                        f2InputTile(
                            ScalarLane<S>.self, rows: rows, len: len, out: out, stride: stride16,
                            t: t)
                    },
                    vector: { t in
                        f2InputTile(
                            SIMD8<Float>.self, rows: floatView(rows), len: len,
                            out: floatView(out), stride: stride16, t: t)
                    },
                    vector4: { t in
                        f2InputTile(
                            SIMD4<Float>.self, rows: floatView(rows), len: len,
                            out: floatView(out), stride: stride16, t: t)
                    })
            }
        }
    }

    /// `∂M_ξ[k, j] = (A ∂Y Aᵀ)_ξ` for the tiles of units `[u0, u1)` of `dy[N, K, Ho, Wo]`
    /// (zero beyond the output); `dm` is `[16, K, P]`. `rows` holds `rowScratch` scalars.
    func transformOutputGradientF2<S: TensorElement>(
        _ dy: UnsafePointer<S>, units u0: Int, _ u1: Int, into dm: UnsafeMutablePointer<S>,
        channels: Range<Int>, rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = outputStride(p)
        let ow = g.outWidth, oh = g.outHeight, plane = oh * ow
        let lanes = TileLanes<S>(vectors: vectorLanes)
        for k in channels {
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
                let out = dm + k * p + (u - u0) * tw
                lanes.forEach(
                    tw,
                    scalar: { t in
                        f2OutputGradientTile(
                            ScalarLane<S>.self, rows: rows, len: tw, out: out, stride: s, t: t)
                    },
                    vector: { t in
                        f2OutputGradientTile(
                            SIMD8<Float>.self, rows: floatView(rows), len: tw,
                            out: floatView(out), stride: s, t: t)
                    },
                    vector4: { t in
                        f2OutputGradientTile(
                            SIMD4<Float>.self, rows: floatView(rows), len: tw,
                            out: floatView(out), stride: s, t: t)
                    })
            }
        }
    }

    /// `y = Aᵀ M A` for the tiles of units `[u0, u1)`, written into `out[N, K, Ho, Wo]`
    /// (the parts of edge tiles beyond the output are dropped). `rows` holds `rowScratch`.
    func untransformOutputF2<S: TensorElement>(
        _ m: UnsafePointer<S>, units u0: Int, _ u1: Int, into out: UnsafeMutablePointer<S>,
        channels: Range<Int>, rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = outputStride(p)
        let ow = g.outWidth, oh = g.outHeight, plane = oh * ow
        let y00 = rows, y01 = rows + tw, y10 = rows + 2 * tw, y11 = rows + 3 * tw
        let lanes = TileLanes<S>(vectors: vectorLanes)
        for k in channels {
            for u in u0..<u1 {
                let n = u / tilesHigh, ty = u % tilesHigh
                let src = m + k * p + (u - u0) * tw
                lanes.forEach(
                    tw,
                    scalar: { t in
                        f2OutputTile(
                            ScalarLane<S>.self, from: src, stride: s, rows: rows, len: tw, t: t)
                    },
                    vector: { t in
                        f2OutputTile(
                            SIMD8<Float>.self, from: floatView(reading: src), stride: s,
                            rows: floatView(rows), len: tw, t: t)
                    },
                    vector4: { t in
                        f2OutputTile(
                            SIMD4<Float>.self, from: floatView(reading: src), stride: s,
                            rows: floatView(rows), len: tw, t: t)
                    })
                let dst = out + (n * g.outChannels + k) * plane + 2 * ty * ow
                interleave(even: y00, odd: y01, into: dst, width: ow)
                if 2 * ty + 1 < oh { interleave(even: y10, odd: y11, into: dst + ow, width: ow) }
            }
        }
    }

    /// `∂x += B ∂V Bᵀ` for the tiles of units `[u0, u1)`, added into `dx[N, C, H, W]`
    /// (overlapping tiles add up; parts outside the input are dropped). `rows` holds
    /// 16·(tilesWide + 1) + 2·tilesWide + 4 scalars.
    func untransformInputGradientF2<S: TensorElement>(
        _ dv: UnsafePointer<S>, units u0: Int, _ u1: Int, into dx: UnsafeMutablePointer<S>,
        channels: Range<Int>, rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = inputStride(p)
        let width = g.width, height = g.height, plane = height * width, pad = g.padding
        let len = tw + 1
        // tile[r][col] for t in 0..<tw, with a zero at t = tw; then one line of 2·tw + 2.
        let tile = rows, line = rows + 16 * len
        for i in 0..<16 { tile[i * len + tw] = 0 }
        let lanes = TileLanes<S>(vectors: vectorLanes)
        for c in channels {
            for u in u0..<u1 {
                let n = u / tilesHigh, ty = u % tilesHigh
                let src = dv + c * p + (u - u0) * tw
                lanes.forEach(
                    tw,
                    scalar: { t in
                        f2InputGradientTile(
                            ScalarLane<S>.self, from: src, stride: s, tile: tile, len: len, t: t)
                    },
                    vector: { t in
                        f2InputGradientTile(
                            SIMD8<Float>.self, from: floatView(reading: src), stride: s,
                            tile: floatView(tile), len: len, t: t)
                    },
                    vector4: { t in
                        f2InputGradientTile(
                            SIMD4<Float>.self, from: floatView(reading: src), stride: s,
                            tile: floatView(tile), len: len, t: t)
                    })
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

/// `Bᵀ d B` for tile `t` of a tile row (or the `L.width` tiles from `t`): `rows` holds the
/// even and odd columns of the tile row's four input rows (`len` apart, in the order even 0,
/// odd 0, even 1, …); the 16 positions go to `out`, `stride` apart.
@inline(__always)
func f2InputTile<L: WinogradLanes>(
    _: L.Type, rows: UnsafePointer<L.Element>, len: Int, out: UnsafeMutablePointer<L.Element>,
    stride: Int, t: Int
) {
    func at(_ k: Int, _ shift: Int) -> L { L(loadingFrom: rows + k * len + t + shift) }
    let e0 = at(0, 0), o0 = at(1, 0), e1 = at(2, 0), o1 = at(3, 0)
    let e2 = at(4, 0), o2 = at(5, 0), e3 = at(6, 0), o3 = at(7, 0)
    let e0n = at(0, 1), o0n = at(1, 1), e1n = at(2, 1), o1n = at(3, 1)
    let e2n = at(4, 1), o2n = at(5, 1), e3n = at(6, 1), o3n = at(7, 1)
    // Bᵀ d: rows (d0 − d2, d1 + d2, d2 − d1, d1 − d3), per column.
    let a0 = e0 - e2, a1 = o0 - o2, a2 = e0n - e2n, a3 = o0n - o2n
    let b0 = e1 + e2, b1 = o1 + o2, b2 = e1n + e2n, b3 = o1n + o2n
    let c0 = e2 - e1, c1 = o2 - o1, c2 = e2n - e1n, c3 = o2n - o1n
    let d0 = e1 - e3, d1 = o1 - o3, d2 = e1n - e3n, d3 = o1n - o3n
    // (Bᵀ d) B: the same combination along each row.
    let o = out + t
    (a0 - a2).store(to: o); (a1 + a2).store(to: o + stride)
    (a2 - a1).store(to: o + 2 * stride); (a1 - a3).store(to: o + 3 * stride)
    (b0 - b2).store(to: o + 4 * stride); (b1 + b2).store(to: o + 5 * stride)
    (b2 - b1).store(to: o + 6 * stride); (b1 - b3).store(to: o + 7 * stride)
    (c0 - c2).store(to: o + 8 * stride); (c1 + c2).store(to: o + 9 * stride)
    (c2 - c1).store(to: o + 10 * stride); (c1 - c3).store(to: o + 11 * stride)
    (d0 - d2).store(to: o + 12 * stride); (d1 + d2).store(to: o + 13 * stride)
    (d2 - d1).store(to: o + 14 * stride); (d1 - d3).store(to: o + 15 * stride)
}

/// `A ∂Y Aᵀ` for output tile `t` (or the `L.width` tiles from `t`): `rows` holds the even
/// and odd columns of the tile row's two output-gradient rows (`len` apart: even 0, odd 0,
/// even 1, odd 1); the 16 positions go to `out`, `stride` apart.
@inline(__always)
func f2OutputGradientTile<L: WinogradLanes>(
    _: L.Type, rows: UnsafePointer<L.Element>, len: Int, out: UnsafeMutablePointer<L.Element>,
    stride s: Int, t: Int
) {
    func at(_ k: Int) -> L { L(loadingFrom: rows + k * len + t) }
    let e0 = at(0), o0 = at(1), e1 = at(2), o1 = at(3)
    // A ∂Y: rows (y0, y0 + y1, y0 − y1, −y1); then the same along each row.
    let r00 = e0, r01 = o0
    let r10 = e0 + e1, r11 = o0 + o1
    let r20 = e0 - e1, r21 = o0 - o1
    let r30 = e1.negated(), r31 = o1.negated()
    let o = out + t
    r00.store(to: o); (r00 + r01).store(to: o + s)
    (r00 - r01).store(to: o + 2 * s); r01.negated().store(to: o + 3 * s)
    r10.store(to: o + 4 * s); (r10 + r11).store(to: o + 5 * s)
    (r10 - r11).store(to: o + 6 * s); r11.negated().store(to: o + 7 * s)
    r20.store(to: o + 8 * s); (r20 + r21).store(to: o + 9 * s)
    (r20 - r21).store(to: o + 10 * s); r21.negated().store(to: o + 11 * s)
    r30.store(to: o + 12 * s); (r30 + r31).store(to: o + 13 * s)
    (r30 - r31).store(to: o + 14 * s); r31.negated().store(to: o + 15 * s)
}

/// `Aᵀ M A` for tile `t` (or the `L.width` tiles from `t`) of the 16 positions of `src`
/// (`stride` apart) into `rows`: the tile's output rows 0 and 1, even and odd columns apart
/// (`len` apart: row 0 even, row 0 odd, row 1 even, row 1 odd).
@inline(__always)
func f2OutputTile<L: WinogradLanes>(
    _: L.Type, from src: UnsafePointer<L.Element>, stride s: Int,
    rows: UnsafeMutablePointer<L.Element>, len: Int, t: Int
) {
    func x(_ k: Int) -> L { L(loadingFrom: src + t + k * s) }
    // Aᵀ M: rows (m0 + m1 + m2, m1 − m2 − m3); then the same along each row.
    let s0 = x(0) + x(4) + x(8), s1 = x(1) + x(5) + x(9)
    let s2 = x(2) + x(6) + x(10), s3 = x(3) + x(7) + x(11)
    let q0 = x(4) - x(8) - x(12), q1 = x(5) - x(9) - x(13)
    let q2 = x(6) - x(10) - x(14), q3 = x(7) - x(11) - x(15)
    (s0 + s1 + s2).store(to: rows + t); (s1 - s2 - s3).store(to: rows + len + t)
    (q0 + q1 + q2).store(to: rows + 2 * len + t); (q1 - q2 - q3).store(to: rows + 3 * len + t)
}

/// `B X Bᵀ` for tile `t` (or the `L.width` tiles from `t`) of the 16 positions of `src`
/// (`stride` apart) into `tile[16][len]`: the adjoint of `f2InputTile` before the overlapping
/// columns are added.
@inline(__always)
func f2InputGradientTile<L: WinogradLanes>(
    _: L.Type, from src: UnsafePointer<L.Element>, stride s: Int,
    tile: UnsafeMutablePointer<L.Element>, len: Int, t: Int
) {
    func x(_ k: Int) -> L { L(loadingFrom: src + t + k * s) }
    // B X: rows (X0, X1 − X2 + X3, −X0 + X1 + X2, −X3), per column j.
    let a0 = x(0), a1 = x(1), a2 = x(2), a3 = x(3)
    let b0 = x(4) - x(8) + x(12), b1 = x(5) - x(9) + x(13)
    let b2 = x(6) - x(10) + x(14), b3 = x(7) - x(11) + x(15)
    let c0 = x(4) + x(8) - x(0), c1 = x(5) + x(9) - x(1)
    let c2 = x(6) + x(10) - x(2), c3 = x(7) + x(11) - x(3)
    let d0 = x(12).negated(), d1 = x(13).negated(), d2 = x(14).negated(),
        d3 = x(15).negated()
    // (B X) Bᵀ: the same along each row; tile[4r + j] is row r, column j.
    let o = tile + t
    a0.store(to: o); (a1 - a2 + a3).store(to: o + len)
    (a1 + a2 - a0).store(to: o + 2 * len); a3.negated().store(to: o + 3 * len)
    b0.store(to: o + 4 * len); (b1 - b2 + b3).store(to: o + 5 * len)
    (b1 + b2 - b0).store(to: o + 6 * len); b3.negated().store(to: o + 7 * len)
    c0.store(to: o + 8 * len); (c1 - c2 + c3).store(to: o + 9 * len)
    (c1 + c2 - c0).store(to: o + 10 * len); c3.negated().store(to: o + 11 * len)
    d0.store(to: o + 12 * len); (d1 - d2 + d3).store(to: o + 13 * len)
    (d1 + d2 - d0).store(to: o + 14 * len); d3.negated().store(to: o + 15 * len)
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
