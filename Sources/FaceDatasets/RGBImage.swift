/// A decoded image: 8-bit RGB, interleaved, rows top to bottom.
public struct RGBImage: Sendable, Equatable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// `height × width × 3` bytes: the red, green and blue of each pixel in turn.
    public var pixels: [UInt8]

    /// An image from its interleaved RGB bytes.
    /// - Precondition: `pixels.count == width × height × 3`, both sides positive.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(
            width > 0 && height > 0, "RGBImage: sides must be positive, got \(width)×\(height)")
        precondition(
            pixels.count == width * height * 3,
            "RGBImage: \(pixels.count) bytes for \(width)×\(height)×3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image whose pixels are given by `colour(x, y)`.
    public init(width: Int, height: Int, colour: (Int, Int) -> (UInt8, UInt8, UInt8)) {
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        bytes.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                for x in 0..<width {
                    let (r, g, b) = colour(x, y)
                    let i = 3 * (y * width + x)
                    out[i] = r
                    out[i + 1] = g
                    out[i + 2] = b
                }
            }
        }
        self.init(width: width, height: height, pixels: bytes)
    }

    /// An RGB image from grey bytes (`width × height`), each copied to the three channels.
    public init(width: Int, height: Int, grey: [UInt8]) {
        precondition(
            grey.count == width * height,
            "RGBImage: \(grey.count) grey bytes for \(width)×\(height)")
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        bytes.withUnsafeMutableBufferPointer { out in
            grey.withUnsafeBufferPointer { g in
                for i in 0..<g.count {
                    out[3 * i] = g[i]
                    out[3 * i + 1] = g[i]
                    out[3 * i + 2] = g[i]
                }
            }
        }
        self.init(width: width, height: height, pixels: bytes)
    }

    /// The grey level of each pixel (ITU-R BT.601 luma, rounded), `width × height` bytes.
    public var grey: [UInt8] {
        var out = [UInt8](repeating: 0, count: width * height)
        out.withUnsafeMutableBufferPointer { g in
            pixels.withUnsafeBufferPointer { p in
                for i in 0..<g.count {
                    let luma =
                        299 * Int(p[3 * i]) + 587 * Int(p[3 * i + 1]) + 114 * Int(p[3 * i + 2])
                    g[i] = UInt8((luma + 500) / 1000)
                }
            }
        }
        return out
    }

    /// The image reduced `factor` times in each direction by averaging `factor × factor`
    /// blocks (the last partial row and column of blocks average what they have). Used
    /// before bilinear sampling when shrinking a lot, so that no source pixel is skipped.
    /// - Precondition: `factor ≥ 1`.
    public func shrunk(by factor: Int) -> RGBImage {
        precondition(factor >= 1, "RGBImage.shrunk: factor \(factor) < 1")
        if factor == 1 { return self }
        let w = (width + factor - 1) / factor, h = (height + factor - 1) / factor
        var sums = [Int](repeating: 0, count: w * h * 3)
        pixels.withUnsafeBufferPointer { p in
            sums.withUnsafeMutableBufferPointer { s in
                for y in 0..<height {
                    var i = 3 * y * width, o = 3 * (y / factor) * w
                    for bx in 0..<w {
                        var r = 0, g = 0, b = 0
                        for _ in (bx * factor)..<min((bx + 1) * factor, width) {
                            r += Int(p[i])
                            g += Int(p[i + 1])
                            b += Int(p[i + 2])
                            i += 3
                        }
                        s[o] += r
                        s[o + 1] += g
                        s[o + 2] += b
                        o += 3
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: w * h * 3)
        out.withUnsafeMutableBufferPointer { q in
            sums.withUnsafeBufferPointer { s in
                for by in 0..<h {
                    let rows = min((by + 1) * factor, height) - by * factor
                    for bx in 0..<w {
                        let n = rows * (min((bx + 1) * factor, width) - bx * factor),
                            o = 3 * (by * w + bx)
                        for k in 0..<3 { q[o + k] = UInt8((s[o + k] + n / 2) / n) }
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
