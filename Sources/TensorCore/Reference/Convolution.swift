import RealModule

/// The settings of a 2-D convolution besides its tensors.
public struct ConvolutionSettings: Sendable, Equatable {
    /// Step between windows.
    public var stride: Int
    /// Zeros added on every side.
    public var padding: Int

    /// Settings of a convolution.
    public init(stride: Int, padding: Int) {
        self.stride = stride
        self.padding = padding
    }
}

/// Which gradients of a convolution a backward pass asks for.
public struct ConvolutionGradients: OptionSet, Sendable {
    /// The raw bits.
    public let rawValue: Int
    /// A set from its bits.
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// The input's gradient.
    public static let input = ConvolutionGradients(rawValue: 1)
    /// The weight's gradient.
    public static let weight = ConvolutionGradients(rawValue: 2)
    /// The bias's gradient.
    public static let bias = ConvolutionGradients(rawValue: 4)
}

extension Conv2dGeometry {
    /// Checks a convolution's operands and returns its geometry.
    public static func checked<S>(
        _ x: Tensor<S>, weight: Tensor<S>, bias: Tensor<S>?, _ c: ConvolutionSettings
    ) -> Conv2dGeometry {
        requireShapes { () throws(ShapeError) -> Conv2dGeometry in
            let g = try Conv2dGeometry(
                input: x.shape, weight: weight.shape, stride: c.stride, padding: c.padding)
            if let b = bias, b.shape != [g.outChannels] {
                throw ShapeError(
                    "conv2d",
                    "bias \(describe(b.shape)) does not match \(g.outChannels) output channels")
            }
            return g
        }
    }
}

extension Conv2dGeometry {
    /// Checks a convolution backward's operands, the upstream against the output shape.
    public static func checked<S>(
        _ x: Tensor<S>, weight: Tensor<S>, upstream dy: Tensor<S>, _ c: ConvolutionSettings
    ) -> Conv2dGeometry {
        let g = checked(x, weight: weight, bias: nil, c)
        requireShapes { () throws(ShapeError) in
            guard dy.shape == g.outputShape else {
                throw ShapeError(
                    "conv2d_backward",
                    "upstream \(describe(dy.shape)) does not match output " +
                    "\(describe(g.outputShape))"
                )
            }
        }
        return g
    }
}

extension Tensor {
    /// The reference convolution: each sample unfolded (`im2col`) and multiplied by the
    /// weight matrix `[Cout, C·kh·kw]` in one product, then the bias added.
    static func conv2dReference(
        _ x: Tensor, weight: Tensor, bias: Tensor?, _ c: ConvolutionSettings
    ) -> Tensor {
        let g = Conv2dGeometry.checked(x, weight: weight, bias: bias, c)
        let k = g.patchSize, q = g.outPlane, co = g.outChannels
        var cols = [Scalar](repeating: 0, count: k * q)
        return Tensor(shape: g.outputShape) { out in
            guard out.count > 0 else { return }
            x.storage.withUnsafeBufferPointer { px in
                weight.storage.withUnsafeBufferPointer { pw in
                    cols.withUnsafeMutableBufferPointer { pc in
                        for n in 0..<g.batch {
                            g.im2col(px, n0: n, nb: 1, channels: 0..<g.inChannels, into: pc.start)
                            Scalar.gemm(
                                transA: false, transB: false, m: co, n: q, k: k, alpha: 1,
                                a: pw.start, lda: k, b: pc.start, ldb: q,
                                beta: 0, c: out.start + n * co * q, ldc: q)
                        }
                    }
                }
            }
            if let bias {
                for n in 0..<g.batch {
                    for o in 0..<co {
                        for t in 0..<q { out[(n * co + o) * q + t] += bias.storage[o] }
                    }
                }
            }
        }
    }

    /// The reference gradients of a convolution for upstream `dy[N, Cout, Ho, Wo]`, per
    /// sample: `dW += dyₙ · colsₙᵀ`, `dxₙ = col2im(Wᵀ · dyₙ)`, `db = Σ dy`. Each is returned
    /// only when asked for.
    static func conv2dBackwardReference(
        _ x: Tensor, weight: Tensor, upstream dy: Tensor, _ c: ConvolutionSettings,
        _ needs: ConvolutionGradients
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let g = Conv2dGeometry.checked(x, weight: weight, upstream: dy, c)
        let k = g.patchSize, q = g.outPlane, co = g.outChannels
        var dx = [Scalar](repeating: 0, count: needs.contains(.input) ? x.count : 0)
        var dw = [Scalar](repeating: 0, count: needs.contains(.weight) ? weight.count : 0)
        var cols = [Scalar](repeating: 0, count: k * q)
        if x.count > 0 && dy.count > 0 && (needs.contains(.input) || needs.contains(.weight)) {
            x.storage.withUnsafeBufferPointer { px in
                weight.storage.withUnsafeBufferPointer { pw in
                    dy.storage.withUnsafeBufferPointer { pdy in
                        cols.withUnsafeMutableBufferPointer { pc in
                            for n in 0..<g.batch {
                                let dyn = pdy.start + n * co * q
                                if needs.contains(.weight) {
                                    g.im2col(
                                        px, n0: n, nb: 1, channels: 0..<g.inChannels, into: pc.start
                                    )
                                    dw.withUnsafeMutableBufferPointer { pdw in
                                        Scalar.gemm(
                                            transA: false, transB: true, m: co, n: k, k: q,
                                            alpha: 1,
                                            a: dyn, lda: q, b: pc.start, ldb: q,
                                            beta: 1, c: pdw.start, ldc: k)
                                    }
                                }
                                if needs.contains(.input) {
                                    Scalar.gemm(
                                        transA: true, transB: false, m: k, n: q, k: co, alpha: 1,
                                        a: pw.start, lda: k, b: dyn, ldb: q,
                                        beta: 0, c: pc.start, ldc: q)
                                    dx.withUnsafeMutableBufferPointer { pdx in
                                        g.col2im(
                                            UnsafePointer(pc.start), n0: n, nb: 1,
                                            channels: 0..<g.inChannels, into: pdx)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var db: Tensor? = nil
        if needs.contains(.bias) {
            var sums = [Scalar](repeating: 0, count: co)
            for n in 0..<g.batch {
                for o in 0..<co {
                    for t in 0..<q { sums[o] += dy.storage[(n * co + o) * q + t] }
                }
            }
            db = Tensor(shape: [co], scalars: sums)
        }
        return (
            needs.contains(.input) ? Tensor(shape: x.shape, scalars: dx) : nil,
            needs.contains(.weight) ? Tensor(shape: weight.shape, scalars: dw) : nil,
            db
        )
    }
}
