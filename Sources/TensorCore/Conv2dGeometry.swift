import RealModule

/// The geometry of a 2-D convolution or pooling window over an NCHW input.
public struct Conv2dGeometry: Equatable, Sendable {
    /// Input size: batch `N`, channels `C`, and the plane `H × W`.
    public let batch: Int, inChannels: Int, height: Int, width: Int
    /// Output channels `Cout` and the kernel (window) size `kh × kw`.
    public let outChannels: Int, kernelHeight: Int, kernelWidth: Int
    /// Step between windows and zero padding on each side, the same along both axes.
    public let stride: Int, padding: Int
    /// Output size: `floor((n + 2·padding − kernel) / stride) + 1` (PyTorch's rule).
    public let outHeight: Int, outWidth: Int

    /// Rows of the unfolded input: `inChannels · kernelHeight · kernelWidth`.
    @inlinable public var patchSize: Int { inChannels * kernelHeight * kernelWidth }
    /// Output positions per sample.
    @inlinable public var outPlane: Int { outHeight * outWidth }

    /// Validates an input shape `[N, C, H, W]` against a weight shape `[Cout, C, kh, kw]`.
    public init(input: [Int], weight: [Int], stride: Int, padding: Int) throws(ShapeError) {
        guard input.count == 4, weight.count == 4 else {
            throw ShapeError(
                "conv2d",
                "needs input [N, C, H, W] and weight [Cout, C, kh, kw], got \(describe(input)) " +
                "and \(describe(weight))"
            )
        }
        guard input[1] == weight[1] else {
            throw ShapeError(
                "conv2d",
                "input \(describe(input)) has \(input[1]) channels, weight \(describe(weight)) " +
                "expects \(weight[1])"
            )
        }
        try self.init(
            batch: input[0], channels: input[1], height: input[2], width: input[3],
            outChannels: weight[0], kernelHeight: weight[2], kernelWidth: weight[3],
            stride: stride, padding: padding, operation: "conv2d")
    }

    /// Validates a window of `kernel` over an input of `[N, C, H, W]` (pooling keeps channels).
    public init(
        batch: Int, channels: Int, height: Int, width: Int, outChannels: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int, operation: String
    ) throws(ShapeError) {
        guard stride >= 1, padding >= 0, kernelHeight >= 1, kernelWidth >= 1 else {
            throw ShapeError(
                operation,
                "kernel \(kernelHeight)×\(kernelWidth), stride \(stride), padding \(padding) are " +
                "not valid"
            )
        }
        let oh = (height + 2 * padding - kernelHeight) / stride + 1
        let ow = (width + 2 * padding - kernelWidth) / stride + 1
        guard height + 2 * padding >= kernelHeight, width + 2 * padding >= kernelWidth, oh >= 1,
            ow >= 1
        else {
            throw ShapeError(
                operation,
                "input [\(batch), \(channels), \(height), \(width)] is smaller than the kernel " +
                "\(kernelHeight)×\(kernelWidth) with padding \(padding)"
            )
        }
        self.batch = batch; self.inChannels = channels; self.height = height; self.width = width
        self.outChannels = outChannels; self.kernelHeight = kernelHeight;
        self.kernelWidth = kernelWidth
        self.stride = stride; self.padding = padding; self.outHeight = oh; self.outWidth = ow
    }

    /// The output shape `[N, Cout, Ho, Wo]`.
    public var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }

    /// Whether the unfolded input is the input itself (1×1 kernel, stride 1, no padding).
    @inlinable public var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0
    }

    /// The range of output columns `ox` whose input column `ox·stride − padding + j` is inside.
    @inlinable
    public func validRange(offset j: Int, size: Int, outSize: Int) -> Range<Int> {
        // ox·s − p + j ≥ 0  ⇔  ox ≥ ceil((p − j)/s);  ox·s − p + j ≤ size − 1.
        let lowNum = padding - j
        let lo = lowNum <= 0 ? 0 : (lowNum + stride - 1) / stride
        let highNum = size - 1 + padding - j
        let hi = highNum < 0 ? -1 : min(outSize - 1, highNum / stride)
        return lo <= hi ? lo..<(hi + 1) : 0..<0
    }
}

extension Conv2dGeometry {
    /// Unfolds the given input channels of samples `[n0, n0 + nb)` into their rows of `cols`.
    @inlinable
    public func im2col<S: TensorElement>(
        _ x: UnsafeBufferPointer<S>, n0: Int, nb: Int, channels: Range<Int>,
        into cols: UnsafeMutablePointer<S>
    ) {
        let plane = height * width, ldc = nb * outPlane
        for c in channels {
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let row = (c * kernelHeight + i) * kernelWidth + j
                    let xr = validRange(offset: j, size: width, outSize: outWidth)
                    for s in 0..<nb {
                        let src = (n0 + s) * inChannels * plane + c * plane
                        let dstBase = row * ldc + s * outPlane
                        for oy in 0..<outHeight {
                            let dst = cols + dstBase + oy * outWidth
                            let iy = oy * stride - padding + i
                            if iy < 0 || iy >= height {
                                dst.update(repeating: 0, count: outWidth)
                                continue
                            }
                            if xr.lowerBound > 0 { dst.update(repeating: 0, count: xr.lowerBound) }
                            let rowSrc = src + iy * width - padding + j
                            if stride == 1 {
                                (dst + xr.lowerBound).update(
                                    from: x.start + rowSrc + xr.lowerBound, count: xr.count)
                            } else {
                                for ox in xr { dst[ox] = x[rowSrc + ox * stride] }
                            }
                            if xr.upperBound < outWidth {
                                (dst + xr.upperBound).update(
                                    repeating: 0, count: outWidth - xr.upperBound)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Folds the rows of the given input channels back, adding into their planes of `dx`
    /// (each channel's plane is written by one thread only).
    @inlinable
    public func col2im<S: TensorElement>(
        _ cols: UnsafePointer<S>, n0: Int, nb: Int, channels: Range<Int>,
        into dx: UnsafeMutableBufferPointer<S>
    ) {
        let plane = height * width, ldc = nb * outPlane
        for c in channels {
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let row = (c * kernelHeight + i) * kernelWidth + j
                    let xr = validRange(offset: j, size: width, outSize: outWidth)
                    for s in 0..<nb {
                        let dst = (n0 + s) * inChannels * plane + c * plane
                        let srcBase = row * ldc + s * outPlane
                        for oy in 0..<outHeight {
                            let iy = oy * stride - padding + i
                            if iy < 0 || iy >= height { continue }
                            let src = cols + srcBase + oy * outWidth
                            let rowDst = dst + iy * width - padding + j
                            for ox in xr { dx[rowDst + ox * stride] += src[ox] }
                        }
                    }
                }
            }
        }
    }
}


/// Copies samples `[n0, n0 + nb)` of a `[N, rows, q]` buffer into a `[rows, nb·q]` matrix,
/// so a group of samples makes one product.
@inlinable
public func gatherSamples<S>(
    _ src: UnsafePointer<S>, n0: Int, nb: Int, rows: Int, q: Int, into dst: UnsafeMutablePointer<S>
) {
    for s in 0..<nb {
        for r in 0..<rows {
            (dst + r * nb * q + s * q).update(from: src + (n0 + s) * rows * q + r * q, count: q)
        }
    }
}

/// The inverse of `gatherSamples`: a `[rows, nb·q]` matrix back into samples of `[N, rows, q]`,
/// overwriting, or adding when `accumulate` is set.
@inlinable
public func scatterSamples<S: TensorElement>(
    _ src: UnsafePointer<S>, n0: Int, nb: Int, rows: Int, q: Int, into dst: UnsafeMutablePointer<S>,
    accumulate: Bool
) {
    for s in 0..<nb {
        for r in 0..<rows {
            let d = dst + (n0 + s) * rows * q + r * q, from = src + r * nb * q + s * q
            if accumulate {
                for t in 0..<q { d[t] += from[t] }
            } else {
                d.update(from: from, count: q)
            }
        }
    }
}

