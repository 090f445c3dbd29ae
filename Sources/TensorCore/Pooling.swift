import RealModule

extension Conv2dGeometry {
    /// Calls `body(plane, outputOffset, rows, columns)` for every pooling window, with the
    /// window clipped to the input (padding lies outside).
    @inlinable
    public func forEachWindow(_ body: (Int, Int, Range<Int>, Range<Int>) -> Void) {
        for p in 0..<(batch * inChannels) {
            for oy in 0..<outHeight {
                let y0 = oy * stride - padding
                let rows = max(y0, 0)..<min(y0 + kernelHeight, height)
                for ox in 0..<outWidth {
                    let x0 = ox * stride - padding
                    body(
                        p, (p * outHeight + oy) * outWidth + ox, rows,
                        max(x0, 0)..<min(x0 + kernelWidth, width))
                }
            }
        }
    }
}

extension Tensor {
    /// The window geometry of a pooling op over `x[N, C, H, W]`.
    public static func poolGeometry(
        _ shape: [Int], kernel: Int, stride: Int, padding: Int, operation: String
    ) throws(ShapeError) -> Conv2dGeometry {
        guard shape.count == 4 else {
            throw ShapeError(operation, "needs input [N, C, H, W], got \(describe(shape))")
        }
        guard padding * 2 <= kernel else {
            throw ShapeError(
                operation,
                "padding \(padding) must be at most half the kernel \(kernel) (PyTorch's rule)")
        }
        return try Conv2dGeometry(
            batch: shape[0], channels: shape[1], height: shape[2], width: shape[3],
            outChannels: shape[1],
            kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: padding,
            operation: operation)
    }

    /// The reference max pooling: every window of every plane in turn; padding counts as −∞,
    /// a NaN wins its window, and the offset within its input plane of each maximum is the
    /// first in row-major order on ties.
    static func maxPool2dReference(_ x: Tensor, _ p: PoolWindow) -> (
        output: Tensor, argmax: [Int32]
    ) {
        let g = requireShapes { () throws(ShapeError) in
            try poolGeometry(
                x.shape, kernel: p.kernel, stride: p.stride, padding: p.padding,
                operation: "max_pool2d")
        }
        var argmax = [Int32](repeating: 0, count: g.batch * g.inChannels * g.outPlane)
        let out = Tensor(shape: g.outputShape) { po in
            x.storage.withUnsafeBufferPointer { px in
                argmax.withUnsafeMutableBufferPointer { pa in
                    guard px.count > 0, po.count > 0 else { return }
                    for plane in 0..<(g.batch * g.inChannels) {
                        maxPoolWindows(g, plane: plane, px.start, po.start, pa.start)
                    }
                }
            }
        }
        return (out, argmax)
    }

    /// The maximum of every pooling window of one plane and its offset in the input plane,
    /// window by window (a NaN wins; the first maximum in row-major order on ties).
    @inlinable
    public static func maxPoolWindows(
        _ g: Conv2dGeometry, plane: Int, _ px: UnsafePointer<Scalar>,
        _ po: UnsafeMutablePointer<Scalar>,
        _ pa: UnsafeMutablePointer<Int32>
    ) {
        let h = g.height, w = g.width, oh = g.outHeight, ow = g.outWidth
        let kernel = g.kernelHeight, stride = g.stride, padding = g.padding
        let base = plane &* h &* w, obase = plane &* oh &* ow
        for oy in 0..<oh {
            let y0 = oy * stride - padding
            let ys = max(y0, 0), ye = min(y0 + kernel, h)
            for ox in 0..<ow {
                let x0 = ox * stride - padding
                let xs = max(x0, 0), xe = min(x0 + kernel, w)
                var best = -Scalar.infinity
                var bestIndex = ys &* w &+ xs
                var iy = ys
                while iy < ye {
                    let rowOffset = iy &* w
                    var ix = xs
                    while ix < xe {
                        let v = px[base &+ rowOffset &+ ix]
                        // Selects rather than branches: the winner is unpredictable.
                        let better = v > best || (v.isNaN && !best.isNaN)
                        best = better ? v : best
                        bestIndex = better ? rowOffset &+ ix : bestIndex
                        ix &+= 1
                    }
                    iy &+= 1
                }
                po[obase &+ oy &* ow &+ ox] = best
                pa[obase &+ oy &* ow &+ ox] = Int32(truncatingIfNeeded: bestIndex)
            }
        }
    }

    /// Backward of max pooling: routes each upstream element to its recorded maximum.
    static func maxPool2dBackwardKernel(
        upstream dy: Tensor, argmax: [Int32], inputShape: [Int], split: WorkSplitter
    ) -> Tensor {
        precondition(
            inputShape.count == 4 && dy.rank == 4 && dy.count == argmax.count,
            "max_pool2d_backward: upstream \(describe(dy.shape)) does not match the recorded " +
            "pooling"
        )
        let planes = inputShape[0] * inputShape[1], inPlane = inputShape[2] * inputShape[3]
        let q = dy.shape[2] * dy.shape[3]
        var dx = [Scalar](repeating: 0, count: Shape.count(inputShape))
        dy.scalars.withUnsafeBufferPointer { pdy in
            dx.withUnsafeMutableBufferPointer { pdx in
                argmax.withUnsafeBufferPointer { pa in
                    guard pdy.count > 0, pdx.count > 0 else { return }
                    let (src, dst, arg) = (
                        SendablePointer(pdy.start), SendableMutablePointer(pdx.start),
                        SendablePointer(pa.start)
                    )
                    split.run(planes, planes * (inPlane + q)) { range in
                        for p in range {
                            for t in 0..<q {
                                dst.pointer[p * inPlane + Int(arg.pointer[p * q + t])] +=
                                    src.pointer[p * q + t]
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: inputShape, scalars: dx)
    }

    /// Average pooling with a square window; padded positions count as zeros in the divisor
    /// (`count_include_pad=True`, PyTorch's default), so the divisor is always `kernel²`.
    static func avgPool2dKernel(_ x: Tensor, _ window: PoolWindow) -> Tensor {
        let (kernel, stride, padding) = (window.kernel, window.stride, window.padding)
        let g = requireShapes { () throws(ShapeError) in
            try poolGeometry(
                x.shape, kernel: kernel, stride: stride, padding: padding, operation: "avg_pool2d")
        }
        let inPlane = g.height * g.width
        let scale = 1 / Scalar(kernel * kernel)
        return Tensor(shape: g.outputShape) { po in
            x.scalars.withUnsafeBufferPointer { px in
                g.forEachWindow { p, o, rows, cols in
                    var acc: Scalar = 0
                    for iy in rows { for ix in cols { acc += px[p * inPlane + iy * g.width + ix] } }
                    po[o] = acc * scale
                }
            }
        }
    }

    /// Backward of average pooling.
    static func avgPool2dBackwardKernel(
        upstream dy: Tensor, inputShape: [Int], _ window: PoolWindow
    ) -> Tensor {
        let (kernel, stride, padding) = (window.kernel, window.stride, window.padding)
        let g = requireShapes { () throws(ShapeError) in
            try poolGeometry(
                inputShape, kernel: kernel, stride: stride, padding: padding,
                operation: "avg_pool2d_backward")
        }
        precondition(
            dy.shape == g.outputShape,
            "avg_pool2d_backward: upstream \(describe(dy.shape)) vs output " +
            "\(describe(g.outputShape))"
        )
        let inPlane = g.height * g.width
        let scale = 1 / Scalar(kernel * kernel)
        var dx = [Scalar](repeating: 0, count: Shape.count(inputShape))
        dy.scalars.withUnsafeBufferPointer { pdy in
            dx.withUnsafeMutableBufferPointer { pdx in
                g.forEachWindow { p, o, rows, cols in
                    let v = pdy[o] * scale
                    for iy in rows { for ix in cols { pdx[p * inPlane + iy * g.width + ix] += v } }
                }
            }
        }
        return Tensor(shape: inputShape, scalars: dx)
    }

    /// The bins of adaptive pooling along one axis: bin `i` covers
    /// `[floor(i·n/out), ceil((i+1)·n/out))` (PyTorch's rule).
    public static func adaptiveBins(inSize n: Int, outSize m: Int) -> [Range<Int>] {
        (0..<m).map { i in (i * n / m)..<(((i + 1) * n + m - 1) / m) }
    }

    /// Adaptive average pooling of `x[N, C, H, W]` to `[N, C, outHeight, outWidth]`.
    static func adaptiveAvgPool2dKernel(_ x: Tensor, outHeight: Int, outWidth: Int) -> Tensor {
        requireShapes { () throws(ShapeError) in
            guard x.rank == 4, outHeight >= 1, outWidth >= 1 else {
                throw ShapeError(
                    "adaptive_avg_pool2d",
                    "needs input [N, C, H, W] and a positive output size, got " +
                    "\(describe(x.shape)) → \(outHeight)×\(outWidth)"
                )
            }
        }
        let h = x.shape[2], w = x.shape[3], planes = x.shape[0] * x.shape[1]
        let rows = adaptiveBins(inSize: h, outSize: outHeight),
            cols = adaptiveBins(inSize: w, outSize: outWidth)
        return Tensor(shape: [x.shape[0], x.shape[1], outHeight, outWidth]) { po in
            x.scalars.withUnsafeBufferPointer { px in
                for p in 0..<planes {
                    for (oy, ry) in rows.enumerated() {
                        for (ox, rx) in cols.enumerated() {
                            var acc: Scalar = 0
                            for iy in ry { for ix in rx { acc += px[p * h * w + iy * w + ix] } }
                            po[(p * outHeight + oy) * outWidth + ox] =
                                acc / Scalar(ry.count * rx.count)
                        }
                    }
                }
            }
        }
    }

    /// Backward of adaptive average pooling.
    static func adaptiveAvgPool2dBackwardKernel(upstream dy: Tensor, inputShape: [Int]) -> Tensor {
        precondition(
            inputShape.count == 4 && dy.rank == 4 && dy.shape[0...1] == inputShape[0...1],
            "adaptive_avg_pool2d_backward: upstream \(describe(dy.shape)) vs input " +
            "\(describe(inputShape))"
        )
        let h = inputShape[2], w = inputShape[3], oh = dy.shape[2], ow = dy.shape[3]
        let planes = inputShape[0] * inputShape[1]
        let rows = adaptiveBins(inSize: h, outSize: oh), cols = adaptiveBins(inSize: w, outSize: ow)
        var dx = [Scalar](repeating: 0, count: Shape.count(inputShape))
        dy.scalars.withUnsafeBufferPointer { pdy in
            dx.withUnsafeMutableBufferPointer { pdx in
                for p in 0..<planes {
                    for (oy, ry) in rows.enumerated() {
                        for (ox, rx) in cols.enumerated() {
                            let v = pdy[(p * oh + oy) * ow + ox] / Scalar(ry.count * rx.count)
                            for iy in ry { for ix in rx { pdx[p * h * w + iy * w + ix] += v } }
                        }
                    }
                }
            }
        }
        return Tensor(shape: inputShape, scalars: dx)
    }
}
