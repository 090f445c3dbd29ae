extension FaceImage {
    /// The image resized to `newSide`×`newSide` by bilinear interpolation with pixel
    /// centres at half-integers (PyTorch's `align_corners=False`): output pixel `x` samples
    /// the source at `(x + 0.5)·side/newSide − 0.5`, clamped to `[0, side − 1]`, so the
    /// border pixels repeat. Each channel separately; results rounded (`byte`).
    /// - Precondition: `newSide > 0`.
    public func resized(to newSide: Int) -> FaceImage {
        precondition(newSide > 0, "FaceImage.resized: side \(newSide) must be positive")
        if newSide == side { return self }
        let scale = Double(side) / Double(newSide)
        // The two source indices and the weight of the second, per output coordinate
        // (the same for rows and columns of a square image).
        let taps: [(Int, Int, Double)] = (0..<newSide).map { o in
            let s = min(max((Double(o) + 0.5) * scale - 0.5, 0), Double(side - 1))
            let i0 = Int(s)
            return (i0, min(i0 + 1, side - 1), s - Double(i0))
        }
        var out = [UInt8](repeating: 0, count: 3 * newSide * newSide)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<3 {
                    let plane = c * side * side, outPlane = c * newSide * newSide
                    for y in 0..<newSide {
                        let (y0, y1, wy) = taps[y]
                        for x in 0..<newSide {
                            let (x0, x1, wx) = taps[x]
                            let top =
                                Double(src[plane + y0 * side + x0]) * (1 - wx) + Double(
                                    src[plane + y0 * side + x1]) * wx
                            let bottom =
                                Double(src[plane + y1 * side + x0]) * (1 - wx) + Double(
                                    src[plane + y1 * side + x1]) * wx
                            dst[outPlane + y * newSide + x] = FaceImage.byte(
                                top * (1 - wy) + bottom * wy)
                        }
                    }
                }
            }
        }
        return FaceImage(side: newSide, pixels: out)
    }
}
