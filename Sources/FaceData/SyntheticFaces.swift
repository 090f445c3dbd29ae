import FastKernels
import TensorCore

/// Procedurally drawn faces with labelled expressions and disturbing factors, for
/// exercising DDL without the real databases.
///
/// The expression (7 classes, `expressionNames` order) moves only the brows, eyes, nose
/// wrinkles and mouth, by a few percent of the head. The disturbing factors change the
/// appearance much more: identity (face geometry), gender (hair length, brows, lashes,
/// lips), race (skin and hair palette, nose and lips), age (proportions, wrinkles, grey
/// hair, sagging) belong to the subject; pose (yaw) and illumination (light direction,
/// brightness, colour cast) change per image; placement, backdrop and pixel noise are
/// nuisances. `SyntheticFaceSpec.strength` scales every disturbance.
///
/// `seed` fixes the world (who the identities are); a generator supplies everything that
/// varies per image. The same arguments always give the same bytes.
public enum SyntheticFaces {
    /// One image: 3 × `spec.size` × `spec.size` bytes, channel-major (CHW).
    ///
    /// - Parameters:
    ///   - expression: class in `0..<7`.
    ///   - identity, pose, illumination: classes in `0..<spec.identities` (`poses`,
    ///     `illuminations`).
    ///   - seed: fixes the identity's attributes.
    ///   - generator: supplies the per-image jitter and noise; it advances by the same
    ///     number of draws whatever the labels, so two calls from copies of one generator
    ///     differ only where their labels act.
    /// - Precondition: `spec.problem == nil` and every class in range.
    public static func render(
        expression: Int, identity: Int, pose: Int, illumination: Int,
        spec: SyntheticFaceSpec, seed: UInt64, generator: inout RandomGenerator
    ) -> [UInt8] {
        let scene = scene(
            expression: expression, identity: identity, pose: pose, illumination: illumination,
            spec: spec, seed: seed, generator: &generator)
        let painter = FacePainter(scene: scene, size: spec.size)
        var image = [UInt8](repeating: 0, count: 3 * spec.size * spec.size)
        image.withUnsafeMutableBufferPointer { painter.paint(into: $0, generator: &generator) }
        return image
    }

    /// The image regions an expression can change in the image `render` would draw from
    /// the same arguments and generator state (pass a copy of the generator): a box around
    /// the brows, eyes and nose bridge, and a box around the mouth and the folds beside
    /// it. Useful to check that attention falls on expression regions.
    public static func expressionRegions(
        identity: Int, pose: Int, illumination: Int,
        spec: SyntheticFaceSpec, seed: UInt64, generator: inout RandomGenerator
    ) -> (eyes: PixelBox, mouth: PixelBox) {
        let scene = scene(
            expression: 6, identity: identity, pose: pose, illumination: illumination,
            spec: spec, seed: seed, generator: &generator)
        let painter = FacePainter(scene: scene, size: spec.size)
        let t = scene.traits
        let browTop = t.eyeY - t.browGap - 0.18 - t.browThickness
        let eyesHalf = t.eyeSpacing + max(1.6 * t.eyeWidth, t.browWidth + 0.04)
        let eyesBox = painter.imageBox(
            xs: -eyesHalf...eyesHalf,
            ys: browTop...(t.eyeY + 0.2))
        let mouthHalf = 1.45 * t.mouthWidth + 0.1
        let mouthBox = painter.imageBox(
            xs: -mouthHalf...mouthHalf, ys: (t.noseTip - 0.06)...(t.mouthY + 0.35))
        return (eyesBox, mouthBox)
    }
}

/// An axis-aligned box of pixels, inclusive on both ends (x across, y down).
public struct PixelBox: Sendable, Equatable {
    /// Leftmost and rightmost columns.
    public var minX: Int, maxX: Int
    /// Top and bottom rows.
    public var minY: Int, maxY: Int

    /// A box from its inclusive bounds.
    public init(minX: Int, maxX: Int, minY: Int, maxY: Int) {
        self.minX = minX
        self.maxX = maxX
        self.minY = minY
        self.maxY = maxY
    }

    /// Whether pixel (`x`, `y`) lies in the box.
    public func contains(x: Int, y: Int) -> Bool {
        x >= minX && x <= maxX && y >= minY && y <= maxY
    }
}
