import TensorCore

// Winograd's F(4×4, 3×3) (Lavin and Gray, 2016): 6×6 input tiles overlapping by 2, 4×4
// output tiles, 36 products per tile where the direct form takes 144 (4 times fewer; F(2×2, 3×3)
// saves 2.25 times). The matrices, with rows as written:
//
//     Bᵀ = [4  0 −5  0  1  0]    G = [ 1/4     0     0]    Aᵀ = [1  1  1  1  1  0]
//          [0 −4 −4  1  1  0]        [−1/6  −1/6  −1/6]         [0  1 −1  2 −2  0]
//          [0  4 −4 −1  1  0]        [−1/6   1/6  −1/6]         [0  1  1  4  4  0]
//          [0 −2 −1  2  1  0]        [1/24  1/12   1/6]         [0  1 −1  8 −8  1]
//          [0  2 −1 −2  1  0]        [1/24 −1/12   1/6]
//          [0  4  0 −5  0  1]        [   0     0     1]
//
// Position ξ = 6i + j of a transformed tile is row i, column j. Each two-sided transform is
// done as two passes of a one-sided one, each pass a loop over whole rows of tiles, so that
// the loops run across tiles (and vectorise) rather than within one.

/// `Bᵀ d` for one column `d` of six.
@inline(__always)
func winogradF4InputRow<S: TensorElement>(
    _ d0: S, _ d1: S, _ d2: S, _ d3: S, _ d4: S, _ d5: S
) -> (S, S, S, S, S, S) {
    let a = d4 - d2, b = 2 * (d3 - d1)
    return (
        4 * d0 - 5 * d2 + d4, (d3 + d4) - 4 * (d1 + d2), (d4 - d3) + 4 * (d1 - d2), a + b, a - b,
        4 * d1 - 5 * d3 + d5
    )
}

/// `B v` for one column `v` of six (the adjoint of `winogradF4InputRow`).
@inline(__always)
func winogradF4InputAdjoint<S: TensorElement>(
    _ v0: S, _ v1: S, _ v2: S, _ v3: S, _ v4: S, _ v5: S
) -> (S, S, S, S, S, S) {
    (
        4 * v0, 4 * (v2 - v1 + v5) + 2 * (v4 - v3), -5 * v0 - 4 * (v1 + v2) - (v3 + v4),
        (v1 - v2) + 2 * (v3 - v4) - 5 * v5, v0 + v1 + v2 + v3 + v4, v5
    )
}

/// `Aᵀ m` for one column `m` of six: four outputs.
@inline(__always)
func winogradF4Output<S: TensorElement>(
    _ m0: S, _ m1: S, _ m2: S, _ m3: S, _ m4: S, _ m5: S
) -> (S, S, S, S) {
    let p = m1 + m2, q = m1 - m2, r = m3 + m4, s = m3 - m4
    return (m0 + p + r, q + 2 * s, p + 4 * r, q + 8 * s + m5)
}

/// `A y` for one column `y` of four (the adjoint of `winogradF4Output`): six.
@inline(__always)
func winogradF4OutputAdjoint<S: TensorElement>(
    _ y0: S, _ y1: S, _ y2: S, _ y3: S
) -> (S, S, S, S, S, S) {
    let a = y0 + y2, b = y1 + y3, c = y0 + 4 * y2, d = 2 * (y1 + 4 * y3)
    return (y0, a + b, a - b, c + d, c - d, y3)
}

/// `G g` for one column `g` of three: six.
@inline(__always)
func winogradF4Kernel<S: TensorElement>(_ g0: S, _ g1: S, _ g2: S) -> (S, S, S, S, S, S) {
    let sixth: S = 1.0 / 6.0, twelfth: S = 1.0 / 12.0, quarter: S = 0.25
    let even = sixth * (g0 + g2), odd = sixth * g1
    let e4 = quarter * sixth * g0 + sixth * g2, o4 = twelfth * g1
    return (quarter * g0, -even - odd, odd - even, e4 + o4, e4 - o4, g2)
}

/// `Gᵀ x` for one column `x` of six (the adjoint of `winogradF4Kernel`): three.
@inline(__always)
func winogradF4KernelAdjoint<S: TensorElement>(
    _ x0: S, _ x1: S, _ x2: S, _ x3: S, _ x4: S, _ x5: S
) -> (S, S, S) {
    let sixth: S = 1.0 / 6.0, twelfth: S = 1.0 / 12.0, quarter: S = 0.25
    let s12 = x1 + x2, s34 = x3 + x4
    return (
        quarter * x0 - sixth * s12 + quarter * sixth * s34,
        sixth * (x2 - x1) + twelfth * (x3 - x4), sixth * (s34 - s12) + x5
    )
}

extension WinogradPlan {
    /// `U_ξ[k, c] = (G g_kc Gᵀ)_ξ` for every kernel of `weight[K, C, 3, 3]`;
    /// `u` is `[36, K, C]`.
    func transformWeightsF4<S: TensorElement>(
        _ weight: UnsafePointer<S>, into u: UnsafeMutablePointer<S>
    ) {
        let kc = g.outChannels * g.inChannels, ws = weightStride
        for i in 0..<kc {
            let w = weight + 9 * i
            let c0 = winogradF4Kernel(w[0], w[3], w[6])
            let c1 = winogradF4Kernel(w[1], w[4], w[7])
            let c2 = winogradF4Kernel(w[2], w[5], w[8])
            // (G g) Gᵀ: G along each of the six rows of G g.
            let o = u + i
            func row(_ r: Int, _ a: S, _ b: S, _ c: S) {
                let t = winogradF4Kernel(a, b, c), base = o + 6 * r * ws
                base[0] = t.0; base[ws] = t.1; base[2 * ws] = t.2
                base[3 * ws] = t.3; base[4 * ws] = t.4; base[5 * ws] = t.5
            }
            row(0, c0.0, c1.0, c2.0); row(1, c0.1, c1.1, c2.1); row(2, c0.2, c1.2, c2.2)
            row(3, c0.3, c1.3, c2.3); row(4, c0.4, c1.4, c2.4); row(5, c0.5, c1.5, c2.5)
        }
    }

    /// `weight[k, c] = Gᵀ ∂U_kc G`: a `[36, K, C]` gradient back to `[K, C, 3, 3]`.
    func untransformWeightGradientF4<S: TensorElement>(
        _ du: UnsafePointer<S>, into dw: UnsafeMutablePointer<S>
    ) {
        let kc = g.outChannels * g.inChannels, ws = weightStride
        for i in 0..<kc {
            let x = du + i
            // Gᵀ along each row (six rows of six to six of three), then down the columns.
            func row(_ r: Int) -> (S, S, S) {
                let p = x + 6 * r * ws
                return winogradF4KernelAdjoint(
                    p[0], p[ws], p[2 * ws], p[3 * ws], p[4 * ws], p[5 * ws])
            }
            let r = (row(0), row(1), row(2), row(3), row(4), row(5))
            let a = winogradF4KernelAdjoint(r.0.0, r.1.0, r.2.0, r.3.0, r.4.0, r.5.0)
            let b = winogradF4KernelAdjoint(r.0.1, r.1.1, r.2.1, r.3.1, r.4.1, r.5.1)
            let c = winogradF4KernelAdjoint(r.0.2, r.1.2, r.2.2, r.3.2, r.4.2, r.5.2)
            let out = dw + 9 * i
            out[0] = a.0; out[1] = b.0; out[2] = c.0
            out[3] = a.1; out[4] = b.1; out[5] = c.1
            out[6] = a.2; out[7] = b.2; out[8] = c.2
        }
    }

    /// `V_ξ[c, j] = (Bᵀ d B)_ξ` for the tiles of units `[u0, u1)` of `x[N, C, H, W]`; `v` is
    /// `[36, C, P]` with `P = (u1 − u0)·tilesWide`. `rows` holds `rowScratch` scalars.
    func transformInputF4<S: TensorElement>(
        _ x: UnsafePointer<S>, units u0: Int, _ u1: Int, into v: UnsafeMutablePointer<S>,
        rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = inputStride(p)
        let width = g.width, height = g.height, plane = height * width, pad = g.padding
        let len = tw + 1
        // phases[r][q][m] = input row r of the tile row, column 4m + q − pad; then
        // mixed[i][q][m] = (Bᵀ over the six rows)_i of the same columns.
        let phases = rows, mixed = rows + 24 * len
        for c in 0..<g.inChannels {
            for u in u0..<u1 {
                let n = u / tilesHigh, ty = u % tilesHigh
                let src = x + (n * g.inChannels + c) * plane
                for r in 0..<6 {
                    let iy = 4 * ty - pad + r
                    let target = phases + 4 * r * len
                    if iy < 0 || iy >= height {
                        target.update(repeating: 0, count: 4 * len)
                    } else {
                        deinterleave4(
                            src + iy * width, width: width, offset: -pad, count: len,
                            into: target, stride: len)
                    }
                }
                for q in 0..<4 {
                    let d = phases + q * len, o = mixed + q * len
                    let l4 = 4 * len
                    for m in 0..<len {
                        let t = winogradF4InputRow(
                            d[m], d[l4 + m], d[2 * l4 + m], d[3 * l4 + m], d[4 * l4 + m],
                            d[5 * l4 + m])
                        o[m] = t.0; o[l4 + m] = t.1; o[2 * l4 + m] = t.2
                        o[3 * l4 + m] = t.3; o[4 * l4 + m] = t.4; o[5 * l4 + m] = t.5
                    }
                }
                // Column j of tile t is phase j at t (j < 4) or phase j − 4 at t + 1.
                let out = v + c * p + (u - u0) * tw
                for i in 0..<6 {
                    let e0 = mixed + 4 * i * len, e1 = e0 + len, e2 = e1 + len, e3 = e2 + len
                    let o = out + 6 * i * s
                    for t in 0..<tw {
                        let r = winogradF4InputRow(e0[t], e1[t], e2[t], e3[t], e0[t + 1], e1[t + 1])
                        o[t] = r.0; o[s + t] = r.1; o[2 * s + t] = r.2
                        o[3 * s + t] = r.3; o[4 * s + t] = r.4; o[5 * s + t] = r.5
                    }
                }
            }
        }
    }

    /// `y = Aᵀ M A` for the tiles of units `[u0, u1)`, written into `out[N, K, Ho, Wo]`
    /// (the parts of edge tiles beyond the output are dropped). `rows` holds `rowScratch`.
    func untransformOutputF4<S: TensorElement>(
        _ m: UnsafePointer<S>, units u0: Int, _ u1: Int, into out: UnsafeMutablePointer<S>,
        rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = outputStride(p)
        let ow = g.outWidth, oh = g.outHeight, plane = oh * ow
        // mixed[a][j][t] = (Aᵀ over the six rows)_a of column j; line[b][t] = output column
        // 4t + b of one output row.
        let mixed = rows, line = rows + 24 * tw
        for k in 0..<g.outChannels {
            for u in u0..<u1 {
                let n = u / tilesHigh, ty = u % tilesHigh
                let src = m + k * p + (u - u0) * tw
                for j in 0..<6 {
                    let c = src + j * s, o = mixed + j * tw
                    let s6 = 6 * s, l6 = 6 * tw
                    for t in 0..<tw {
                        let r = winogradF4Output(
                            c[t], c[s6 + t], c[2 * s6 + t], c[3 * s6 + t], c[4 * s6 + t],
                            c[5 * s6 + t])
                        o[t] = r.0; o[l6 + t] = r.1; o[2 * l6 + t] = r.2; o[3 * l6 + t] = r.3
                    }
                }
                let dst = out + (n * g.outChannels + k) * plane
                for a in 0..<4 {
                    let oy = 4 * ty + a
                    if oy >= oh { break }
                    let c = mixed + 6 * a * tw
                    for t in 0..<tw {
                        let r = winogradF4Output(
                            c[t], c[tw + t], c[2 * tw + t], c[3 * tw + t], c[4 * tw + t],
                            c[5 * tw + t])
                        line[t] = r.0; line[tw + t] = r.1; line[2 * tw + t] = r.2
                        line[3 * tw + t] = r.3
                    }
                    interleave4(line, stride: tw, into: dst + oy * ow, width: ow)
                }
            }
        }
    }

    /// `∂M_ξ[k, j] = (A ∂Y Aᵀ)_ξ` for the tiles of units `[u0, u1)` of `dy[N, K, Ho, Wo]`
    /// (zero beyond the output); `dm` is `[36, K, P]`. `rows` holds `rowScratch` scalars.
    func transformOutputGradientF4<S: TensorElement>(
        _ dy: UnsafePointer<S>, units u0: Int, _ u1: Int, into dm: UnsafeMutablePointer<S>,
        rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = outputStride(p)
        let ow = g.outWidth, oh = g.outHeight, plane = oh * ow
        // phases[a][b][t] = output row a of the tile row, column 4t + b; mixed[i][b][t] =
        // (A over the four rows)_i.
        let phases = rows, mixed = rows + 16 * tw
        for k in 0..<g.outChannels {
            for u in u0..<u1 {
                let n = u / tilesHigh, ty = u % tilesHigh
                let src = dy + (n * g.outChannels + k) * plane
                for a in 0..<4 {
                    let oy = 4 * ty + a
                    let target = phases + 4 * a * tw
                    if oy >= oh {
                        target.update(repeating: 0, count: 4 * tw)
                    } else {
                        deinterleave4(
                            src + oy * ow, width: ow, offset: 0, count: tw, into: target,
                            stride: tw)
                    }
                }
                let l4 = 4 * tw
                for b in 0..<4 {
                    let y = phases + b * tw, o = mixed + b * tw
                    for t in 0..<tw {
                        let r = winogradF4OutputAdjoint(
                            y[t], y[l4 + t], y[2 * l4 + t], y[3 * l4 + t])
                        o[t] = r.0; o[l4 + t] = r.1; o[2 * l4 + t] = r.2
                        o[3 * l4 + t] = r.3; o[4 * l4 + t] = r.4; o[5 * l4 + t] = r.5
                    }
                }
                let out = dm + k * p + (u - u0) * tw
                for i in 0..<6 {
                    let y = mixed + 4 * i * tw, o = out + 6 * i * s
                    for t in 0..<tw {
                        let r = winogradF4OutputAdjoint(
                            y[t], y[tw + t], y[2 * tw + t], y[3 * tw + t])
                        o[t] = r.0; o[s + t] = r.1; o[2 * s + t] = r.2
                        o[3 * s + t] = r.3; o[4 * s + t] = r.4; o[5 * s + t] = r.5
                    }
                }
            }
        }
    }

    /// `∂x += B ∂V Bᵀ` for the tiles of units `[u0, u1)`, added into `dx[N, C, H, W]`
    /// (overlapping tiles add up; parts outside the input are dropped). `rows` holds
    /// `rowScratch` scalars.
    func untransformInputGradientF4<S: TensorElement>(
        _ dv: UnsafePointer<S>, units u0: Int, _ u1: Int, into dx: UnsafeMutablePointer<S>,
        rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = inputStride(p)
        let width = g.width, height = g.height, plane = height * width, pad = g.padding
        // mixed[r][j][t] = (B over the six rows of column j)_r; cols[q][t] = (B over the
        // columns)_q of one row; line = one input row, index ix + pad for column ix.
        let mixed = rows, cols = rows + 36 * tw, line = cols + 6 * tw
        let span = 4 * tw + 2
        let lo = max(0, -pad), hi = min(width, span - pad)
        for c in 0..<g.inChannels {
            for u in u0..<u1 {
                let n = u / tilesHigh, ty = u % tilesHigh
                let src = dv + c * p + (u - u0) * tw
                let s6 = 6 * s, l6 = 6 * tw
                for j in 0..<6 {
                    let x = src + j * s, o = mixed + j * tw
                    for t in 0..<tw {
                        let r = winogradF4InputAdjoint(
                            x[t], x[s6 + t], x[2 * s6 + t], x[3 * s6 + t], x[4 * s6 + t],
                            x[5 * s6 + t])
                        o[t] = r.0; o[l6 + t] = r.1; o[2 * l6 + t] = r.2
                        o[3 * l6 + t] = r.3; o[4 * l6 + t] = r.4; o[5 * l6 + t] = r.5
                    }
                }
                let base = dx + (n * g.inChannels + c) * plane
                for r in 0..<6 {
                    let iy = 4 * ty - pad + r
                    if iy < 0 || iy >= height { continue }
                    let x = mixed + r * l6
                    for t in 0..<tw {
                        let q = winogradF4InputAdjoint(
                            x[t], x[tw + t], x[2 * tw + t], x[3 * tw + t], x[4 * tw + t],
                            x[5 * tw + t])
                        cols[t] = q.0; cols[tw + t] = q.1; cols[2 * tw + t] = q.2
                        cols[3 * tw + t] = q.3; cols[4 * tw + t] = q.4; cols[5 * tw + t] = q.5
                    }
                    // Column 4t + q gets tile t's column q, and for q < 2 also tile t − 1's
                    // column q + 4.
                    for q in 0..<4 { line[q] = cols[q * tw] }
                    for t in 1..<max(tw, 1) {
                        line[4 * t] = cols[t] + cols[4 * tw + t - 1]
                        line[4 * t + 1] = cols[tw + t] + cols[5 * tw + t - 1]
                        line[4 * t + 2] = cols[2 * tw + t]
                        line[4 * t + 3] = cols[3 * tw + t]
                    }
                    line[4 * tw] = cols[5 * tw - 1]
                    line[4 * tw + 1] = cols[6 * tw - 1]
                    let dst = base + iy * width
                    if lo < hi { for ix in lo..<hi { dst[ix] += line[ix + pad] } }
                }
            }
        }
    }
}

/// Splits the columns `offset + 4m + q` (q < 4, m < `count`) of a row of `width` into the
/// phases `into[q·stride + m]`, with zeros for columns outside the row.
@inline(__always)
func deinterleave4<S: TensorElement>(
    _ row: UnsafePointer<S>, width: Int, offset: Int, count: Int, into p: UnsafeMutablePointer<S>,
    stride: Int
) {
    // m is interior when 4m + offset ≥ 0 and 4m + 3 + offset ≤ width − 1 (offset ≤ 0).
    let lo = min(count, max(0, (-offset + 3) / 4))
    let hi = max(lo, min(count, (width - offset) / 4))
    func edge(_ m: Int) {
        for q in 0..<4 {
            let i = 4 * m + q + offset
            p[q * stride + m] = i >= 0 && i < width ? row[i] : 0
        }
    }
    for m in 0..<lo { edge(m) }
    let base = row + offset
    let p0 = p, p1 = p + stride, p2 = p1 + stride, p3 = p2 + stride
    for m in lo..<hi {
        p0[m] = base[4 * m]
        p1[m] = base[4 * m + 1]
        p2[m] = base[4 * m + 2]
        p3[m] = base[4 * m + 3]
    }
    for m in hi..<count { edge(m) }
}

/// Writes the phases `phases[b·stride + m]` to columns `4m + b` of a row of `width` (columns
/// beyond the row dropped).
@inline(__always)
func interleave4<S: TensorElement>(
    _ phases: UnsafePointer<S>, stride: Int, into row: UnsafeMutablePointer<S>, width: Int
) {
    let full = width / 4
    let p0 = phases, p1 = p0 + stride, p2 = p1 + stride, p3 = p2 + stride
    for m in 0..<full {
        row[4 * m] = p0[m]
        row[4 * m + 1] = p1[m]
        row[4 * m + 2] = p2[m]
        row[4 * m + 3] = p3[m]
    }
    for b in 0..<(width - 4 * full) { row[4 * full + b] = phases[b * stride + full] }
}
