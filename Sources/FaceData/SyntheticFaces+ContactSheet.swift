extension SyntheticFaces {
    /// The images of `set` tiled row by row, `columns` to a row, with a one-pixel dark grey
    /// gutter, as one interleaved RGB buffer (`height` rows of `width` × 3 bytes), ready to
    /// be written as a binary PPM or PNG for looking at.
    /// - Precondition: `columns ≥ 1`.
    public static func contactSheet(
        _ set: FaceSet, columns: Int
    ) -> (width: Int, height: Int, rgb: [UInt8]) {
        precondition(
            columns >= 1, "SyntheticFaces.contactSheet: columns \(columns) must be at least 1")
        let size = set.size, gutter = 1
        let rows = max((set.count + columns - 1) / columns, 1)
        let width = columns * (size + gutter) + gutter, height = rows * (size + gutter) + gutter
        var rgb = [UInt8](repeating: 40, count: width * height * 3)
        let plane = size * size
        rgb.withUnsafeMutableBufferPointer { out in
            set.pixels.withUnsafeBufferPointer { pixels in
                for i in 0..<set.count {
                    let left = gutter + (i % columns) * (size + gutter)
                    let top = gutter + (i / columns) * (size + gutter)
                    let image = i * 3 * plane
                    for y in 0..<size {
                        var o = ((top + y) * width + left) * 3
                        for x in 0..<size {
                            let p = image + y * size + x
                            out[o] = pixels[p]
                            out[o + 1] = pixels[p + plane]
                            out[o + 2] = pixels[p + 2 * plane]
                            o += 3
                        }
                    }
                }
            }
        }
        return (width, height, rgb)
    }
}
