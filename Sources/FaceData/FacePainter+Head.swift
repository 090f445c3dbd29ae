import Foundation

extension FacePainter {
    /// The head outline's half-width scale and exponent on row `y`: an ellipse above the
    /// eyes' level, a superellipse jaw (with jowls for the old) below.
    @inline(__always) static func outline(
        _ t: SubjectTraits, _ y: Float
    ) -> (scale: Float, power: Float) {
        if y <= 0 { return (t.faceWidth, 2) }
        let q = min(y / t.faceHeight, 1)
        let jowl = max(0, 1 - ((y - 0.55) / 0.3) * ((y - 0.55) / 0.3))
        return (t.faceWidth * (1 - (1 - t.jawWidth) * q) + 0.07 * t.sag * jowl, t.jawPower)
    }

    /// Half-width of the head on row `y`.
    @inline(__always) static func rowHalfWidth(_ t: SubjectTraits, _ y: Float) -> Float {
        let (w, p) = outline(t, y)
        let ay = min(abs(y) / t.faceHeight, 1)
        let inside = p == 2 ? (1 - ay * ay).squareRoot() : pow(1 - pow(ay, p), 1 / p)
        return max(w * inside, 1e-3)
    }

    /// The head at head point (`x`, `y`): its colour, coverage, and the face angle φ of the
    /// point (0 at the face's midline, ±π/2 at its sides, beyond that the back of the head).
    func headColour(x: Float, y: Float) -> (colour: RGB, alpha: Float, faceAngle: Float) {
        let (w0, p) = Self.outline(t, y)
        let ax = abs(x) / w0, ay = abs(y) / t.faceHeight
        let r = p == 2 ? (ax * ax + ay * ay).squareRoot() : pow(pow(ax, p) + pow(ay, p), 1 / p)
        let alpha = coverage((r - 1) * min(w0, t.faceHeight), pixel)
        if alpha <= 0 { return (RGB(0, 0, 0), 0, 0) }

        let w = Self.rowHalfWidth(t, y)
        let sx = min(max(x / w, -1), 1)
        let phi = asin(sx) - scene.yaw
        let halfPi = Float.pi / 2
        let front = coverage((abs(phi) - halfPi) * w, 2 * pixel)
        let phiFront = min(max(phi, -halfPi), halfPi)
        let xf = w * sin(phiFront)
        // A pixel's footprint in face units grows where the face is foreshortened.
        let stretch = cos(phiFront) / max((1 - sx * sx).squareRoot(), 0.25)
        let aa = pixel * min(max(stretch, 1), 3)

        var colour = RGB(0, 0, 0)
        if front > 0 {
            colour = faceColour(x: xf, y: y, aa: aa)
            colour = colour.mixed(with: t.hair, scalpHair(x: xf, y: y, phi: phiFront, aa: aa))
        }
        if front < 1 {
            // The back of the head: hair from the sideburns' level down to the nape (or
            // the hair's length), skin below.
            let behind = smoothstep(halfPi, halfPi + 0.6, abs(phi))
            let hair =
                coverage(y - 0.02 - (max(t.hairLength, 0.45) - 0.02) * behind, pixel)
                * t.hairDensity
            let back = (t.skin * 0.85).mixed(with: t.hair, hair)
            colour = back.mixed(with: colour, front)
        }
        return (colour, alpha, phi)
    }

    /// Coverage of the hair growing over the front of the head: above a hairline that is
    /// flat across the forehead (lowered by a wavy fringe) and drops at the temples; long
    /// hair also frames the face down to its length.
    @inline(__always) func scalpHair(x: Float, y: Float, phi: Float, aa: Float) -> Float {
        let q = min(abs(phi) / (Float.pi / 2), 1)
        let fringe = t.fringe * (0.3 + 0.025 * sin(x * 28)) * (1 - q * q)
        let top = t.hairline + fringe
        var line = top + (0.02 - top) * q * q * q
        if t.hairLength > line {
            line += (min(t.hairLength, t.faceHeight + 0.3) - line) * smoothstep(0.74, 0.88, q)
        }
        return coverage(y - line, aa) * t.hairDensity
    }

    /// The ear nearer the viewer(s): skin-coloured ellipses at face angle ±1.48 rad, shown
    /// outside the face's front and hidden by long hair.
    func earColour(
        x: Float, y: Float, faceAngle: Float, inHead: Float
    ) -> (colour: RGB, alpha: Float) {
        let hidden = smoothstep(0.05, 0.35, t.hairLength)
        if hidden >= 1 { return (RGB(0, 0, 0), 0) }
        let left = ear(ears.0, x: x, y: y)
        let right = ear(ears.1, x: x, y: y)
        let (best, shade) = left.alpha >= right.alpha ? left : right
        // Inside the head only the side band (beyond ~±1.35 rad of face angle) shows an ear.
        let side = smoothstep(1.28, 1.4, abs(faceAngle))
        let mask = 1 - inHead * (1 - side)
        return (t.skin * (0.92 * shade), best * mask * (1 - hidden))
    }

    /// Coverage and shading of one ear.
    @inline(__always) func ear(
        _ ear: EarPlacement, x: Float, y: Float
    ) -> (alpha: Float, shade: Float) {
        if !ear.visible { return (0, 1) }
        let a = coverage(ellipseDistance(x - ear.centreX, y - earY, ear.halfWidth, 0.14), pixel)
        if a <= 0 { return (0, 1) }
        let inner = coverage(
            ellipseDistance(x - ear.centreX, y - earY, 0.5 * ear.halfWidth, 0.08), pixel)
        return (a, 1 - 0.25 * inner * ear.open)
    }
}

/// Where one ear appears: at face angle ±1.48 rad turned by the yaw, seen edge-on from the
/// front and open from the side, drawn only on the visible half of the head.
struct EarPlacement: Sendable {
    var visible: Bool
    var centreX: Float
    var halfWidth: Float
    var open: Float

    init(side: Float, yaw: Float, rowWidth: Float) {
        let angle = side * 1.48 + yaw
        visible = abs(angle) < Float.pi / 2 + 0.05
        centreX = rowWidth * sin(angle) * 1.04
        open = abs(sin(angle - side * Float.pi / 2))
        halfWidth = 0.05 + 0.06 * open
    }
}
