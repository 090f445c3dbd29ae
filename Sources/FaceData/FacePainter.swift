import Foundation
import FastKernels
import TensorCore

/// Paints one `FaceScene` pixel by pixel: soft shapes evaluated at each pixel centre, a
/// Lambertian light on an ellipsoidal head, a lit backdrop, then noise and quantisation.
///
/// Coordinates: the image spans −0.5…0.5 on both axes; head units are image units over
/// `scene.unit`, centred on the head, after the roll. Yaw is modelled as a rotation of the
/// head about its vertical axis: a point at face angle φ on a row of half-width w appears
/// at `w·sin(φ + yaw)`, so the inner features slide towards the turn and the far half of
/// the face is foreshortened while the silhouette stays put.
struct FacePainter {
    let scene: FaceScene
    let t: SubjectTraits
    let e: ExpressionShape
    let size: Int
    let invSize: Float
    /// One pixel in head units.
    let pixel: Float
    let cosRoll: Float, sinRoll: Float
    let sinYaw: Float
    /// Sideways shifts (head units) that come with the yaw: the head, the back hair, the
    /// nose tip and the mouth (both stand out of the face); where the ears are.
    let headShift: Float, hairShift: Float, noseShift: Float, mouthShift: Float
    let ears: (EarPlacement, EarPlacement)
    /// Height of the ears' centre.
    let earY: Float

    init(scene: FaceScene, size: Int) {
        self.scene = scene
        t = scene.traits
        e = scene.shape
        self.size = size
        invSize = 1 / Float(size)
        pixel = 1 / (Float(size) * scene.unit)
        cosRoll = cos(scene.roll)
        sinRoll = sin(scene.roll)
        sinYaw = sin(scene.yaw)
        headShift = 0.12 * sinYaw
        hairShift = -0.15 * sinYaw
        noseShift = 0.17 * sinYaw
        mouthShift = 0.07 * sinYaw
        let earY = 0.5 * (scene.traits.eyeY + scene.traits.noseTip) - 0.02
        let earRow = Self.rowHalfWidth(scene.traits, earY)
        ears = (
            EarPlacement(side: -1, yaw: scene.yaw, rowWidth: earRow),
            EarPlacement(side: 1, yaw: scene.yaw, rowWidth: earRow)
        )
        self.earY = earY
    }

    /// Paints the scene into `out` (3 × size × size bytes, channel-major), drawing the
    /// pixel noise from `generator`: one draw per pixel.
    func paint(into out: UnsafeMutableBufferPointer<UInt8>, generator: inout RandomGenerator) {
        let plane = size * size
        precondition(
            out.count == 3 * plane,
            "FacePainter: buffer of \(out.count) bytes for \(size)×\(size) RGB")
        let sigma = scene.noise * 2.449_49  // triangular noise of unit variance is (u1 + u2 − 1)·√6
        for py in 0..<size {
            for px in 0..<size {
                let c = colour(px: px, py: py)
                let bits = generator.next()
                let n0 = Float((bits & 0x3FF) + ((bits >> 10) & 0x3FF)) * (1.0 / 1023) - 1
                let n1 = Float(((bits >> 20) & 0x3FF) + ((bits >> 30) & 0x3FF)) * (1.0 / 1023) - 1
                let n2 = Float(((bits >> 40) & 0x3FF) + ((bits >> 50) & 0x3FF)) * (1.0 / 1023) - 1
                let i = py * size + px
                out[i] = quantise(c.r + sigma * n0)
                out[plane + i] = quantise(c.g + sigma * n1)
                out[2 * plane + i] = quantise(c.b + sigma * n2)
            }
        }
    }

    @inline(__always) func quantise(_ x: Float) -> UInt8 {
        UInt8(min(max(x * 255 + 0.5, 0), 255))
    }

    /// The lit colour of pixel (`px`, `py`) before noise.
    func colour(px: Int, py: Int) -> RGB {
        let u = (Float(px) + 0.5) * invSize - 0.5
        let v = (Float(py) + 0.5) * invSize - 0.5
        let x0 = (u - scene.centreX) / scene.unit, y0 = (v - scene.centreY) / scene.unit
        let x = cosRoll * x0 + sinRoll * y0
        let y = -sinRoll * x0 + cosRoll * y0

        // The subject, composited front-over-back into a premultiplied colour and alpha.
        var acc = RGB(0, 0, 0)
        var alpha: Float = 0
        @inline(__always) func over(_ c: RGB, _ a: Float) {
            acc = acc * (1 - a) + c * a
            alpha = alpha * (1 - a) + a
        }
        over(
            scene.clothes, coverage(ellipseDistance(x, y - (t.faceHeight + 1.0), 1.5, 0.62), pixel))
        let neck = max(abs(x) - 0.27 * t.faceWidth / 0.74, max(0.25 - y, y - (t.faceHeight + 0.55)))
        over(
            t.skin * (0.72 + 0.12 * smoothstep(t.faceHeight, t.faceHeight + 0.4, y)),
            coverage(neck, pixel))
        over(t.hair, backHair(x: x + hairShift, y: y) * t.hairDensity)
        let head = headColour(x: x - headShift, y: y)
        over(head.colour, head.alpha)
        let ear = earColour(x: x - headShift, y: y, faceAngle: head.faceAngle, inHead: head.alpha)
        over(ear.colour, ear.alpha)

        // Light: the head's ellipsoid normal on the head, a gentler one around it.
        let hx = (x - headShift) / (t.faceWidth * 1.1), hy = (y + 0.15) / (t.faceHeight * 1.35)
        let bx = x / 2.2, by = (y - 0.3) / 3
        let a = head.alpha
        let nx = bx + (hx - bx) * a, ny = by + (hy - by) * a
        let nz = max(1 - nx * nx - ny * ny, 0.02).squareRoot()
        // Half-wrapped Lambert: 1 facing the light, 1 − diffuse facing away.
        let facing = nx * scene.lightX + ny * scene.lightY + nz * scene.lightZ
        let wrapped = max(facing + 0.5, 0) * (1 / 1.5)
        let lit = scene.brightness * ((1 - scene.diffuse) + scene.diffuse * wrapped)

        // The backdrop: a colour field, a gradient along the light, the head's shadow.
        let s = scene.strength
        let shadow = coverage(
            ellipseDistance(
                x + 0.45 * scene.lightX, y - 0.15 - 0.3 * scene.lightY, t.faceWidth * 1.25,
                t.faceHeight * 1.3), 0.45)
        let backLit =
            scene.brightness * (1 + 0.3 * s * scene.lightX * 2 * u) * (1 - 0.3 * s * shadow)
        let back = backdrop(u: u, v: v) * backLit
        return (back * (1 - alpha) + acc * lit) * scene.cast
    }

    /// The backdrop colour at image point (`u`, `v`), bilinear in the scene's grid.
    @inline(__always) func backdrop(u: Float, v: Float) -> RGB {
        let n = FaceScene.backdropGrid
        let gx = (u + 0.5) * Float(n - 1), gy = (v + 0.5) * Float(n - 1)
        let ix = min(max(Int(gx), 0), n - 2), iy = min(max(Int(gy), 0), n - 2)
        let fx = saturate(gx - Float(ix)), fy = saturate(gy - Float(iy))
        let b = scene.backdrop
        let top = b[iy * n + ix].mixed(with: b[iy * n + ix + 1], fx)
        let bottom = b[(iy + 1) * n + ix].mixed(with: b[(iy + 1) * n + ix + 1], fx)
        return top.mixed(with: bottom, fy)
    }

    /// Coverage of the hair behind the head: a cap a little larger than the skull and,
    /// for long hair, a curtain down to `hairLength`.
    @inline(__always) func backHair(x: Float, y: Float) -> Float {
        let w = t.faceWidth + t.hairVolume, h = t.faceHeight * 0.98 + t.hairVolume
        let cap = ellipseDistance(x, y + 0.06, w, h)
        let curtain = max(abs(x) - w * (1 - 0.08 * y), -0.1 - y)
        return coverage(max(min(cap, curtain), y - t.hairLength), pixel)
    }
}
