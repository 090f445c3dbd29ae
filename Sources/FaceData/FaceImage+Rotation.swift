import Foundation

extension FaceImage {
    /// The image rotated counter-clockwise (as seen) by `degrees` about its centre
    /// `((side − 1)/2, (side − 1)/2)`, keeping its size; bilinear interpolation, with 0
    /// (black) for source points outside the image (torchvision's `rotate` with fill 0).
    ///
    /// Output pixel (row `y`, column `x`), with `dx = x − c`, `dy = y − c`, samples the source
    /// at column `c + cos θ·dx − sin θ·dy` and row `c + sin θ·dx + cos θ·dy`. Source
    /// coordinates within 1e-9 of an integer are taken as that integer, so a multiple of 90°
    /// moves pixels exactly.
    public func rotated(degrees: Double) -> FaceImage {
        if degrees == 0 { return self }
        let theta = degrees * Double.pi / 180
        let (cosT, sinT) = (cos(theta), sin(theta))
        let c = Double(side - 1) / 2
        func snapped(_ v: Double) -> Double { abs(v - v.rounded()) < 1e-9 ? v.rounded() : v }
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<side {
                    for x in 0..<side {
                        let dx = Double(x) - c, dy = Double(y) - c
                        let sx = snapped(c + cosT * dx - sinT * dy),
                            sy = snapped(c + sinT * dx + cosT * dy)
                        let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                        let wx = sx - Double(x0), wy = sy - Double(y0)
                        guard x0 >= -1, y0 >= -1, x0 < side, y0 < side else { continue }
                        for ch in 0..<3 {
                            let plane = ch * side * side
                            func at(_ r: Int, _ q: Int) -> Double {
                                r >= 0 && r < side && q >= 0 && q < side
                                    ? Double(src[plane + r * side + q]) : 0
                            }
                            let top = at(y0, x0) * (1 - wx) + at(y0, x0 + 1) * wx
                            let bottom = at(y0 + 1, x0) * (1 - wx) + at(y0 + 1, x0 + 1) * wx
                            dst[plane + y * side + x] = FaceImage.byte(top * (1 - wy) + bottom * wy)
                        }
                    }
                }
            }
        }
        return FaceImage(side: side, pixels: out)
    }
}
