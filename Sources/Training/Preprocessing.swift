import FaceData
import FastKernels
import TensorCore

/// What happens to a stored face before the crop: a resize and a grayscale conversion
/// (in training and evaluation alike), then, in training only, a random rotation and a
/// random colour jitter. `plain` does none of them (the paper preset's pipeline).
///
/// The official preset's per-database values are `officialPreset(...)`; docs/MODEL.md
/// ("Preprocessing") gives the order and every formula.
public struct Preprocessing: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Side every image is resized to first (bilinear, `FaceImage.resized`); nil keeps it.
    public var resize: Int?
    /// Grayscale replicated to three channels (`FaceImage.grayscale`).
    public var grayscale: Bool
    /// Largest rotation in degrees: training images turn by an angle drawn uniformly in
    /// `[−rotation, rotation]` (`FaceImage.rotated`); 0 turns none.
    public var rotation: Double
    /// Strength `j` of the colour jitter: brightness, contrast and saturation factors drawn
    /// uniformly in `[1 − j, 1 + j]` for each training image (`FaceImage.colorJittered`); 0
    /// jitters none.
    public var colorJitter: Double

    /// The JSON keys (snake_case, like every file this code writes).
    enum CodingKeys: String, CodingKey {
        case resize, grayscale, rotation
        case colorJitter = "color_jitter"
    }

    /// The given steps; the defaults do nothing.
    public init(
        resize: Int? = nil, grayscale: Bool = false, rotation: Double = 0, colorJitter: Double = 0
    ) {
        self.resize = resize
        self.grayscale = grayscale
        self.rotation = rotation
        self.colorJitter = colorJitter
    }

    /// No step at all.
    public static let plain = Preprocessing()

    /// The colour-jitter strength of the official preset (torchvision's common 0.4; the
    /// released code does not say, see docs/MODEL.md).
    public static let officialColorJitter = 0.4
    /// The rotation range of the official preset's SFEW training images, in degrees.
    public static let officialRotation = 30.0

    /// The official preset's preprocessing for a database (named as `ddl reproduce` names
    /// them: "CK+", "MMI", "Oulu-CASIA", "RAF-DB", "SFEW"; nil or any other name gets the
    /// resize only) of faces of side `side`: resize to 1.1·side (110 for 100×100 faces) before
    /// the crop of 0.9·side; grayscale for CK+ and MMI; ±30° rotation and colour jitter for
    /// SFEW.
    public static func officialPreset(database: String?, side: Int) -> Preprocessing {
        Preprocessing(resize: Int((Double(side) * 1.1).rounded()),
                      grayscale: database == "CK+" || database == "MMI",
                      rotation: database == "SFEW" ? officialRotation : 0,
                      colorJitter: database == "SFEW" ? officialColorJitter : 0)
    }

    /// The steps done in evaluation too (resize, grayscale), without the random ones; nil
    /// when there are none.
    public var deterministicSteps: Preprocessing? {
        let p = Preprocessing(resize: resize, grayscale: grayscale)
        return p.isPlain ? nil : p
    }

    /// Whether no step is done.
    public var isPlain: Bool { self == .plain }

    /// Whether any random (training-only) step is done.
    public var isRandom: Bool { rotation > 0 || colorJitter > 0 }

    /// The steps in words, e.g. "resize 110, grayscale, rotation ±30°, colour jitter 0.4"
    /// ("none" for `plain`).
    public var description: String {
        var parts: [String] = []
        if let resize { parts.append("resize \(resize)") }
        if grayscale { parts.append("grayscale") }
        if rotation > 0 { parts.append("rotation ±\(rotation.compactDescription)°") }
        if colorJitter > 0 { parts.append("colour jitter \(colorJitter.compactDescription)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// Every value that cannot work, named by its `ddl train` option with the value; empty
    /// when all are usable. (The crop against the resized side is `TrainingOptions.checkCrop`'s.)
    public func problems() -> [InvalidOption] {
        var p: [InvalidOption] = []
        if let resize, !(InputSize.minimum...4096).contains(resize) {
            p.append(
                InvalidOption(
                    "--resize", "must be in \(InputSize.minimum)…4096 pixels, got \(resize)"))
        }
        if !(rotation.isFinite && rotation >= 0 && rotation <= 180) {
            p.append(InvalidOption("--rotate", "must be in [0, 180] degrees, got \(rotation)"))
        }
        if !(colorJitter.isFinite && colorJitter >= 0 && colorJitter < 1) {
            p.append(InvalidOption("--jitter", "must be in [0, 1), got \(colorJitter)"))
        }
        return p
    }

    /// Side of an image of side `side` after the resize.
    public func side(after side: Int) -> Int { resize ?? side }

    /// The deterministic steps (resize, grayscale) applied to `image`.
    public func prepared(_ image: FaceImage) -> FaceImage {
        var im = image
        if let resize { im = im.resized(to: resize) }
        if grayscale { im = im.grayscale() }
        return im
    }

    /// The random draws of one training image.
    public struct Draw: Sendable, Equatable {
        /// Rotation in degrees.
        public var degrees = 0.0
        /// Colour factors (1 = unchanged).
        public var brightness = 1.0, contrast = 1.0, saturation = 1.0
    }

    /// One image's draws from `generator`: the angle (only when `rotation > 0`), then the
    /// brightness, contrast and saturation factors (only when `colorJitter > 0`), each
    /// `(2u − 1)·range` with `u = generator.nextUnit()`.
    public func draw(_ generator: inout RandomGenerator) -> Draw {
        var d = Draw()
        if rotation > 0 { d.degrees = (2 * generator.nextUnit() - 1) * rotation }
        if colorJitter > 0 {
            d.brightness = 1 + (2 * generator.nextUnit() - 1) * colorJitter
            d.contrast = 1 + (2 * generator.nextUnit() - 1) * colorJitter
            d.saturation = 1 + (2 * generator.nextUnit() - 1) * colorJitter
        }
        return d
    }

    /// The random steps of a training image with the given draws: rotation, then colour jitter.
    public func randomised(_ image: FaceImage, _ d: Draw) -> FaceImage {
        var im = image
        if rotation > 0 { im = im.rotated(degrees: d.degrees) }
        if colorJitter > 0 {
            im = im.colorJittered(
                brightness: d.brightness, contrast: d.contrast, saturation: d.saturation)
        }
        return im
    }
}

extension Double {
    /// The number as text without a trailing ".0" for whole numbers (30, not 30.0).
    public var compactDescription: String {
        self == rounded() && abs(self) < 1e15 ? "\(Int(self))" : "\(self)"
    }
}
