import Foundation

/// The two readings of the method: the paper as written, or the authors' released code.
public enum Preset: String, Codable, CaseIterable, Sendable {
    /// The paper as written, or the authors' released code.
    case paper, official
}

/// How Eq. 7 normalises its attention maps.
public enum ATNormalisation: String, Codable, Sendable {
    /// Per sample `q = vec(map)`, normalised, mean over the batch (paper).
    case perSample = "per_sample"
    /// The whole batch tensor as one vector, no batch mean (released code).
    case batch
}

/// A disturbing factor and its number of classes (docs/MODEL.md, The DFEM).
public struct Factor: Codable, Equatable, Hashable, Sendable {
    /// The factor's name (e.g. `gender`).
    public let name: String
    /// Its number of classes.
    public let classes: Int

    /// A factor named `name` with `classes` classes.
    public init(_ name: String, _ classes: Int) {
        self.name = name
        self.classes = classes
    }

    /// The six factors of the paper: gender, race, age (RAF-DB); identity, illumination,
    /// pose (Multi-PIE).
    public static let catalogue: [String: Int] = [
        "gender": 3, "race": 3, "age": 5, "identity": 337, "illumination": 20, "pose": 15,
    ]

    /// The database that labels each factor; the official preset trains one DFEM per source.
    public static func source(of name: String) -> String {
        ["identity", "illumination", "pose"].contains(name) ? "multipie" : "rafdb"
    }

    /// JSON form `["gender", 3]`, as the PyTorch side writes it.
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        name = try c.decode(String.self)
        classes = try c.decode(Int.self)
    }

    /// JSON form `["gender", 3]`, as the PyTorch side reads it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(name)
        try c.encode(classes)
    }
}

/// The nine methods of Table 1.
public enum Variant: String, Codable, CaseIterable, Sendable {
    /// The baseline, with S_e (AT), and with S_e and the multi-level concat (MAT).
    case baseline, baselineAT = "baseline_at", baselineMAT = "baseline_mat"
    /// DDL with the factors its suffix names (g gender, a age, r race, id identity).
    case ddlG = "ddl_g", ddlGA = "ddl_ga", ddlGAR = "ddl_gar", ddlGARID = "ddl_gar_id"
    /// DDL with gender, age, race and identity, plus illumination (il) and pose (p).
    case ddlGARIDIL = "ddl_gar_id_il", ddlGARIDILP = "ddl_gar_id_il_p"

    /// S_e (the attention blocks of Eq. 8–9) is present.
    public var usesExpressionBranch: Bool { self != .baseline }
    /// The multi-level concat of Eq. 10 is used.
    public var multiLevel: Bool { self != .baseline && self != .baselineAT }
    /// S_d, its head, and the adversarial and attention-transfer losses (Eq. 5–7) are present.
    public var usesDisturbanceBranch: Bool { rawValue.hasPrefix("ddl_") }

    /// The factors whose DFEM supervises S_d, in the order the name lists them
    /// (g gender, a age, r race, id identity, il illumination, p pose).
    public var factors: [Factor] {
        guard usesDisturbanceBranch else { return [] }
        let suffix = [
            "g": "gender", "a": "age", "r": "race", "id": "identity", "il": "illumination",
            "p": "pose"
        ]
        var names: [String] = []
        for part in rawValue.dropFirst(4).split(separator: "_").map(String.init) {
            if let n = suffix[part] {
                names.append(n)
            } else {
                names += part.compactMap { suffix[String($0)] }
            }
        }
        return names.map { Factor($0, Factor.catalogue[$0] ?? 0) }
    }
}

/// A DDL model configuration: everything the DDM, the DFEMs and D are built from.
/// Every difference between the presets is one field, filled from the preset unless set.
public struct DDLConfig: Codable, Equatable, Sendable {
    /// The reading of the method the defaults come from.
    public var preset: Preset
    /// Which of the nine methods of Table 1.
    public var variant: Variant
    /// `w`: channels of the first level (64 in the paper).
    public var width: Int
    /// Side of the square network input (90).
    public var inputSize: Int
    /// `K`: expression classes.
    public var classes: Int
    /// The DFEM factors (the variant's by default).
    public var factors: [Factor]
    /// Weights of Eq. 11.
    public var lambda1: Double
    /// λ2 of Eq. 11.
    public var lambda2: Double
    /// h of the attention block starts with BN → PReLU (official).
    public var hPreactivation: Bool
    /// The expression head reads the Eq. 10 concat (paper) rather than `a_5` (official).
    public var headOnMultilevel: Bool
    /// A PReLU after the last expression Linear and after each DFEM head (official).
    public var finalPReLU: Bool
    /// Eq. 7 normalisation.
    public var atNormalisation: ATNormalisation
    /// One DFEM per source database (official) instead of one with missing labels (paper).
    public var dfemPerSource: Bool

    enum CodingKeys: String, CodingKey {
        case preset, variant, width, classes, factors, lambda1, lambda2
        case inputSize = "input_size", hPreactivation = "h_preactivation", headOnMultilevel =
            "head_on_multilevel"
        case finalPReLU = "final_prelu", atNormalisation = "at_normalisation", dfemPerSource =
            "dfem_per_source"
    }

    /// A configuration with the preset's choices.
    public init(
        preset: Preset = .paper, variant: Variant = .ddlGARIDILP, width: Int = 64,
        inputSize: Int = 90,
        classes: Int = 7, factors: [Factor]? = nil, lambda1: Double = 1.0, lambda2: Double = 0.05
    ) {
        self.preset = preset
        self.variant = variant
        self.width = width
        self.inputSize = inputSize
        self.classes = classes
        self.factors = factors ?? variant.factors
        self.lambda1 = lambda1
        self.lambda2 = lambda2
        let official = preset == .official
        hPreactivation = official
        headOnMultilevel = !official
        finalPReLU = official
        atNormalisation = official ? .batch : .perSample
        dfemPerSource = official
    }

    /// Reads a configuration; fields that are absent take the preset's (and variant's) values.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let preset = try c.decodeIfPresent(Preset.self, forKey: .preset) ?? .paper
        let variant = try c.decodeIfPresent(Variant.self, forKey: .variant) ?? .ddlGARIDILP
        self.init(
            preset: preset, variant: variant,
            width: try c.decodeIfPresent(Int.self, forKey: .width) ?? 64,
            inputSize: try c.decodeIfPresent(Int.self, forKey: .inputSize) ?? 90,
            classes: try c.decodeIfPresent(Int.self, forKey: .classes) ?? 7,
            factors: try c.decodeIfPresent([Factor].self, forKey: .factors),
            lambda1: try c.decodeIfPresent(Double.self, forKey: .lambda1) ?? 1.0,
            lambda2: try c.decodeIfPresent(Double.self, forKey: .lambda2) ?? 0.05)
        hPreactivation = try c.decodeIfPresent(Bool.self, forKey: .hPreactivation) ?? hPreactivation
        headOnMultilevel =
            try c.decodeIfPresent(Bool.self, forKey: .headOnMultilevel) ?? headOnMultilevel
        finalPReLU = try c.decodeIfPresent(Bool.self, forKey: .finalPReLU) ?? finalPReLU
        atNormalisation =
            try c.decodeIfPresent(ATNormalisation.self, forKey: .atNormalisation) ?? atNormalisation
        dfemPerSource = try c.decodeIfPresent(Bool.self, forKey: .dfemPerSource) ?? dfemPerSource
    }

    /// The configuration as one line of JSON (the form checkpoints and fixtures store).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses a configuration from JSON.
    public static func parse(_ json: String) throws -> DDLConfig {
        try JSONDecoder().decode(DDLConfig.self, from: Data(json.utf8))
    }

    /// Channels of the expression head's input: 23w for the paper preset's multi-level
    /// concat, 8w for `a_5` or `u_5`.
    public var expressionHeadChannels: Int {
        variant.multiLevel && headOnMultilevel ? 23 * width : 8 * width
    }

    /// The factor lists of the DFEMs that supervise S_d: one with every factor (paper), or
    /// one per source database that contributes a factor (official); none for baselines.
    public var dfemFactorGroups: [[Factor]] {
        guard variant.usesDisturbanceBranch, !factors.isEmpty else { return [] }
        guard dfemPerSource else { return [factors] }
        return ["rafdb", "multipie"].map { source in
            factors.filter { Factor.source(of: $0.name) == source }
        }
        .filter { !$0.isEmpty }
    }
}
