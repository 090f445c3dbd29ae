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
                    // Bᵀ d: rows (d0 − d2, d1 + d2, d2 − d1, d1 − d3), per column.
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
    /// (zero beyond the output); `dm` is `[16, K, P]`. `rows` holds `rowScratch` scalars.
    func transformOutputGradientF2<S: TensorElement>(
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
    /// (the parts of edge tiles beyond the output are dropped). `rows` holds `rowScratch`.
    func untransformOutputF2<S: TensorElement>(
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
    func untransformInputGradientF2<S: TensorElement>(
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
