import TensorCore

/// What a convolution's outputs go through per output channel before they are stored:
/// `t = y·scale[k] + shift[k]` (or `y + shift[k]` without a scale), then PReLU with one
/// shared slope, `t > 0 ? t : a·t`. The worker that computed a part of the output applies it
/// there, while that part is in cache.
///
/// A bias is a shift. An evaluation batch norm after the convolution folds in as
/// `scale = γ/σ` and `shift = (b − μ)·γ/σ + β` (the same affine map as the batch norm of
/// `y + b`, rounded differently); a PReLU after that as the slope. The weight itself is left
/// as it is, so its prepared (Winograd) form stays valid across calls.
public struct ConvolutionEpilogue<S: TensorElement>: Sendable {
    /// The multiplier per output channel, or nil for 1.
    public let scale: [S]?
    /// The shift per output channel, added after the scale, or nil for 0.
    public let shift: [S]?
    /// The shared PReLU slope applied last, or nil for no PReLU.
    public let slope: S?

    /// An epilogue of these parts.
    public init(scale: [S]? = nil, shift: [S]? = nil, slope: S? = nil) {
        self.scale = scale
        self.shift = shift
        self.slope = slope
    }

    /// A bias (or nothing): `y + b`.
    public static func bias(_ b: Tensor<S>?) -> ConvolutionEpilogue {
        ConvolutionEpilogue(shift: b?.scalars)
    }

    /// Whether the epilogue leaves the outputs as they are.
    public var isIdentity: Bool { scale == nil && shift == nil && slope == nil }

    /// This epilogue followed by an evaluation batch norm `norm`, when it is a bias or nothing
    /// (a scale or a PReLU already there would not fold into one affine map); else nil.
    public func followed(by norm: ChannelNormalization<S>) -> ConvolutionEpilogue? {
        guard scale == nil, slope == nil else { return nil }
        let gamma = norm.gamma.scalars, beta = norm.beta.scalars
        let channels = gamma.count
        guard norm.mean.count == channels, norm.invStd.count == channels, beta.count == channels,
            shift.map({ $0.count == channels }) ?? true
        else { return nil }
        var s = [S](repeating: 0, count: channels), h = [S](repeating: 0, count: channels)
        for k in 0..<channels {
            let b: S = shift?[k] ?? 0
            let centred: S = b - norm.mean[k]
            s[k] = norm.invStd[k] * gamma[k]
            h[k] = centred * s[k] + beta[k]
        }
        return ConvolutionEpilogue(scale: s, shift: h)
    }

    /// This epilogue followed by PReLU with the shared slope `a`, when it has none yet.
    public func followed(byPReLU a: S) -> ConvolutionEpilogue? {
        guard slope == nil else { return nil }
        return ConvolutionEpilogue(scale: scale, shift: shift, slope: a)
    }

    /// Applies the epilogue to `count` outputs of channel `k` at `row`.
    @inline(__always)
    func apply(_ row: UnsafeMutablePointer<S>, count: Int, channel k: Int) {
        if let scale {
            let s = scale[k], h = shift?[k] ?? 0
            if let a = slope {
                for t in 0..<count {
                    let v = row[t] * s + h
                    row[t] = v > 0 ? v : a * v
                }
            } else {
                for t in 0..<count { row[t] = row[t] * s + h }
            }
            return
        }
        if let shift {
            let b = shift[k]
            for t in 0..<count { row[t] += b }
        }
        if let a = slope {
            for t in 0..<count {
                let v = row[t]
                row[t] = v > 0 ? v : a * v
            }
        }
    }

    /// Applies the epilogue to `samples` consecutive samples of `[channels, plane]` at `out`.
    @inline(__always)
    func apply(
        to out: UnsafeMutablePointer<S>, channels: Int, plane: Int, samples: Int
    ) {
        for s in 0..<samples {
            for k in 0..<channels {
                apply(out + (s * channels + k) * plane, count: plane, channel: k)
            }
        }
    }

    /// `y` with the epilogue applied in a pass of its own (for the scalars that run the
    /// reference convolution).
    func applied(to y: Tensor<S>) -> Tensor<S> {
        guard !isIdentity, y.rank >= 2, y.count > 0 else { return y }
        var out = y
        let channels = y.shape[1], plane = y.count / (y.shape[0] * channels)
        out.withUnsafeMutableBufferPointer { p in
            apply(to: p.start, channels: channels, plane: plane, samples: y.shape[0])
        }
        return out
    }
}
