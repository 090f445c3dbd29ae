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
func winogradF4InputRow<L: WinogradLanes>(
    _ d0: L, _ d1: L, _ d2: L, _ d3: L, _ d4: L, _ d5: L
) -> (L, L, L, L, L, L) {
    let a = d4 - d2, b = 2 * (d3 - d1)
    return (
        4 * d0 - 5 * d2 + d4, (d3 + d4) - 4 * (d1 + d2), (d4 - d3) + 4 * (d1 - d2), a + b, a - b,
        4 * d1 - 5 * d3 + d5
    )
}

/// `B v` for one column `v` of six (the adjoint of `winogradF4InputRow`).
@inline(__always)
func winogradF4InputAdjoint<L: WinogradLanes>(
    _ v0: L, _ v1: L, _ v2: L, _ v3: L, _ v4: L, _ v5: L
) -> (L, L, L, L, L, L) {
    (
        4 * v0, 4 * (v2 - v1 + v5) + 2 * (v4 - v3), -5 * v0 - 4 * (v1 + v2) - (v3 + v4),
        (v1 - v2) + 2 * (v3 - v4) - 5 * v5, v0 + v1 + v2 + v3 + v4, v5
    )
}

/// `Aᵀ m` for one column `m` of six: four outputs.
@inline(__always)
func winogradF4Output<L: WinogradLanes>(
    _ m0: L, _ m1: L, _ m2: L, _ m3: L, _ m4: L, _ m5: L
) -> (L, L, L, L) {
    let p = m1 + m2, q = m1 - m2, r = m3 + m4, s = m3 - m4
    return (m0 + p + r, q + 2 * s, p + 4 * r, q + 8 * s + m5)
}

/// `A y` for one column `y` of four (the adjoint of `winogradF4Output`): six.
@inline(__always)
func winogradF4OutputAdjoint<L: WinogradLanes>(
    _ y0: L, _ y1: L, _ y2: L, _ y3: L
) -> (L, L, L, L, L, L) {
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
        channels: Range<Int>, rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = inputStride(p)
        let width = g.width, height = g.height, plane = height * width, pad = g.padding
        let len = tw + 1
        // phases[r][q][m] = input row r of the tile row, column 4m + q − pad; then
        // mixed[i][q][m] = (Bᵀ over the six rows)_i of the same columns.
        let phases = rows, mixed = rows + 24 * len
        let lanes = TileLanes<S>(vectors: vectorLanes)
        for c in channels {
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
                    lanes.forEach(
                        len,
                        scalar: { m in
                            sixToSix(
                                ScalarLane<S>.self, from: d, l4, to: o, l4, at: m,
                                winogradF4InputRow)
                        },
                        vector: { m in
                            sixToSix(
                                SIMD8<Float>.self, from: floatView(d), l4, to: floatView(o), l4,
                                at: m, winogradF4InputRow)
                        },
                        vector4: { m in
                            sixToSix(
                                SIMD4<Float>.self, from: floatView(d), l4, to: floatView(o), l4,
                                at: m, winogradF4InputRow)
                        })
                }
                // Column j of tile t is phase j at t (j < 4) or phase j − 4 at t + 1.
                let out = v + c * p + (u - u0) * tw
                for i in 0..<6 {
                    let e = mixed + 4 * i * len, o = out + 6 * i * s
                    lanes.forEach(
                        tw,
                        scalar: { t in
                            f4InputColumns(ScalarLane<S>.self, phases: e, len: len, to: o, s, at: t)
                        },
                        vector: { t in
                            f4InputColumns(
                                SIMD8<Float>.self, phases: floatView(e), len: len,
                                to: floatView(o), s, at: t)
                        },
                        vector4: { t in
                            f4InputColumns(
                                SIMD4<Float>.self, phases: floatView(e), len: len,
                                to: floatView(o), s, at: t)
                        })
                }
            }
        }
    }

    /// `y = Aᵀ M A` for the tiles of units `[u0, u1)`, written into `out[N, K, Ho, Wo]`
    /// (the parts of edge tiles beyond the output are dropped). `rows` holds `rowScratch`.
    func untransformOutputF4<S: TensorElement>(
        _ m: UnsafePointer<S>, units u0: Int, _ u1: Int, into out: UnsafeMutablePointer<S>,
        channels: Range<Int>, rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = outputStride(p)
        let ow = g.outWidth, oh = g.outHeight, plane = oh * ow
        // mixed[a][j][t] = (Aᵀ over the six rows)_a of column j; line[b][t] = output column
        // 4t + b of one output row.
        let mixed = rows, line = rows + 24 * tw
        let lanes = TileLanes<S>(vectors: vectorLanes)
        for k in channels {
            for u in u0..<u1 {
                let n = u / tilesHigh, ty = u % tilesHigh
                let src = m + k * p + (u - u0) * tw
                for j in 0..<6 {
                    let c = src + j * s, o = mixed + j * tw
                    let s6 = 6 * s, l6 = 6 * tw
                    lanes.forEach(
                        tw,
                        scalar: { t in
                            sixToFour(ScalarLane<S>.self, from: c, s6, to: o, l6, at: t)
                        },
                        vector: { t in
                            sixToFour(
                                SIMD8<Float>.self, from: floatView(reading: c), s6,
                                to: floatView(o), l6, at: t)
                        },
                        vector4: { t in
                            sixToFour(
                                SIMD4<Float>.self, from: floatView(reading: c), s6,
                                to: floatView(o), l6, at: t)
                        })
                }
                let dst = out + (n * g.outChannels + k) * plane
                for a in 0..<4 {
                    let oy = 4 * ty + a
                    if oy >= oh { break }
                    let c = mixed + 6 * a * tw
                    lanes.forEach(
                        tw,
                        scalar: { t in
                            sixToFour(ScalarLane<S>.self, from: c, tw, to: line, tw, at: t)
                        },
                        vector: { t in
                            sixToFour(
                                SIMD8<Float>.self, from: floatView(c), tw, to: floatView(line),
                                tw, at: t)
                        },
                        vector4: { t in
                            sixToFour(
                                SIMD4<Float>.self, from: floatView(c), tw, to: floatView(line),
                                tw, at: t)
                        })
                    interleave4(line, stride: tw, into: dst + oy * ow, width: ow)
                }
            }
        }
    }

    /// `∂M_ξ[k, j] = (A ∂Y Aᵀ)_ξ` for the tiles of units `[u0, u1)` of `dy[N, K, Ho, Wo]`
    /// (zero beyond the output); `dm` is `[36, K, P]`. `rows` holds `rowScratch` scalars.
    func transformOutputGradientF4<S: TensorElement>(
        _ dy: UnsafePointer<S>, units u0: Int, _ u1: Int, into dm: UnsafeMutablePointer<S>,
        channels: Range<Int>, rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = outputStride(p)
        let ow = g.outWidth, oh = g.outHeight, plane = oh * ow
        // phases[a][b][t] = output row a of the tile row, column 4t + b; mixed[i][b][t] =
        // (A over the four rows)_i.
        let phases = rows, mixed = rows + 16 * tw
        let lanes = TileLanes<S>(vectors: vectorLanes)
        for k in channels {
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
                    lanes.forEach(
                        tw,
                        scalar: { t in
                            fourToSix(ScalarLane<S>.self, from: y, l4, to: o, l4, at: t)
                        },
                        vector: { t in
                            fourToSix(
                                SIMD8<Float>.self, from: floatView(y), l4, to: floatView(o), l4,
                                at: t)
                        },
                        vector4: { t in
                            fourToSix(
                                SIMD4<Float>.self, from: floatView(y), l4, to: floatView(o), l4,
                                at: t)
                        })
                }
                let out = dm + k * p + (u - u0) * tw
                for i in 0..<6 {
                    let y = mixed + 4 * i * tw, o = out + 6 * i * s
                    lanes.forEach(
                        tw,
                        scalar: { t in
                            fourToSix(ScalarLane<S>.self, from: y, tw, to: o, s, at: t)
                        },
                        vector: { t in
                            fourToSix(
                                SIMD8<Float>.self, from: floatView(y), tw, to: floatView(o), s,
                                at: t)
                        },
                        vector4: { t in
                            fourToSix(
                                SIMD4<Float>.self, from: floatView(y), tw, to: floatView(o), s,
                                at: t)
                        })
                }
            }
        }
    }

    /// `∂x += B ∂V Bᵀ` for the tiles of units `[u0, u1)`, added into `dx[N, C, H, W]`
    /// (overlapping tiles add up; parts outside the input are dropped). `rows` holds
    /// `rowScratch` scalars.
    func untransformInputGradientF4<S: TensorElement>(
        _ dv: UnsafePointer<S>, units u0: Int, _ u1: Int, into dx: UnsafeMutablePointer<S>,
        channels: Range<Int>, rows: UnsafeMutablePointer<S>
    ) {
        let tw = tilesWide, p = (u1 - u0) * tw, s = inputStride(p)
        let width = g.width, height = g.height, plane = height * width, pad = g.padding
        // mixed[r][j][t] = (B over the six rows of column j)_r; cols[q][t] = (B over the
        // columns)_q of one row; line = one input row, index ix + pad for column ix.
        let mixed = rows, cols = rows + 36 * tw, line = cols + 6 * tw
        let span = 4 * tw + 2
        let lo = max(0, -pad), hi = min(width, span - pad)
        let lanes = TileLanes<S>(vectors: vectorLanes)
        for c in channels {
            for u in u0..<u1 {
                let n = u / tilesHigh, ty = u % tilesHigh
                let src = dv + c * p + (u - u0) * tw
                let s6 = 6 * s, l6 = 6 * tw
                for j in 0..<6 {
                    let x = src + j * s, o = mixed + j * tw
                    lanes.forEach(
                        tw,
                        scalar: { t in
                            sixToSix(
                                ScalarLane<S>.self, from: x, s6, to: o, l6, at: t,
                                winogradF4InputAdjoint)
                        },
                        vector: { t in
                            sixToSix(
                                SIMD8<Float>.self, from: floatView(reading: x), s6,
                                to: floatView(o), l6, at: t, winogradF4InputAdjoint)
                        },
                        vector4: { t in
                            sixToSix(
                                SIMD4<Float>.self, from: floatView(reading: x), s6,
                                to: floatView(o), l6, at: t, winogradF4InputAdjoint)
                        })
                }
                let base = dx + (n * g.inChannels + c) * plane
                for r in 0..<6 {
                    let iy = 4 * ty - pad + r
                    if iy < 0 || iy >= height { continue }
                    let x = mixed + r * l6
                    lanes.forEach(
                        tw,
                        scalar: { t in
                            sixToSix(
                                ScalarLane<S>.self, from: x, tw, to: cols, tw, at: t,
                                winogradF4InputAdjoint)
                        },
                        vector: { t in
                            sixToSix(
                                SIMD8<Float>.self, from: floatView(x), tw, to: floatView(cols),
                                tw, at: t, winogradF4InputAdjoint)
                        },
                        vector4: { t in
                            sixToSix(
                                SIMD4<Float>.self, from: floatView(x), tw, to: floatView(cols),
                                tw, at: t, winogradF4InputAdjoint)
                        })
                    // Column 4t + q gets tile t's column q, and for q < 2 also tile t − 1's
                    // column q + 4, added into the phases before they are interleaved.
                    addInto(cols + 1, cols + 4 * tw, count: tw - 1)
                    addInto(cols + tw + 1, cols + 5 * tw, count: tw - 1)
                    interleave4(cols, stride: tw, into: line, width: 4 * tw)
                    line[4 * tw] = cols[5 * tw - 1]
                    line[4 * tw + 1] = cols[6 * tw - 1]
                    if lo < hi { addInto(base + iy * width + lo, line + lo + pad, count: hi - lo) }
                }
            }
        }
    }
}

/// `f` of the six values `x[t + k·xs]` (k < 6) into `o[t + k·os]`, for tile `t` or the
/// `L.width` tiles from `t`.
@inline(__always)
func sixToSix<L: WinogradLanes>(
    _: L.Type, from x: UnsafePointer<L.Element>, _ xs: Int, to o: UnsafeMutablePointer<L.Element>,
    _ os: Int, at t: Int, _ f: (L, L, L, L, L, L) -> (L, L, L, L, L, L)
) {
    func at(_ k: Int) -> L { L(loadingFrom: x + t + k * xs) }
    let r = f(at(0), at(1), at(2), at(3), at(4), at(5))
    r.0.store(to: o + t); r.1.store(to: o + t + os); r.2.store(to: o + t + 2 * os)
    r.3.store(to: o + t + 3 * os); r.4.store(to: o + t + 4 * os); r.5.store(to: o + t + 5 * os)
}

/// `Aᵀ m` of the six values `x[t + k·xs]` into `o[t + k·os]` (k < 4), for tile `t` or the
/// `L.width` tiles from `t`.
@inline(__always)
func sixToFour<L: WinogradLanes>(
    _: L.Type, from x: UnsafePointer<L.Element>, _ xs: Int, to o: UnsafeMutablePointer<L.Element>,
    _ os: Int, at t: Int
) {
    func at(_ k: Int) -> L { L(loadingFrom: x + t + k * xs) }
    let r = winogradF4Output(at(0), at(1), at(2), at(3), at(4), at(5))
    r.0.store(to: o + t); r.1.store(to: o + t + os); r.2.store(to: o + t + 2 * os)
    r.3.store(to: o + t + 3 * os)
}

/// `A y` of the four values `x[t + k·xs]` into `o[t + k·os]` (k < 6), for tile `t` or the
/// `L.width` tiles from `t`.
@inline(__always)
func fourToSix<L: WinogradLanes>(
    _: L.Type, from x: UnsafePointer<L.Element>, _ xs: Int, to o: UnsafeMutablePointer<L.Element>,
    _ os: Int, at t: Int
) {
    func at(_ k: Int) -> L { L(loadingFrom: x + t + k * xs) }
    let r = winogradF4OutputAdjoint(at(0), at(1), at(2), at(3))
    r.0.store(to: o + t); r.1.store(to: o + t + os); r.2.store(to: o + t + 2 * os)
    r.3.store(to: o + t + 3 * os); r.4.store(to: o + t + 4 * os); r.5.store(to: o + t + 5 * os)
}

/// `(Bᵀ d) B` along a tile row for tile `t` (or the `L.width` tiles from `t`): columns 0–3
/// of a tile are the four phases (`len` apart from `phases`) at `t`, columns 4–5 phases 0–1
/// at `t + 1`; the six positions go to `o`, `s` apart.
@inline(__always)
func f4InputColumns<L: WinogradLanes>(
    _: L.Type, phases e: UnsafePointer<L.Element>, len: Int, to o: UnsafeMutablePointer<L.Element>,
    _ s: Int, at t: Int
) {
    func at(_ q: Int, _ shift: Int) -> L { L(loadingFrom: e + q * len + t + shift) }
    let r = winogradF4InputRow(at(0, 0), at(1, 0), at(2, 0), at(3, 0), at(0, 1), at(1, 1))
    r.0.store(to: o + t); r.1.store(to: o + t + s); r.2.store(to: o + t + 2 * s)
    r.3.store(to: o + t + 3 * s); r.4.store(to: o + t + 4 * s); r.5.store(to: o + t + 5 * s)
}

/// Splits the columns `offset + 4m + q` (q < 4, m < `count`) of a row of `width` into the
/// phases `into[q·stride + m]`, with zeros for columns outside the row. In Float the interior
/// goes four m at a time: sixteen consecutive scalars, transposed as a 4×4 block.
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
    var m = lo
    if S.self == Float.self {
        // Reads base[4m ..< 4m + 16], inside the interior while m + 4 ≤ hi.
        let source = UnsafeRawPointer(base), target = UnsafeMutableRawPointer(p)
        let step = stride * MemoryLayout<Float>.stride
        while m + 4 <= hi {
            let v = (source + 16 * m).loadUnaligned(as: SIMD16<Float>.self)
            let t = transposed4x4(v)
            let at = target + 4 * m
            at.storeBytes(of: t.lowHalf.lowHalf, as: SIMD4<Float>.self)
            (at + step).storeBytes(of: t.lowHalf.highHalf, as: SIMD4<Float>.self)
            (at + 2 * step).storeBytes(of: t.highHalf.lowHalf, as: SIMD4<Float>.self)
            (at + 3 * step).storeBytes(of: t.highHalf.highHalf, as: SIMD4<Float>.self)
            m += 4
        }
    }
    while m < hi {
        p0[m] = base[4 * m]
        p1[m] = base[4 * m + 1]
        p2[m] = base[4 * m + 2]
        p3[m] = base[4 * m + 3]
        m += 1
    }
    for m in hi..<count { edge(m) }
}

/// The 4×4 block `v` (row r in lanes 4r ..< 4r + 4) transposed: lane 4c + r is `v[4r + c]`.
@inline(__always)
func transposed4x4(_ v: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(
        v[0], v[4], v[8], v[12], v[1], v[5], v[9], v[13],
        v[2], v[6], v[10], v[14], v[3], v[7], v[11], v[15])
}

/// Writes the phases `phases[b·stride + m]` to columns `4m + b` of a row of `width` (columns
/// beyond the row dropped). In Float, four m at a time (a 4×4 block transposed).
@inline(__always)
func interleave4<S: TensorElement>(
    _ phases: UnsafePointer<S>, stride: Int, into row: UnsafeMutablePointer<S>, width: Int
) {
    let full = width / 4
    let p0 = phases, p1 = p0 + stride, p2 = p1 + stride, p3 = p2 + stride
    var m = 0
    if S.self == Float.self {
        let source = UnsafeRawPointer(phases), target = UnsafeMutableRawPointer(row)
        let step = stride * MemoryLayout<Float>.stride
        while m + 4 <= full {
            let at = source + 4 * m
            let v = SIMD16(
                lowHalf: SIMD8(
                    lowHalf: at.loadUnaligned(as: SIMD4<Float>.self),
                    highHalf: (at + step).loadUnaligned(as: SIMD4<Float>.self)),
                highHalf: SIMD8(
                    lowHalf: (at + 2 * step).loadUnaligned(as: SIMD4<Float>.self),
                    highHalf: (at + 3 * step).loadUnaligned(as: SIMD4<Float>.self)))
            (target + 16 * m).storeBytes(of: transposed4x4(v), as: SIMD16<Float>.self)
            m += 4
        }
    }
    while m < full {
        row[4 * m] = p0[m]
        row[4 * m + 1] = p1[m]
        row[4 * m + 2] = p2[m]
        row[4 * m + 3] = p3[m]
        m += 1
    }
    for b in 0..<(width - 4 * full) { row[4 * full + b] = phases[b * stride + full] }
}

/// `a[i] = a[i] + b[i]` for i < `count` (nothing when `count` ≤ 0), in Float eight at a time.
@inline(__always)
func addInto<S: TensorElement>(
    _ a: UnsafeMutablePointer<S>, _ b: UnsafePointer<S>, count: Int
) {
    var i = 0
    if S.self == Float.self {
        let x = UnsafeMutableRawPointer(a), y = UnsafeRawPointer(b)
        while i + 8 <= count {
            let at = 4 * i
            let sum = x.advanced(by: at).loadUnaligned(as: SIMD8<Float>.self)
                + y.advanced(by: at).loadUnaligned(as: SIMD8<Float>.self)
            x.advanced(by: at).storeBytes(of: sum, as: SIMD8<Float>.self)
            i += 8
        }
    }
    while i < count {
        a[i] = a[i] + b[i]
        i += 1
    }
}
