import ArgumentParser
import Training

/// The official preset's preprocessing of one database, as `--preprocess` names it.
public enum PreprocessingChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// No preset: only the step options given.
    case none
    /// `official-<database>`: `Preprocessing.officialPreset` for that database.
    case officialRAFDB = "official-rafdb"
    /// CK+'s official preprocessing.
    case officialCKPlus = "official-ck+"
    /// MMI's official preprocessing.
    case officialMMI = "official-mmi"
    /// Oulu-CASIA's official preprocessing.
    case officialOulu = "official-oulu-casia"
    /// SFEW's official preprocessing.
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
    /// The `--preprocess` option.
    @Option(help: """
        The official preset's preprocessing for a database: \
        \(PreprocessingChoice.allCases.map(\.rawValue).joined(separator: ", ")) (resize to 1.1× \
        the side; grayscale for CK+ and MMI; ±30° rotation and colour jitter 0.4 for SFEW). \
        Default: none.
        """)
    public var preprocess: PreprocessingChoice = .none
    /// The `--resize` option.
    @Option(help: """
        Resize every image to this side (bilinear) before the crop, e.g. 110 for 100×100 faces.
        """)
    public var resize: Int?
    /// `--grayscale`: Grayscale (BT.601 luma) replicated to three channels.
    @Flag(help: "Grayscale (BT.601 luma) replicated to three channels.")
    public var grayscale = false
    /// `--rotate`: Rotate each training image by an angle drawn in [−DEGREES, DEGREES], 0…180.
    @Option(help: "Rotate each training image by an angle drawn in [−DEGREES, DEGREES], 0…180.")
    public var rotate: Double?
    /// The `--jitter` option.
    @Option(help: """
        Colour jitter strength j in [0, 1): brightness, contrast and saturation factors drawn in \
        [1 − j, 1 + j] per training image.
        """)
    public var jitter: Double?

    /// Empty options, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
    public func validate() throws {
        if let problem = preprocessing(imageSize: 100)?.problems().first {
            throw ValidationError(problem.description)
        }
    }

    /// The preprocessing for images of side `size` (nil: none).
    public func preprocessing(imageSize size: Int) -> Preprocessing? {
        var p =
            preprocess.database.map { Preprocessing.officialPreset(database: $0, side: size) }
            ?? .plain
        if let resize { p.resize = resize }
        if grayscale { p.grayscale = true }
        if let rotate { p.rotation = rotate }
        if let jitter { p.colorJitter = jitter }
        return p.isPlain ? nil : p
    }
}
