import TensorCore

extension Tensor {
    /// Max pooling with a square window; padding counts as −∞. Returns the output and, for
    /// each output element, the offset within its input plane of the maximum (first on ties).
    public static func maxPool2dFast(_ x: Tensor, _ window: PoolWindow) -> (
        output: Tensor, argmax: [Int32]
    ) {
        let (kernel, stride, padding) = (window.kernel, window.stride, window.padding)
        let g = requireShapes { () throws(ShapeError) in
            try poolGeometry(
                x.shape, kernel: kernel, stride: stride, padding: padding, operation: "max_pool2d")
        }
        var argmax = [Int32](repeating: 0, count: g.batch * g.inChannels * g.outPlane)
        let out = Tensor(shape: g.outputShape) { po in
            x.scalars.withUnsafeBufferPointer { px in
                argmax.withUnsafeMutableBufferPointer { pa in
                    guard px.count > 0, po.count > 0 else { return }
                    let (src, dst, arg) = (
                        SendablePointer(px.start), SendableMutablePointer(po.start),
                        SendableMutablePointer(pa.start)
                    )
                    let plane = g.height * g.width
                    ParallelWork.split(g.batch * g.inChannels, elements: x.count) { planes in
                        // Two lines: the column maxima, then (split) their even and odd columns.
                        var line = [Scalar](repeating: 0, count: 2 * g.width + 2)
                        var lineRows = [Int32](repeating: 0, count: 2 * g.width + 2)
                        line.withUnsafeMutableBufferPointer { pl in
                            lineRows.withUnsafeMutableBufferPointer { pr in
                                for p in planes {
                                    // A NaN must win its window (as in PyTorch): planes with one
                                    // take the window-by-window loop that tests for it.
                                    if containsNaN(src.pointer + p * plane, count: plane) {
                                        maxPoolWindows(
                                            g, plane: p, src.pointer, dst.pointer, arg.pointer)
                                    } else {
                                        maxPoolSeparableWithPositions(
                                            g, plane: p, src.pointer, dst.pointer, arg.pointer,
                                            line: pl.start, lineRows: pr.start,
                                            split: pl.start + g.width, splitRows: pr.start + g.width
                                        )
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (out, argmax)
    }

    /// Max pooling without the positions of the maxima (nothing to differentiate): a max over
    /// each window's rows, then over its columns, with NaN winning as in PyTorch. Equal in
    /// value to `maxPool2dKernel`'s output; where +0 and −0 tie for a window's maximum, the
    /// sign of the zero may differ (the first in row-major order there, the first column
    /// maximum here).
    public static func maxPool2dValuesFast(_ x: Tensor, _ window: PoolWindow) -> Tensor {
        let (kernel, stride, padding) = (window.kernel, window.stride, window.padding)
        let g = requireShapes { () throws(ShapeError) in
            try poolGeometry(
                x.shape, kernel: kernel, stride: stride, padding: padding, operation: "max_pool2d")
        }
        return Tensor(shape: g.outputShape) { po in
            x.scalars.withUnsafeBufferPointer { px in
                guard px.count > 0, po.count > 0 else { return }
                let (src, dst) = (SendablePointer(px.start), SendableMutablePointer(po.start))
                ParallelWork.split(g.batch * g.inChannels, elements: x.count) { planes in
                    var line = [Scalar](repeating: 0, count: g.width + 1)
                    line.withUnsafeMutableBufferPointer { pl in
                        for p in planes {
                            maxPoolSeparable(g, plane: p, src.pointer, dst.pointer, line: pl.start)
                        }
                    }
                }
            }
        }
    }

    /// `max` where a NaN wins (either side), with a select rather than a branch. NaN is
    /// tested as `b != b`, which compiles to one unordered compare; `isNaN` on the generic
    /// scalar compiled here to bit-pattern tests, six instructions more per element.
    @inline(__always)
    static func maxKeepingNaN(_ a: Scalar, _ b: Scalar) -> Scalar { b > a || b != b ? b : a }

    /// One plane of `maxPool2dValuesKernel`: for each output row, the maximum over the
    /// window's rows (contiguous, vectorised), then over each window's columns of that line.
    /// `line` holds `width` scalars.
    @inline(__always)
    static func maxPoolSeparable(
        _ g: Conv2dGeometry, plane p: Int, _ px: UnsafePointer<Scalar>,
        _ po: UnsafeMutablePointer<Scalar>,
        line: UnsafeMutablePointer<Scalar>
    ) {
        let h = g.height, w = g.width, oh = g.outHeight, ow = g.outWidth
        let k = g.kernelHeight, stride = g.stride, padding = g.padding
        let input = px + p * h * w, output = po + p * oh * ow
        if k == 3 && stride == 2 && padding == 1 {
            if Scalar.self == Float.self {
                return maxPoolThreeByTwoInLanes(
                    UnsafeRawPointer(input).assumingMemoryBound(to: Float.self),
                    UnsafeMutableRawPointer(output).assumingMemoryBound(to: Float.self),
                    height: h, width: w, outHeight: oh,
                    line: UnsafeMutableRawPointer(line).assumingMemoryBound(to: Float.self))
            }
            return maxPoolThreeByTwo(input, output, height: h, width: w, outHeight: oh, line: line)
        }
        // Output columns whose window lies inside the row: ox·s − p ≥ 0 and ox·s − p + k ≤ w.
        let lo = min(ow, (padding + stride - 1) / stride)
        let hi = max(lo, min(ow, w + padding - k >= 0 ? (w + padding - k) / stride + 1 : 0))
        for oy in 0..<oh {
            let y0 = oy * stride - padding
            let ys = max(y0, 0), ye = min(y0 + k, h)
            let first = input + ys * w
            for x in 0..<w { line[x] = first[x] }
            var y = ys + 1
            while y < ye {
                let next = input + y * w
                for x in 0..<w { line[x] = maxKeepingNaN(line[x], next[x]) }
                y += 1
            }
            let out = output + oy * ow
            for ox in 0..<lo {
                out[ox] = clippedMax(line, from: ox * stride - padding, k, limit: w)
            }
            if k == 3 {
                for ox in lo..<hi {
                    let x0 = ox * stride - padding
                    out[ox] = maxKeepingNaN(maxKeepingNaN(line[x0], line[x0 + 1]), line[x0 + 2])
                }
            } else {
                for ox in lo..<hi {
                    out[ox] = clippedMax(line, from: ox * stride - padding, k, limit: w)
                }
            }
            for ox in hi..<ow {
                out[ox] = clippedMax(line, from: ox * stride - padding, k, limit: w)
            }
        }
    }

    /// The DDL pool (3×3, stride 2, padding 1) of one plane without positions: per output row,
    /// the maximum over the window's rows of the even columns and of the odd ones, kept apart,
    /// so that output `ox` is `max(odd[ox − 1], even[ox], odd[ox])`: every loop contiguous.
    /// `line` holds `width + 1` scalars.
    @inline(__always)
    static func maxPoolThreeByTwo(
        _ input: UnsafePointer<Scalar>, _ output: UnsafeMutablePointer<Scalar>,
        height h: Int, width w: Int, outHeight oh: Int, line: UnsafeMutablePointer<Scalar>
    ) {
        let evens = (w + 1) / 2, odds = w / 2, ow = evens
        let even = line, odd = line + evens
        for oy in 0..<oh {
            let ys = max(2 * oy - 1, 0), ye = min(2 * oy + 2, h)
            let first = input + ys * w
            for m in 0..<odds { even[m] = first[2 * m]; odd[m] = first[2 * m + 1] }
            if evens > odds { even[odds] = first[w - 1] }
            var y = ys + 1
            while y < ye {
                let next = input + y * w
                for m in 0..<odds {
                    even[m] = maxKeepingNaN(even[m], next[2 * m])
                    odd[m] = maxKeepingNaN(odd[m], next[2 * m + 1])
                }
                if evens > odds { even[odds] = maxKeepingNaN(even[odds], next[w - 1]) }
                y += 1
            }
            let out = output + oy * ow
            out[0] = odds > 0 ? maxKeepingNaN(even[0], odd[0]) : even[0]
            if odds > 1 {
                for ox in 1..<odds {
                    out[ox] = maxKeepingNaN(maxKeepingNaN(odd[ox - 1], even[ox]), odd[ox])
                }
            }
            // An odd width ends with a window of two columns.
            if evens > odds && odds > 0 { out[odds] = maxKeepingNaN(odd[odds - 1], even[odds]) }
        }
    }

    /// `maxPoolThreeByTwo` in `Float` lanes, with the same comparisons in the same order (so
    /// equal to it bit for bit): per output row, the maximum over the window's rows sixteen
    /// columns at a time into `line` (`width + 1` scalars), then for eight outputs at a time
    /// `max(max(v[2ox − 1], v[2ox]), v[2ox + 1])` from two sixteen-column loads split into
    /// their even and odd lanes; the first output, a last window of two columns and what is
    /// left of eight one by one.
    @inline(__always)
    static func maxPoolThreeByTwoInLanes(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
        height h: Int, width w: Int, outHeight oh: Int, line: UnsafeMutablePointer<Float>
    ) {
        @inline(__always) func larger(_ a: Float, _ b: Float) -> Float {
            b > a || b != b ? b : a
        }
        @inline(__always) func larger(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
            a.replacing(with: b, where: (b .> a) .| (b .!= b))
        }
        @inline(__always) func larger(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
            a.replacing(with: b, where: (b .> a) .| (b .!= b))
        }
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
        }
        let ow = (w + 1) / 2
        // Outputs whose three columns lie inside the row: 2ox + 1 ≤ w − 1.
        let last = min(ow - 1, (w - 2) / 2)
        line[w] = 0  // read by the last sixteen-column load, never used
        for oy in 0..<oh {
            let ys = max(2 * oy - 1, 0), ye = min(2 * oy + 2, h)
            let first = input + ys * w
            var x = 0
            while x + 16 <= w {
                var v = load(first + x)
                for y in (ys + 1)..<ye { v = larger(v, load(input + y * w + x)) }
                UnsafeMutableRawPointer(line + x).storeBytes(of: v, as: SIMD16<Float>.self)
                x += 16
            }
            while x < w {
                var v = first[x]
                for y in (ys + 1)..<ye { v = larger(v, input[y * w + x]) }
                line[x] = v
                x += 1
            }
            let out = output + oy * ow
            out[0] = w > 1 ? larger(line[0], line[1]) : line[0]
            var ox = 1
            while ox + 7 <= last {
                let a = load(line + 2 * ox - 1), b = load(line + 2 * ox + 1)
                let m = larger(larger(a.evenHalf, a.oddHalf), b.evenHalf)
                UnsafeMutableRawPointer(out + ox).storeBytes(of: m, as: SIMD8<Float>.self)
                ox += 8
            }
            while ox <= last {
                out[ox] = larger(larger(line[2 * ox - 1], line[2 * ox]), line[2 * ox + 1])
                ox += 1
            }
            // An odd width ends with a window of two columns.
            if ow > 1 && last < ow - 1 { out[ow - 1] = larger(line[w - 2], line[w - 1]) }
        }
    }

    /// The maximum of `row[start ..< start + k]` clipped to `0 ..< limit` (NaN wins).
    @inline(__always)
    static func clippedMax(_ row: UnsafePointer<Scalar>, from start: Int, _ k: Int, limit: Int)
        -> Scalar
    {
        let a = max(start, 0), b = min(start + k, limit)
        var m = row[a]
        var i = a + 1
        while i < b { m = maxKeepingNaN(m, row[i]); i += 1 }
        return m
    }

    /// Max pooling of one plane without NaN, with the offset of each maximum (the first in
    /// row-major order on ties, as the window-by-window loop): for each output row, the
    /// maximum of every column over the window's rows and the first row reaching it
    /// (vectorised), then across each window's columns the largest value, on ties the
    /// smallest row, then the leftmost column.
    @inline(__always)
    static func maxPoolSeparableWithPositions(
        _ g: Conv2dGeometry, plane p: Int, _ px: UnsafePointer<Scalar>,
        _ po: UnsafeMutablePointer<Scalar>,
        _ pa: UnsafeMutablePointer<Int32>, line: UnsafeMutablePointer<Scalar>,
        lineRows: UnsafeMutablePointer<Int32>,
        split: UnsafeMutablePointer<Scalar>, splitRows: UnsafeMutablePointer<Int32>
    ) {
        let h = g.height, w = g.width, oh = g.outHeight, ow = g.outWidth
        let k = g.kernelHeight, stride = g.stride, padding = g.padding
        let input = px + p * h * w, output = po + p * oh * ow, positions = pa + p * oh * ow
        for oy in 0..<oh {
            let y0 = oy * stride - padding
            let ys = max(y0, 0), ye = min(y0 + k, h)
            let first = input + ys * w
            let firstRow = Int32(truncatingIfNeeded: ys)
            for x in 0..<w { line[x] = first[x]; lineRows[x] = firstRow }
            var y = ys + 1
            while y < ye {
                let next = input + y * w, row = Int32(truncatingIfNeeded: y)
                if Scalar.self == Float.self {
                    keepLarger(line, lineRows, next, row: row, count: w)
                } else {
                    for x in 0..<w {
                        let better = next[x] > line[x]
                        line[x] = better ? next[x] : line[x]
                        lineRows[x] = better ? row : lineRows[x]
                    }
                }
                y += 1
            }
            let out = output + oy * ow, at = positions + oy * ow
            var done = 0
            if Scalar.self == Float.self && k == 3 && stride == 2 && padding == 1 && ow >= 10 {
                // The DDL pool: windows of columns (2ox − 1, 2ox, 2ox + 1), eight outputs at
                // a time from 1 up to the last whole group; the rest by the loop below.
                done = pickAcrossThreeColumns(
                    line, lineRows, width: w, outputs: ow, into: out, positions: at, split: split,
                    splitRows: splitRows)
            }
            for ox in 0..<ow where ox < 1 || ox >= done {
                let x0 = ox * stride - padding
                let xs = max(x0, 0), xe = min(x0 + k, w)
                var best = line[xs], bestRow = lineRows[xs], bestColumn = xs
                var x = xs + 1
                while x < xe {
                    let v = line[x], r = lineRows[x]
                    let better = v > best || (v == best && r < bestRow)
                    best = better ? v : best
                    bestRow = better ? r : bestRow
                    bestColumn = better ? x : bestColumn
                    x += 1
                }
                out[ox] = best
                at[ox] =
                    bestRow &* Int32(truncatingIfNeeded: w) &+ Int32(truncatingIfNeeded: bestColumn)
            }
        }
    }

}

/// `line[x] = max(line[x], next[x])`, and `rows[x] = row` where `next[x]` is strictly larger,
/// eight lanes at a time (written with SIMD types so it compiles to blends, not branches).
@inline(__always)
func keepLarger<S: TensorElement>(
    _ line: UnsafeMutablePointer<S>, _ rows: UnsafeMutablePointer<Int32>, _ next: UnsafePointer<S>,
    row: Int32, count: Int
) {
    let l = UnsafeMutableRawPointer(line), n = UnsafeRawPointer(next),
        r = UnsafeMutableRawPointer(rows)
    let rowVector = SIMD8<Int32>(repeating: row)
    @inline(__always) func update(_ x: Int) {
        let a = l.loadUnaligned(fromByteOffset: 4 * x, as: SIMD8<Float>.self)
        let b = n.loadUnaligned(fromByteOffset: 4 * x, as: SIMD8<Float>.self)
        let rs = r.loadUnaligned(fromByteOffset: 4 * x, as: SIMD8<Int32>.self)
        let better = b .> a
        l.storeBytes(
            of: a.replacing(with: b, where: better), toByteOffset: 4 * x, as: SIMD8<Float>.self)
        r.storeBytes(
            of: rs.replacing(with: rowVector, where: better), toByteOffset: 4 * x,
            as: SIMD8<Int32>.self)
    }
    var x = 0
    while x + 8 <= count {
        update(x)
        x += 8
    }
    // The rest as one group of eight ending at the last element, overlapping the groups
    // before: the update is idempotent (where `line` already holds the maximum, `next` is
    // not strictly larger), so lanes done twice do not change.
    if x < count && count >= 8 { update(count - 8) }
    let lf = l.assumingMemoryBound(to: Float.self), nf = n.assumingMemoryBound(to: Float.self)
    while x < count && count < 8 {
        if nf[x] > lf[x] { lf[x] = nf[x]; rows[x] = row }
        x += 1
    }
}

/// For the 3×3, stride-2, padding-1 pool over one line of column maxima: outputs
/// `1 ... last` (the outputs whose windows lie inside, eight at a time, the last group
/// overlapping the one before), the largest of columns
/// `2ox − 1, 2ox, 2ox + 1`, on ties the smallest row, then the leftmost column. The line's
/// even and odd columns are first copied apart (into `split`, `splitRows`: `width + 2`
/// each), so that each group reads three contiguous runs. Returns the first output it did
/// not write.
@inline(__always)
func pickAcrossThreeColumns<S: TensorElement>(
    _ line: UnsafeMutablePointer<S>, _ rows: UnsafeMutablePointer<Int32>, width w: Int,
    outputs ow: Int,
    into out: UnsafeMutablePointer<S>, positions: UnsafeMutablePointer<Int32>,
    split: UnsafeMutablePointer<S>, splitRows: UnsafeMutablePointer<Int32>
) -> Int {
    // Windows inside the line: 2ox + 1 ≤ w − 1, so ox ≤ (w − 2)/2.
    let last = min(ow - 1, (w - 2) / 2)
    let groups = max(0, last) / 8
    guard groups > 0 else { return 1 }
    let values = UnsafeMutableRawPointer(line).assumingMemoryBound(to: Float.self)
    let evens = (w + 1) / 2
    let even = UnsafeMutableRawPointer(split).assumingMemoryBound(to: Float.self),
        odd = even + evens
    let evenRows = splitRows, oddRows = splitRows + evens
    // Sixteen columns at a time into eight even and eight odd, the rest one by one.
    var m = 0
    while 2 * m + 16 <= w {
        let v = UnsafeRawPointer(values + 2 * m).loadUnaligned(as: SIMD16<Float>.self)
        let r = UnsafeRawPointer(rows + 2 * m).loadUnaligned(as: SIMD16<Int32>.self)
        UnsafeMutableRawPointer(even + m).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(odd + m).storeBytes(of: v.oddHalf, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(evenRows + m).storeBytes(of: r.evenHalf, as: SIMD8<Int32>.self)
        UnsafeMutableRawPointer(oddRows + m).storeBytes(of: r.oddHalf, as: SIMD8<Int32>.self)
        m += 8
    }
    for m in m..<(w / 2) {
        even[m] = values[2 * m]; odd[m] = values[2 * m + 1]
        evenRows[m] = rows[2 * m]; oddRows[m] = rows[2 * m + 1]
    }
    if w % 2 == 1 { even[w / 2] = values[w - 1]; evenRows[w / 2] = rows[w - 1] }
    let o = UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self)
    let width = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: w))
    let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
    func load(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }
    func load(_ p: UnsafeMutablePointer<Int32>, _ i: Int) -> SIMD8<Int32> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Int32>.self)
    }
    @inline(__always) func group(at ox: Int) {
        let lv = load(odd, ox - 1), mv = load(even, ox), rv = load(odd, ox)
        let lr = load(oddRows, ox - 1), mr = load(evenRows, ox), rr = load(oddRows, ox)
        let leftColumn = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: 2 * ox - 1)) &+ lanes
        var best = lv, bestRow = lr, bestColumn = leftColumn
        let takeMiddle = (mv .> best) .| ((mv .== best) .& (mr .< bestRow))
        best.replace(with: mv, where: takeMiddle)
        bestRow.replace(with: mr, where: takeMiddle)
        bestColumn.replace(with: leftColumn &+ 1, where: takeMiddle)
        let takeRight = (rv .> best) .| ((rv .== best) .& (rr .< bestRow))
        best.replace(with: rv, where: takeRight)
        bestRow.replace(with: rr, where: takeRight)
        bestColumn.replace(with: leftColumn &+ 2, where: takeRight)
        let position = bestRow &* width &+ bestColumn
        UnsafeMutableRawPointer(o + ox).storeBytes(of: best, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(positions + ox).storeBytes(of: position, as: SIMD8<Int32>.self)
    }
    for g in 0..<groups { group(at: 1 + 8 * g) }
    // The outputs after the last whole group as one group ending at `last`, overlapping the
    // one before (writing the same values again).
    if 1 + 8 * groups <= last { group(at: last - 7) }
    return last + 1
}

/// Whether any of `count` scalars at `p` is a NaN: sixteen Float lanes at a time (a compare
/// and an OR per group, no early exit), the rest one by one. The plane it scans is read
/// again straight after, from cache.
@inline(__always)
func containsNaN<S: TensorElement>(_ p: UnsafePointer<S>, count: Int) -> Bool {
    var i = 0
    if S.self == Float.self {
        let raw = UnsafeRawPointer(p)
        var found = SIMDMask<SIMD16<Int32>>(repeating: false)
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            found .|= v .!= v
            i += 16
        }
        if any(found) { return true }
    }
    while i < count {
        if p[i] != p[i] { return true }
        i += 1
    }
    return false
}
