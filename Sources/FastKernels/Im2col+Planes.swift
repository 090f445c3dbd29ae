import TensorCore

// Unfolding (im2col) a plane at a time. The reference unfolds row by row, with a fill or a
// copy call for each part of each output row; on the small maps of the deep layers (3×3 to
// 12×12) those calls, of one to a dozen elements, cost more than the copying. Here each
// (channel, kernel row, kernel column, sample) plane of the unfolded input takes one copy
// where the rows line up, and one fill where padding leaves zeros. The values are the
// reference's (`Conv2dGeometry.im2col`): copies of inputs or zeros.

extension Conv2dGeometry {
    /// `im2col(_:n0:nb:channels:into:)` of the reference, plane by plane: the same rows of
    /// `cols[patchSize, nb·outPlane]` with the same values.
    @inlinable
    public func im2colPlanes<S: TensorElement>(
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
            } else {
                for ox in xr { d[ox] = r[ox * stride] }
            }
            for ox in xr.upperBound..<ow { d[ox] = 0 }
        }
    }
}
