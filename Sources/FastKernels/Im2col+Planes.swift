import TensorCore

// Unfolding (im2col) a plane at a time. The reference unfolds row by row, with a fill or a
// copy call for each part of each output row; on the small maps of the deep layers (3×3 to
// 12×12) those calls, of one to a dozen elements, cost more than the copying. Here each
// (channel, kernel row, kernel column, sample) plane of the unfolded input takes one copy
// where the rows line up, and one fill where padding leaves zeros. The values are the
// reference's (`Conv2dGeometry.im2col`): copies of inputs or zeros.

extension Conv2dGeometry {
    /// `im2col(_:n0:nb:channels:into:)` of the reference as the fast kernels run it: through
    /// a table of offsets (`im2colByTable`) for planes of at most `tablePlaneLimit` outputs,
    /// plane by plane (`im2colByPlanes`) otherwise. The same rows of
    /// `cols[patchSize, nb·outPlane]` with the same values either way.
    @inlinable
    public func im2colPlanes<S: TensorElement>(
        _ x: UnsafeBufferPointer<S>, n0: Int, nb: Int, channels: Range<Int>,
        into cols: UnsafeMutablePointer<S>
    ) {
        if outPlane <= Self.tablePlaneLimit {
            im2colByTable(x, n0: n0, nb: nb, channels: channels, into: cols)
        } else {
            im2colByPlanes(x, n0: n0, nb: nb, channels: channels, into: cols)
        }
    }

    /// `im2col(_:n0:nb:channels:into:)` of the reference, plane by plane: the same rows of
    /// `cols[patchSize, nb·outPlane]` with the same values.
    @inlinable
    public func im2colByPlanes<S: TensorElement>(
        _ x: UnsafeBufferPointer<S>, n0: Int, nb: Int, channels: Range<Int>,
        into cols: UnsafeMutablePointer<S>
    ) {
        let plane = height * width, ldc = nb * outPlane
        let (oh, ow, kh, kw) = (outHeight, outWidth, kernelHeight, kernelWidth)
        for c in channels {
            for i in 0..<kh {
                let yr = validRange(offset: i, size: height, outSize: oh)
                for j in 0..<kw {
                    let row = (c * kh + i) * kw + j
                    let xr = validRange(offset: j, size: width, outSize: ow)
                    for s in 0..<nb {
                        let src = x.start + (n0 + s) * inChannels * plane + c * plane
                        let dst = cols + row * ldc + s * outPlane
                        unfoldPlane(src, into: dst, i: i, j: j, rows: yr, columns: xr)
                    }
                }
            }
        }
    }

    /// One plane of the unfolded input: output positions `rows × columns` read the input at
    /// `(oy·stride − padding + i, ox·stride − padding + j)`, every other position is zero.
    @inlinable @inline(__always)
    func unfoldPlane<S: TensorElement>(
        _ src: UnsafePointer<S>, into dst: UnsafeMutablePointer<S>, i: Int, j: Int,
        rows yr: Range<Int>, columns xr: Range<Int>
    ) {
        let ow = outWidth
        guard !yr.isEmpty, !xr.isEmpty else {
            return dst.update(repeating: 0, count: outPlane)
        }
        // Rows wholly in the padding, above and below.
        if yr.lowerBound > 0 { dst.update(repeating: 0, count: yr.lowerBound * ow) }
        if yr.upperBound < outHeight {
            (dst + yr.upperBound * ow).update(repeating: 0, count: (outHeight - yr.upperBound) * ow)
        }
        let first = src + (yr.lowerBound * stride - padding + i) * width - padding + j
        if stride == 1 && ow == width {
            // Consecutive output rows read consecutive input rows at the same offset: one
            // copy from the first valid position to the last, then the positions in the
            // side padding (which the copy filled with the neighbouring row's ends) set to 0.
            let start = yr.lowerBound * ow + xr.lowerBound
            let count = (yr.count - 1) * ow + xr.count
            (dst + start).update(from: first + xr.lowerBound, count: count)
            let left = xr.lowerBound, right = ow - xr.upperBound
            if left > 0 || right > 0 {
                for oy in yr {
                    let d = dst + oy * ow
                    for ox in 0..<left { d[ox] = 0 }
                    for ox in xr.upperBound..<ow { d[ox] = 0 }
                }
            }
            return
        }
        for oy in yr {
            let d = dst + oy * ow, r = first + (oy - yr.lowerBound) * stride * width
            for ox in 0..<xr.lowerBound { d[ox] = 0 }
            if stride == 1 {
                (d + xr.lowerBound).update(from: r + xr.lowerBound, count: xr.count)
            } else if stride == 2 {
                copyEveryOther(r, into: d, xr)
            } else {
                for ox in xr { d[ox] = r[ox &* stride] }
            }
            for ox in xr.upperBound..<ow { d[ox] = 0 }
        }
    }
}

/// `d[k] = r[2k]` for k in `range`, in Float eight at a time: a block reads sixteen
/// consecutive scalars and keeps the even ones, so blocks stop while the odd scalar after a
/// block's last even one is still before the range's last even place (no read leaves the
/// row); the rest runs one at a time.
@usableFromInline @inline(__always)
func copyEveryOther<S: TensorElement>(
    _ r: UnsafePointer<S>, into d: UnsafeMutablePointer<S>, _ range: Range<Int>
) {
    var k = range.lowerBound
    if S.self == Float.self {
        let source = UnsafeRawPointer(r), target = UnsafeMutableRawPointer(d)
        while k + 8 < range.upperBound {
            let v = (source + 8 * k).loadUnaligned(as: SIMD16<Float>.self)
            (target + 4 * k).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
            k += 8
        }
    }
    while k < range.upperBound {
        d[k] = r[2 &* k]
        k += 1
    }
}

// Small maps (the deep layers' 5×5 to 12×12) have planes of a few dozen outputs, where the
// copies, fills and side zeros of each plane cost more in calls and branches than in
// copying. Every (channel, sample) plane of one kernel position reads the same offsets of its
// input plane, so a table of those offsets, made once per call, serves all of them.

extension Conv2dGeometry {
    /// Output planes of at most this many positions are unfolded and folded back through a
    /// table of input offsets (`im2colByTable`, `col2imByTable`).
    public static let tablePlaneLimit = 256

    /// For each kernel position `t = i·kw + j` and output position `p`, the offset in an
    /// input plane that `p` reads, or −1 where it reads padding: `kernelHeight·kernelWidth`
    /// rows of `outPlane` into `table`.
    func inputOffsets(into table: UnsafeMutablePointer<Int32>) {
        let (oh, ow) = (outHeight, outWidth)
        for i in 0..<kernelHeight {
            for j in 0..<kernelWidth {
                let row = table + (i * kernelWidth + j) * outPlane
                for oy in 0..<oh {
                    let iy = oy * stride - padding + i
                    for ox in 0..<ow {
                        let ix = ox * stride - padding + j
                        let inside = iy >= 0 && iy < height && ix >= 0 && ix < width
                        row[oy * ow + ox] = inside ? Int32(iy * width + ix) : -1
                    }
                }
            }
        }
    }

    /// Calls `body(map, row, s, inputPlane)` for every (channel, kernel position, sample) of
    /// the given channels and samples, in the reference's order: `map` the kernel position's
    /// input offsets (`outPlane` of them, −1 in the padding), `row` its row of the unfolded
    /// input, `inputPlane` where the sample's plane of that channel starts in the input.
    @inline(__always)
    func forEachTabledPlane(
        n0: Int, nb: Int, channels: Range<Int>,
        _ body: (_ map: UnsafePointer<Int32>, _ row: Int, _ s: Int, _ inputPlane: Int) -> Void
    ) {
        let plane = height * width, q = outPlane, taps = kernelHeight * kernelWidth
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: taps * q) { table in
            let offsets = table.baseAddress!
            inputOffsets(into: offsets)
            for c in channels {
                for t in 0..<taps {
                    for s in 0..<nb {
                        body(offsets + t * q, c * taps + t, s, ((n0 + s) * inChannels + c) * plane)
                    }
                }
            }
        }
    }

    /// `im2col(_:n0:nb:channels:into:)` of the reference through a table of input offsets:
    /// the same rows of `cols[patchSize, nb·outPlane]` with the same values.
    public func im2colByTable<S: TensorElement>(
        _ x: UnsafeBufferPointer<S>, n0: Int, nb: Int, channels: Range<Int>,
        into cols: UnsafeMutablePointer<S>
    ) {
        guard let base = x.baseAddress else { return }
        let q = outPlane, ldc = nb * q
        forEachTabledPlane(n0: n0, nb: nb, channels: channels) { map, row, s, inputPlane in
            let src = base + inputPlane, dst = cols + row * ldc + s * q
            for p in 0..<q {
                let o = Int(map[p])
                dst[p] = o >= 0 ? src[o] : 0
            }
        }
    }

    /// `col2im(_:n0:nb:channels:into:)` of the reference through a table of input offsets:
    /// each element of `dx` receives the same additions in the same order, so the sums are
    /// the reference's exactly.
    public func col2imByTable<S: TensorElement>(
        _ cols: UnsafePointer<S>, n0: Int, nb: Int, channels: Range<Int>,
        into dx: UnsafeMutablePointer<S>
    ) {
        let q = outPlane, ldc = nb * q
        forEachTabledPlane(n0: n0, nb: nb, channels: channels) { map, row, s, inputPlane in
            let dst = dx + inputPlane, src = cols + row * ldc + s * q
            for p in 0..<q {
                let o = Int(map[p])
                if o >= 0 { dst[o] += src[p] }
            }
        }
    }
}
