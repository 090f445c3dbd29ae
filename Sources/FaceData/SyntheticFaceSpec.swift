/// The settings of a synthetic disturbed-faces world: image size, how many identities,
/// poses and illuminations there are, and how strongly the disturbing factors change the
/// appearance.
///
/// `strength` interpolates every disturbance between a canonical subject (strength 0: one
/// face, frontal, even light, plain backdrop) and its full range (strength 1: ±40° yaw,
/// side light with colour casts, strongly different face shapes, skin and hair). About 0.2
/// resembles an in-the-lab database, 1 an in-the-wild one. Expression cues never scale with
/// `strength`; `cueGain` scales them (how far each expression moves the brows, lids and
/// mouth from rest), so that they span several pixels at small image sizes.
public struct SyntheticFaceSpec: Sendable, Equatable {
    /// Side of every image in pixels (at least 16).
    public var size: Int
    /// Number of identities (subjects), each with fixed face geometry, gender, race and age.
    public var identities: Int
    /// Number of pose (yaw) classes, spread evenly over ±40°·`strength`.
    public var poses: Int
    /// Number of illumination classes, light directions spread evenly from left to right.
    public var illuminations: Int
    /// How strongly the disturbing factors change the appearance, in [0, 1].
    public var strength: Double
    /// How far expressions move the face from rest, relative to the prototypes (1: the
    /// prototypes' own amplitudes; 2, the default, doubles every departure from rest).
    public var cueGain: Double

    /// Gender classes: 0 male, 1 female, 2 unsure (as RAF-DB labels them).
    public static let genders = 3
    /// Race classes: three skin-tone and hair-colour palettes (as RAF-DB's three races).
    public static let races = 3
    /// Age groups: 0 infant, 1 youth, 2 adult, 3 middle-aged, 4 elderly (RAF-DB's five).
    public static let ages = 5
    /// The names of the labelled disturbing factors, in a fixed order.
    public static let factorNames = ["identity", "pose", "illumination", "gender", "race", "age"]

    /// A world with the given settings; call `validate()` on settings a user typed.
    public init(
        size: Int = 40, identities: Int = 40, poses: Int = 5, illuminations: Int = 5,
        strength: Double = 1,
        cueGain: Double = 2
    ) {
        self.size = size
        self.identities = identities
        self.poses = poses
        self.illuminations = illuminations
        self.strength = strength
        self.cueGain = cueGain
    }

    /// Classes per disturbing factor, keyed by the names in `factorNames`.
    public var factorClasses: [String: Int] {
        [
            "identity": identities, "pose": poses, "illumination": illuminations,
            "gender": Self.genders, "race": Self.races, "age": Self.ages,
        ]
    }

    /// The first setting that is out of range, or nil when all are usable.
    public var problem: String? {
        if size < 16 { return "image size \(size) is below 16" }
        if identities < 1 { return "identities \(identities) must be at least 1" }
        if poses < 1 { return "poses \(poses) must be at least 1" }
        if illuminations < 1 { return "illuminations \(illuminations) must be at least 1" }
        if !(strength >= 0 && strength <= 1) { return "strength \(strength) is outside [0, 1]" }
        if !(cueGain > 0 && cueGain <= 4) { return "cue gain \(cueGain) is outside (0, 4]" }
        return nil
    }

    /// Throws `SyntheticFaceSpecError` naming the first out-of-range setting.
    public func validate() throws(SyntheticFaceSpecError) {
        if let problem { throw SyntheticFaceSpecError(message: problem) }
    }
}

/// A synthetic-faces setting that cannot be used, e.g. an image size below 16.
public struct SyntheticFaceSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, naming the setting and its value.
    public let message: String

    /// An error with `message`.
    public init(message: String) { self.message = message }

    /// The message.
    public var description: String { "synthetic faces: \(message)" }
}
