import Foundation
import FastKernels
import TensorCore

/// Everything that fixes one image except its pixel noise: the subject, the expression,
/// the pose, the light, the placement and the backdrop.
struct FaceScene: Sendable {
    var traits: SubjectTraits
    var shape: ExpressionShape
    /// Yaw (radians, positive turns the face towards image right) and roll (radians).
    var yaw: Float, roll: Float
    /// Head centre in image units (the image spans −0.5…0.5) and head unit in image units.
    var centreX: Float, centreY: Float, unit: Float
    /// Unit vector towards the light (x right, y down, z towards the viewer).
    var lightX: Float, lightY: Float, lightZ: Float
    /// Share of light that is directional; overall brightness; colour cast per channel.
    var diffuse: Float, brightness: Float, cast: RGB
    /// Backdrop: a coarse grid of colours, interpolated bilinearly; clothing colour.
    var backdrop: [RGB], clothes: RGB
    /// Where the eyes look, in head units.
    var gazeX: Float, gazeY: Float
    /// Standard deviation of the pixel noise (in [0, 1] intensity units).
    var noise: Float
    /// How strongly the world disturbs (the spec's strength).
    var strength: Float

    /// Cells per side of the backdrop grid.
    static let backdropGrid = 4
}

extension SyntheticFaces {
    /// The yaw (radians) of pose class `pose`: evenly spaced over ±40°·strength.
    static func yaw(pose: Int, spec: SyntheticFaceSpec) -> Float {
        let a: Float = spec.poses > 1 ? 2 * Float(pose) / Float(spec.poses - 1) - 1 : 0
        return Float(spec.strength) * a * 40 * .pi / 180
    }

    /// The scene of one sample. Subject traits come from `seed`; every per-sample draw
    /// comes from `generator`, the same number of draws whatever the labels.
    static func scene(
        expression: Int, identity: Int, pose: Int, illumination: Int,
        spec: SyntheticFaceSpec, seed: UInt64, generator g: inout RandomGenerator
    ) -> FaceScene {
        if let problem = spec.problem { preconditionFailure("SyntheticFaces: \(problem)") }
        precondition(
            identity >= 0 && identity < spec.identities,
            "SyntheticFaces: identity \(identity) outside 0..<\(spec.identities)")
        precondition(
            pose >= 0 && pose < spec.poses, "SyntheticFaces: pose \(pose) outside 0..<\(spec.poses)"
        )
        precondition(
            illumination >= 0 && illumination < spec.illuminations,
            "SyntheticFaces: illumination \(illumination) outside 0..<\(spec.illuminations)")
        let s = Float(spec.strength)
        let traits = Self.traits(identity: identity, spec: spec, seed: seed)
        let shape = expressionShape(expression, gain: Float(spec.cueGain), generator: &g)

        let degree = Float.pi / 180
        let yaw = Self.yaw(pose: pose, spec: spec) + s * g.drawSymmetric(3 * degree)
        let roll = g.drawSymmetric((1.5 + 6 * s) * degree)

        // Light: the class sets the azimuth (left to right) and, symmetrically about the
        // middle class, the brightness and colour cast, so a mirror image maps class k to
        // illuminations − 1 − k. Elevation and small jitter are per sample.
        let k = spec.illuminations
        let side: Float = k > 1 ? 2 * Float(illumination) / Float(k - 1) - 1 : 0
        let fromEdge = Float(min(illumination, k - 1 - illumination))
        let azimuth = s * (70 * side * degree + g.drawSymmetric(5 * degree))
        let elevation = (20 + g.drawFloat(0, 15)) * degree
        let brightness =
            1 + s * (0.18 * Float(cos(Double(fromEdge) * 2.3 + 0.6)) + g.drawSymmetric(0.06))
        let hue = Double(fromEdge) * 2.1 + 0.5
        let cast = RGB(
            1 + s * 0.12 * Float(cos(hue)),
            1 + s * 0.12 * Float(cos(hue - 2.094)),
            1 + s * 0.12 * Float(cos(hue + 2.094)))

        // Placement: small translation and scale jitter.
        let shift = 0.015 + 0.05 * s
        let centreX = g.drawSymmetric(shift)
        let centreY = 0.02 + g.drawSymmetric(shift)
        let unit = 0.39 * (1 + g.drawSymmetric(0.03 + 0.08 * s))

        // Backdrop and clothes: plain grey in the lab, textured colour in the wild.
        let lab = RGB(0.56, 0.57, 0.60)
        let hueful = RGB(g.drawFloat(0.1, 0.9), g.drawFloat(0.1, 0.9), g.drawFloat(0.1, 0.9))
        let base = hueful.mixed(with: RGB(1, 1, 1) * ((hueful.r + hueful.g + hueful.b) / 3), 0.4)
        let cells = FaceScene.backdropGrid * FaceScene.backdropGrid
        var backdrop = [RGB](repeating: lab, count: cells)
        for i in 0..<cells {
            let texture = RGB(g.drawSymmetric(0.2), g.drawSymmetric(0.2), g.drawSymmetric(0.2))
            backdrop[i] = lab.mixed(with: base + texture, s * s)
        }
        let clothes = RGB(0.30, 0.32, 0.38).mixed(
            with: RGB(g.drawFloat(0.05, 0.9), g.drawFloat(0.05, 0.9), g.drawFloat(0.05, 0.9)), s)

        let gazeX = g.drawSymmetric(0.02), gazeY = g.drawSymmetric(0.01)
        return FaceScene(
            traits: traits, shape: shape, yaw: yaw, roll: roll,
            centreX: centreX, centreY: centreY, unit: unit,
            lightX: Float(sin(Double(azimuth)) * cos(Double(elevation))),
            lightY: -Float(sin(Double(elevation))),
            lightZ: Float(cos(Double(azimuth)) * cos(Double(elevation))),
            diffuse: 0.55 + 0.2 * s, brightness: brightness, cast: cast,
            backdrop: backdrop, clothes: clothes, gazeX: gazeX, gazeY: gazeY,
            noise: 0.008 + 0.025 * s, strength: s)
    }
}
