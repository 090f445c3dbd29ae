import FastKernels
import TensorCore

/// The facial action of one expression: how the brows, eyes, nose and mouth depart from
/// rest. Lengths in head units (the head is about 2 units tall), y down.
struct ExpressionShape: Sendable, Equatable {
    /// Upward shift of both brows.
    var browLift: Float = 0
    /// Inner-end raise (positive, as in sadness and fear) or lowering (negative, anger).
    var browSlant: Float = 0
    /// Upward bow of the brow's middle.
    var browArch: Float = 0.02
    /// How far the brows are pulled together.
    var browPull: Float = 0
    /// Vertical frown lines between the brows, 0…1.
    var frown: Float = 0
    /// Upper-lid opening relative to rest (above 1 shows white over the iris).
    var eyeUpper: Float = 1
    /// Lower-lid opening relative to rest (below 1 is a squint).
    var eyeLower: Float = 1
    /// Mouth-corner lift (positive smiles, negative turns down).
    var mouthCurve: Float = 0
    /// Gap between the lips at the middle.
    var mouthOpen: Float = 0
    /// Mouth width relative to rest.
    var mouthWidth: Float = 1
    /// Share of the gap above the lip line (a raised upper lip is near 1).
    var upperLip: Float = 0.5
    /// One-sided lift of the right mouth corner (a sneer).
    var sneer: Float = 0
    /// How much of the upper teeth shows in the gap, 0…1.
    var teeth: Float = 0
    /// Wrinkles across the nose bridge, 0…1.
    var noseWrinkle: Float = 0
    /// Depth of the folds from nose to mouth corners, 0…1.
    var smileFold: Float = 0
    /// Lip fullness relative to rest (pressed lips are thin).
    var lipFullness: Float = 1

    /// `self` moved from `neutral` by `k` times its difference from it.
    func scaled(_ k: Float, from neutral: ExpressionShape) -> ExpressionShape {
        func at(_ path: WritableKeyPath<ExpressionShape, Float>) -> Float {
            neutral[keyPath: path] + k * (self[keyPath: path] - neutral[keyPath: path])
        }
        var e = self
        for path in ExpressionShape.fields { e[keyPath: path] = at(path) }
        return e
    }

    /// Every field, in a fixed order (the order of the per-sample jitter draws).
    static let fields: [WritableKeyPath<ExpressionShape, Float> & Sendable] = [
        \.browLift, \.browSlant, \.browArch, \.browPull, \.frown, \.eyeUpper, \.eyeLower,
        \.mouthCurve, \.mouthOpen, \.mouthWidth, \.upperLip, \.sneer, \.teeth, \.noseWrinkle,
        \.smileFold, \.lipFullness,
    ]

    /// Jitter amplitude per field (same order as `fields`).
    static let jitter: [Float] = [
        0.008, 0.008, 0.006, 0.004, 0.1, 0.06, 0.06,
        0.008, 0.006, 0.04, 0.05, 0.004, 0.1, 0.1,
        0.1, 0.06,
    ]

    /// The seven expressions in `expressionNames` order. Pairs share cues on purpose:
    /// fear and surprise both open eyes and mouth but differ in brows and mouth shape;
    /// anger and disgust both lower the brows but differ in mouth, lids and nose.
    static let table: [ExpressionShape] = [
        // 0 anger: brows low and pulled together, inner ends down, hard stare, lips pressed.
        ExpressionShape(
            browLift: -0.05, browSlant: -0.09, browArch: 0.0, browPull: 0.03, frown: 1.0,
            eyeUpper: 0.9, eyeLower: 0.75, mouthCurve: -0.02, mouthOpen: 0, mouthWidth: 0.82,
            upperLip: 0.5, sneer: 0, teeth: 0, noseWrinkle: 0.15, smileFold: 0, lipFullness: 0.45),
        // 1 disgust: brows a little low, squint, wrinkled nose, raised upper lip, sneer.
        ExpressionShape(
            browLift: -0.03, browSlant: -0.025, browArch: 0.01, browPull: 0.012, frown: 0.3,
            eyeUpper: 0.7, eyeLower: 0.55, mouthCurve: -0.035, mouthOpen: 0.03, mouthWidth: 0.92,
            upperLip: 0.9, sneer: 0.03, teeth: 0.5, noseWrinkle: 1.0, smileFold: 0.5,
            lipFullness: 1.0),
        // 2 fear: brows up, straight and pulled together, eyes wide, mouth stretched wide.
        ExpressionShape(
            browLift: 0.055, browSlant: 0.035, browArch: -0.005, browPull: 0.015, frown: 0.35,
            eyeUpper: 1.5, eyeLower: 1.15, mouthCurve: -0.015, mouthOpen: 0.055, mouthWidth: 1.2,
            upperLip: 0.4, sneer: 0, teeth: 0.7, noseWrinkle: 0, smileFold: 0.2, lipFullness: 0.8),
        // 3 happiness: wide smile with teeth, cheeks raise the lower lids, folds deepen.
        ExpressionShape(
            browLift: 0.01, browSlant: 0, browArch: 0.03, browPull: 0, frown: 0,
            eyeUpper: 0.85, eyeLower: 0.45, mouthCurve: 0.075, mouthOpen: 0.045, mouthWidth: 1.28,
            upperLip: 0.3, sneer: 0, teeth: 1.0, noseWrinkle: 0, smileFold: 1.0, lipFullness: 0.85),
        // 4 sadness: inner brows up, upper lids drooping, mouth corners down.
        ExpressionShape(
            browLift: 0.005, browSlant: 0.07, browArch: -0.01, browPull: 0.012, frown: 0.2,
            eyeUpper: 0.7, eyeLower: 1.0, mouthCurve: -0.055, mouthOpen: 0, mouthWidth: 0.92,
            upperLip: 0.5, sneer: 0, teeth: 0, noseWrinkle: 0, smileFold: 0, lipFullness: 1.1),
        // 5 surprise: brows high and arched, eyes wide, jaw dropped in a round "O".
        ExpressionShape(
            browLift: 0.085, browSlant: 0, browArch: 0.05, browPull: 0, frown: 0,
            eyeUpper: 1.55, eyeLower: 1.2, mouthCurve: 0, mouthOpen: 0.14, mouthWidth: 0.72,
            upperLip: 0.3, sneer: 0, teeth: 0.15, noseWrinkle: 0, smileFold: 0, lipFullness: 0.9),
        // 6 neutral: at rest.
        ExpressionShape(),
    ]
}

extension SyntheticFaces {
    /// The shape of `expression` with a random intensity (0.7–1.2 of the prototype, times
    /// `gain`) and a small jitter on every field. Makes the same draws whatever the expression.
    static func expressionShape(
        _ expression: Int, gain: Float = 1, generator g: inout RandomGenerator
    ) -> ExpressionShape {
        precondition(
            expression >= 0 && expression < ExpressionShape.table.count,
            "SyntheticFaces: expression \(expression) outside 0..<\(ExpressionShape.table.count)")
        let neutral = ExpressionShape()
        var e = ExpressionShape.table[expression].scaled(
            gain * g.drawFloat(0.7, 1.2), from: neutral)
        for (path, amplitude) in zip(ExpressionShape.fields, ExpressionShape.jitter) {
            e[keyPath: path] += g.drawSymmetric(amplitude)
        }
        e.mouthOpen = max(e.mouthOpen, 0)
        e.teeth = saturate(e.teeth)
        e.frown = saturate(e.frown)
        e.noseWrinkle = saturate(e.noseWrinkle)
        e.smileFold = saturate(e.smileFold)
        e.upperLip = saturate(e.upperLip)
        e.eyeUpper = max(e.eyeUpper, 0.3)
        e.eyeLower = max(e.eyeLower, 0.3)
        e.lipFullness = max(e.lipFullness, 0.3)
        return e
    }
}
