extension FaceImage {
    /// The luma weights of ITU-R BT.601 (`Y = 0.299 R + 0.587 G + 0.114 B`), the weights of
    /// PIL's and torchvision's grayscale conversion.
    public static let lumaWeights = (red: 0.299, green: 0.587, blue: 0.114)

    /// The image in grayscale replicated to three channels: every channel of a pixel is
    /// its luma `Y = 0.299 R + 0.587 G + 0.114 B`, rounded (`byte`).
    public func grayscale() -> FaceImage {
        let n = side * side
        var out = [UInt8](repeating: 0, count: pixels.count)
        let (wr, wg, wb) = FaceImage.lumaWeights
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    let y = FaceImage.byte(
                        wr * Double(src[i]) + wg * Double(src[n + i]) + wb * Double(src[2 * n + i]))
                    dst[i] = y
                    dst[n + i] = y
                    dst[2 * n + i] = y
                }
            }
        }
        return FaceImage(side: side, pixels: out)
    }

    /// The image with its brightness, contrast and saturation scaled, in that order, as
    /// torchvision's `ColorJitter` adjusts them (one fixed order here), on values in byte
    /// units clamped to [0, 255] after each step and rounded once at the end:
    /// brightness `v·b`; contrast `m + c·(v − m)` with `m` the mean luma of the whole image;
    /// saturation `g + s·(v − g)` with `g` the pixel's luma. Factors of 1 change nothing.
    /// - Precondition: the factors are ≥ 0.
    public func colorJittered(
        brightness b: Double, contrast c: Double, saturation s: Double
    ) -> FaceImage {
        precondition(
            b >= 0 && c >= 0 && s >= 0,
            "FaceImage.colorJittered: factors \(b), \(c), \(s) must be ≥ 0")
        let n = side * side
        let (wr, wg, wb) = FaceImage.lumaWeights
        func clamp(_ v: Double) -> Double { min(max(v, 0), 255) }
        var v = pixels.map { clamp(Double($0) * b) }
        var meanLuma = 0.0
        for i in 0..<n { meanLuma += wr * v[i] + wg * v[n + i] + wb * v[2 * n + i] }
        meanLuma /= Double(n)
        for i in v.indices { v[i] = clamp(meanLuma + c * (v[i] - meanLuma)) }
        for i in 0..<n {
            let g = wr * v[i] + wg * v[n + i] + wb * v[2 * n + i]
            v[i] = clamp(g + s * (v[i] - g))
            v[n + i] = clamp(g + s * (v[n + i] - g))
            v[2 * n + i] = clamp(g + s * (v[2 * n + i] - g))
        }
        return FaceImage(side: side, pixels: v.map(FaceImage.byte))
    }
}
