import Foundation

extension FacePainter {
    /// The face's own colour at frontal face point (`x`, `y`) (head units, before hair and
    /// light): skin, blush, stubble, age lines, then nose, eyes, brows and mouth. `aa` is a
    /// pixel's footprint there.
    func faceColour(x: Float, y: Float, aa: Float) -> RGB {
        var c = t.skin
        let ax = abs(x)
        if t.blush > 0 {
            let d = ellipseDistance(ax - t.eyeSpacing - 0.04, y - t.noseTip + 0.02, 0.13, 0.08)
            c = c.mixed(with: RGB(0.86, 0.42, 0.42), 0.22 * t.blush * saturate(-d / 0.08))
        }
        if t.beard > 0 {
            let below =
                smoothstep(t.noseTip + 0.02, t.noseTip + 0.1, y)
                * (1 - smoothstep(0.55, 0.72, ax / t.faceWidth))
            c = c.mixed(with: t.hair * 0.8, 0.6 * t.beard * below)
        }
        if t.wrinkles > 0 { c = ageLines(c, ax: ax, y: y, aa: aa) }
        c = folds(c, ax: ax, y: y, aa: aa)
        c = nose(c, x: x, y: y, aa: aa)
        c = eye(c, x: x, y: y, aa: aa)
        c = brow(c, ax: ax, y: y, aa: aa)
        c = mouth(c, x: x, y: y, aa: aa)
        return c
    }

    /// Forehead lines and under-eye bags that come with age.
    @inline(__always) func ageLines(_ c: RGB, ax: Float, y: Float, aa: Float) -> RGB {
        var c = c
        let line = t.skin * 0.62
        let browTop = t.eyeY - t.browGap - 0.1
        for k in 0..<2 {
            let yk = browTop - 0.08 * Float(k) + 0.015 * (ax / 0.3) * (ax / 0.3)
            let d = max(abs(y - yk) - 0.006, ax - 0.3)
            c = c.mixed(with: line, 0.45 * t.wrinkles * coverage(d, aa))
        }
        let bag =
            t.eyeY + t.eyeHeight * 0.9 + 0.04 - 0.03
            * (1 - ((ax - t.eyeSpacing) / t.eyeWidth) * ((ax - t.eyeSpacing) / t.eyeWidth))
        let d = max(abs(y - bag) - 0.005, abs(ax - t.eyeSpacing) - t.eyeWidth * 0.8)
        return c.mixed(with: line, 0.35 * t.wrinkles * coverage(d, aa))
    }

    /// The folds from the nose wings towards the mouth corners (smiles and age deepen them).
    @inline(__always) func folds(_ c: RGB, ax: Float, y: Float, aa: Float) -> RGB {
        let depth = 0.4 * e.smileFold + 0.35 * t.wrinkles
        if depth <= 0.01 { return c }
        let y0 = t.noseTip - 0.03, y1 = t.mouthY + 0.05
        let x0 = t.noseWidth + 0.05, x1 = t.mouthWidth * e.mouthWidth + 0.045
        let tau = (y - y0) / (y1 - y0)
        if tau < -0.2 || tau > 1.2 { return c }
        let xl = x0 + (x1 - x0) * tau + 0.025 * sin(Float.pi * saturate(tau))
        let slope = (x1 - x0) / (y1 - y0)
        let d = max(
            abs(ax - xl) / (1 + slope * slope).squareRoot() - 0.007,
            abs(tau - 0.5) * (y1 - y0) - 0.5 * (y1 - y0))
        return c.mixed(with: t.skin * 0.6, depth * coverage(d, aa))
    }

    /// The nose: shading along the bridge away from the light, the profile edge a turned
    /// head shows, the shadow under the tip, nostrils and (disgust) wrinkles.
    @inline(__always) func nose(_ c: RGB, x: Float, y: Float, aa: Float) -> RGB {
        if y < t.eyeY - 0.02 || y > t.noseTip + 0.06 || abs(x) > 0.3 { return c }
        var c = c
        let along = saturate((y - t.eyeY) / (t.noseTip - t.eyeY))
        let xn = x - noseShift * along
        let dark = t.skin * 0.55
        let mid = 0.5 * (t.eyeY + 0.06 + t.noseTip - 0.02), half = 0.5 * (t.noseTip - 0.08 - t.eyeY)
        // Shading on the side away from the light, stronger the more sideways the light.
        let away: Float = scene.lightX > 0 ? -1 : 1
        let side = max(abs(xn - away * 0.05) - 0.022, abs(y - mid) - half)
        c = c.mixed(with: dark, (0.1 + 0.45 * abs(scene.lightX)) * coverage(side, aa * 2))
        // The far edge of the bridge outlines the nose against the cheek when turned.
        let towards: Float = sinYaw > 0 ? 1 : -1
        let profile = max(abs(xn - towards * 0.045) - 0.01, abs(y - mid) - half)
        c = c.mixed(with: dark, 0.7 * abs(sinYaw) * coverage(profile, aa))
        let base = ellipseDistance(xn, y - t.noseTip - 0.012, t.noseWidth, 0.028)
        c = c.mixed(with: dark, 0.25 * coverage(base, aa))
        let nostril = ellipseDistance(
            abs(xn) - t.noseWidth * 0.55, y - t.noseTip - 0.006, 0.03, 0.017)
        c = c.mixed(with: t.skin * 0.3, 0.75 * coverage(nostril, aa))
        if e.noseWrinkle > 0.02 {
            for k in 0..<2 {
                let yk = t.eyeY + 0.07 + 0.045 * Float(k) + 0.012 * (xn / 0.06) * (xn / 0.06)
                let d = max(abs(y - yk) - 0.006, abs(xn) - 0.065)
                c = c.mixed(with: dark, 0.6 * e.noseWrinkle * coverage(d, aa))
            }
        }
        return c
    }

    /// The eye on `x`'s side: socket shadow, the almond opening between the lids (white,
    /// iris, pupil), the lash line along the upper lid.
    @inline(__always) func eye(_ c: RGB, x: Float, y: Float, aa: Float) -> RGB {
        let centre: Float = x < 0 ? -t.eyeSpacing : t.eyeSpacing
        let dx = x - centre, dy = y - t.eyeY
        if abs(dx) > t.eyeWidth * 1.6 || abs(dy) > 0.2 { return c }
        var c = c
        let socket = ellipseDistance(dx, dy + 0.01, t.eyeWidth * 1.45, t.eyeHeight * 2.6)
        c = c.mixed(with: t.skin * 0.78, 0.22 * saturate(-socket / 0.05))
        let u = dx / t.eyeWidth
        let f = max(1 - u * u, 0)
        let upper = t.eyeY - t.eyeHeight * e.eyeUpper * f
        let lower = t.eyeY + 0.75 * t.eyeHeight * e.eyeLower * f
        let open = coverage(max(max(upper - y, y - lower), abs(dx) - t.eyeWidth), aa)
        if open > 0 {
            let ix = x - centre - scene.gazeX, iy = y - t.eyeY - scene.gazeY
            let r = (ix * ix + iy * iy).squareRoot()
            var ball = RGB(0.93, 0.92, 0.89)
            ball = ball.mixed(with: t.iris, coverage(r - t.eyeHeight, aa))
            ball = ball.mixed(with: RGB(0.04, 0.03, 0.03), coverage(r - 0.45 * t.eyeHeight, aa))
            c = c.mixed(with: ball, open)
        }
        let lash = 0.016 + 0.014 * t.lashes
        let slope = 2 * t.eyeHeight * e.eyeUpper * u / t.eyeWidth
        let lid = max(
            strokeDistance(y, upper - 0.3 * lash, slope: slope, width: lash),
            abs(dx) - t.eyeWidth * 1.08)
        return c.mixed(with: RGB(0.08, 0.06, 0.05), 0.9 * coverage(lid, aa))
    }

    /// The brow on `ax`'s side, and frown lines between the brows.
    @inline(__always) func brow(_ c: RGB, ax: Float, y: Float, aa: Float) -> RGB {
        let rest = t.eyeY - t.browGap
        if y > rest + 0.1 || y < rest - 0.25 { return c }
        var c = c
        let inner = t.eyeSpacing - t.browWidth + 0.01 - e.browPull
        let u = (ax - inner) / t.browWidth - 1  // −1 at the inner end, +1 at the outer
        if abs(u) < 1.3 {
            let yc = rest - e.browLift - e.browArch * (1 - u * u) - e.browSlant * 0.5 * (1 - u)
            let slope = (2 * e.browArch * u + 0.5 * e.browSlant) / t.browWidth
            let width = t.browThickness * (1 - 0.3 * (u + 1))
            let d = max(
                strokeDistance(y, yc, slope: slope, width: width), (abs(u) - 1) * t.browWidth)
            c = c.mixed(with: t.hair.mixed(with: RGB(0.1, 0.07, 0.05), 0.5), 0.9 * coverage(d, aa))
        }
        if e.frown > 0.02 {
            let d = max(abs(ax - 0.035) - 0.006, abs(y - rest - 0.01) - 0.05)
            c = c.mixed(with: t.skin * 0.6, 0.55 * e.frown * coverage(d, aa))
        }
        return c
    }

    /// The mouth: lips around a gap (dark inside, upper teeth showing) or a closed seam,
    /// bent by the corners' lift and a one-sided sneer.
    @inline(__always) func mouth(_ c: RGB, x: Float, y: Float, aa: Float) -> RGB {
        let width = t.mouthWidth * e.mouthWidth
        let dx = x - mouthShift
        let u = dx / width
        if abs(u) > 1.3 || abs(y - t.mouthY) > 0.35 { return c }
        var c = c
        let line = t.mouthY - e.mouthCurve * (u * u - 0.35) - e.sneer * max(u, 0)
        let f = max(1 - u * u, 0).squareRoot()
        let top = line - e.mouthOpen * e.upperLip * f
        let bottom = line + e.mouthOpen * (1 - e.upperLip) * f
        let lips = t.lipThickness * e.lipFullness * f
        let edge = abs(dx) - width
        let lip = max(max(top - 0.85 * lips - y, y - bottom - 1.15 * lips), abs(dx) - width * 1.02)
        c = c.mixed(with: t.lip, 0.9 * coverage(lip, aa))
        let gap = max(max(top - y, y - bottom), edge)
        let seam = max(abs(y - line) - 0.008, abs(dx) - width * 0.98)
        let inside = coverage(min(gap, seam), aa)
        if inside > 0 {
            let teeth = e.teeth * coverage(max(gap, y - top - 0.045), aa)
            c = c.mixed(
                with: RGB(0.22, 0.06, 0.07).mixed(with: RGB(0.93, 0.91, 0.84), teeth), inside)
        }
        return c
    }
}
