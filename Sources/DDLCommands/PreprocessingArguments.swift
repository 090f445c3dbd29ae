import ArgumentParser
import Training

/// The official preset's preprocessing of one database, as `--preprocess` names it.
public enum PreprocessingChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// No preset: only the step options given.
    case none
    /// `official-<database>`: `Preprocessing.officialPreset` for that database.
    case officialRAFDB = "official-rafdb"
    case officialCKPlus = "official-ck+"
    case officialMMI = "official-mmi"
    case officialOulu = "official-oulu-casia"
    case officialSFEW = "official-sfew"

    /// The database name `Preprocessing.officialPreset` takes (nil for `none`).
    var database: String? {
        switch self {
        case .none: nil
        case .officialRAFDB: "RAF-DB"
        case .officialCKPlus: "CK+"
        case .officialMMI: "MMI"
        case .officialOulu: "Oulu-CASIA"
        case .officialSFEW: "SFEW"
        }
    }
}

/// `ddl train`'s preprocessing: a preset per database, and each step on its own (which
/// overrides the preset's value).
public struct PreprocessingArguments: ParsableArguments {
    @Option(help: "The official preset's preprocessing for a database: \(PreprocessingChoice.allCases.map(\.rawValue).joined(separator: ", ")) (resize to 1.1× the side; grayscale for CK+ and MMI; ±30° rotation and colour jitter 0.4 for SFEW). Default: none.")
    public var preprocess: PreprocessingChoice = .none
    @Option(help: "Resize every image to this side (bilinear) before the crop, e.g. 110 for 100×100 faces.")
    public var resize: Int?
    @Flag(help: "Grayscale (BT.601 luma) replicated to three channels.") public var grayscale = false
    @Option(help: "Rotate each training image by an angle drawn in [−DEGREES, DEGREES], 0…180.")
    public var rotate: Double?
    @Option(help: "Colour jitter strength j in [0, 1): brightness, contrast and saturation factors drawn in [1 − j, 1 + j] per training image.")
    public var jitter: Double?

    public init() {}

    public func validate() throws {
        if let problem = preprocessing(imageSize: 100)?.problems().first { throw ValidationError(problem.description) }
    }

    /// The preprocessing for images of side `size` (nil: none).
    public func preprocessing(imageSize size: Int) -> Preprocessing? {
        var p = preprocess.database.map { Preprocessing.officialPreset(database: $0, side: size) } ?? .plain
        if let resize { p.resize = resize }
        if grayscale { p.grayscale = true }
        if let rotate { p.rotation = rotate }
        if let jitter { p.colorJitter = jitter }
        return p.isPlain ? nil : p
    }
}
