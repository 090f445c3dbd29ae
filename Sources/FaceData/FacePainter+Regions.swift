import Foundation

extension FacePainter {
    /// The pixel box covering the frontal face region `xs` × `ys` (head units) as this
    /// scene draws it, widened by the nose's yaw shift and a 1.5-pixel margin for soft
    /// edges, clamped to the image.
    func imageBox(xs: ClosedRange<Float>, ys: ClosedRange<Float>) -> PixelBox {
        let widen = abs(noseShift)
        let x0 = xs.lowerBound - widen, x1 = xs.upperBound + widen
        var minU = Float.infinity, maxU = -Float.infinity, minV = Float.infinity,
            maxV = -Float.infinity
        let steps = 12
        for i in 0...steps {
            for j in 0...steps {
                let xf = x0 + (x1 - x0) * Float(i) / Float(steps)
                let y = ys.lowerBound + (ys.upperBound - ys.lowerBound) * Float(j) / Float(steps)
                let (u, v) = imagePoint(faceX: xf, y: y)
                minU = min(minU, u); maxU = max(maxU, u)
                minV = min(minV, v); maxV = max(maxV, v)
            }
        }
        let n = Float(size), margin: Float = 1.5
        func column(_ u: Float) -> Int { Int(((u + 0.5) * n - 0.5).rounded()) }
        return PixelBox(
            minX: max(column(minU - margin / n), 0), maxX: min(column(maxU + margin / n), size - 1),
            minY: max(column(minV - margin / n), 0), maxY: min(column(maxV + margin / n), size - 1))
    }

    /// Where frontal face point (`faceX`, `y`) lands in the image (−0.5…0.5 units): turned
    /// by the yaw, shifted with the head, rolled, scaled and placed.
    func imagePoint(faceX: Float, y: Float) -> (u: Float, v: Float) {
        let w = Self.rowHalfWidth(t, y)
        let phi = asin(min(max(faceX / w, -1), 1))
        let turned = min(max(phi + scene.yaw, -Float.pi / 2), Float.pi / 2)
        let x = w * sin(turned) + headShift
        let x0 = cosRoll * x - sinRoll * y, y0 = sinRoll * x + cosRoll * y
        return (scene.centreX + scene.unit * x0, scene.centreY + scene.unit * y0)
    }
}
