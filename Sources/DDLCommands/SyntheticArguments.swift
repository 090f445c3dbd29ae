import ArgumentParser
import FaceData
import FaceDatasets
import Foundation

/// The synthetic disturbed faces, the default data of every command.
public struct SyntheticArguments: ParsableArguments {
    /// `--synthetic-size`: Synthetic image side.
    @Option(help: "Synthetic image side.") public var syntheticSize: Int = 40
    /// `--synthetic-train`: Synthetic expression training images.
    @Option(help: "Synthetic expression training images.") public var syntheticTrain: Int = 1400
    /// `--synthetic-test`: Synthetic expression test images (other identities).
    @Option(help: "Synthetic expression test images (other identities).")
    public var syntheticTest: Int = 700
    /// `--synthetic-disturbance`: Synthetic disturbance-labelled images.
    @Option(help: "Synthetic disturbance-labelled images.")
    public var syntheticDisturbance: Int = 1400
    /// The `--strength` option.
    @Option(help: """
        How strongly pose, light, identity, age, race and gender disturb the faces, 0…1 (0.2 ≈ \
        in-the-lab, 1 ≈ in-the-wild).
        """)
    public var strength: Double = 1
    /// The `--identities` option.
    @Option(
        help:
            "Synthetic identities; a quarter of them (at least one) are held out for the test set.")
    public var identities: Int = 40
    /// `--data-seed`: Seed of the synthetic data.
    @Option(help: "Seed of the synthetic data.") public var dataSeed: UInt64 = 0
    /// The `--confound` option.
    @Option(help: """
        Confound ρ of the training split, 0…1: the probability, per factor, that pose, light and \
        identity group take the expression's preferred value (the test split is always \
        independent).
        """)
    public var confound: Double = 0
    /// The `--cue-gain` option.
    @Option(help: """
        How far expressions move brows, lids and mouth from rest, relative to the prototypes (0 < \
        gain ≤ 4).
        """)
    public var cueGain: Double = 2

    /// Empty options, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
    public func validate() throws {
        if let problem = spec.problem { throw ValidationError("synthetic faces: \(problem)") }
        guard confound >= 0, confound <= 1 else {
            throw ValidationError("--confound must be in [0, 1], got \(confound)")
        }
        guard identities >= 2 else {
            throw ValidationError(
                "--identities must be at least 2 (training and test identities differ)")
        }
        guard syntheticTrain > 0, syntheticTest >= 0, syntheticDisturbance > 0 else {
            throw ValidationError("--synthetic-train and --synthetic-disturbance must be positive")
        }
    }

    /// The world the sets are drawn from.
    public var spec: SyntheticFaceSpec {
        SyntheticFaceSpec(
            size: syntheticSize, identities: identities, strength: strength, cueGain: cueGain)
    }

    /// Training identities come first, test identities (a quarter) last: subject-independent.
    var split: Int { identities - max(1, identities / 4) }

    /// The expression training (confounded by `--confound`) and test (independent) sets,
    /// of disjoint identities.
    public func expressionSets() -> (train: FaceSet, test: FaceSet) {
        (
            SyntheticFaces.expressionSet(
                spec: spec, count: syntheticTrain, seed: dataSeed, identities: 0..<split,
                confound: SyntheticConfound(rho: confound)),
            SyntheticFaces.expressionSet(
                spec: spec, count: syntheticTest, seed: dataSeed, identities: split..<identities)
        )
    }

    /// The disturbance-labelled set, drawn from the training identities only (the test
    /// identities are never seen by a DFEM).
    public func disturbanceSet() -> FaceSet {
        SyntheticFaces.disturbanceSet(
            spec: spec, count: syntheticDisturbance, seed: dataSeed, identities: 0..<split)
    }
}

/// `ddl synth`: writes the synthetic disturbed faces as face-set files.
public struct SynthCommand: ParsableCommand {
    /// The command's name and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write synthetic disturbed faces: train.h5 and test.h5 (expressions, disjoint "
            + "identities) and disturbance.h5.",
        discussion: """
            Procedurally drawn faces: the expression (7 classes) changes mouth, brows and eyes; \
            identity (face geometry), pose, illumination, gender, age and race analogues change \
            the appearance as strongly as --strength says. The expression sets withhold the factor \
            labels and the disturbance set the expression labels, as in the paper's setting. \
            --confound ρ ties pose, light and identity group to the expression in the training \
            split only (docs/SYNTHETIC.md). Deterministic by --data-seed. Optionally writes a \
            contact sheet (PNG).
            """
    )
    /// The `SyntheticArguments` option group.
    @OptionGroup public var synthetic: SyntheticArguments
    /// `--out`: Output folder.
    @Option(help: "Output folder.") public var out: String
    /// `--sheet`: Also write a contact sheet of the first 49 training images (PNG).
    @Option(help: "Also write a contact sheet of the first 49 training images (PNG).")
    public var sheet: String?
    /// `--sheet-scale`: Pixels per image pixel in the contact sheet (1…8).
    @Option(help: "Pixels per image pixel in the contact sheet (1…8).")
    public var sheetScale: Int = 3

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
    public func validate() throws {
        guard (1...8).contains(sheetScale) else {
            throw ValidationError("--sheet-scale must be in 1…8, got \(sheetScale)")
        }
    }

    /// Runs `ddl synth` with the parsed options.
    public func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let (train, test) = synthetic.expressionSets()
        let disturbance = synthetic.disturbanceSet()
        let source = "ddl synth: size \(synthetic.syntheticSize), strength \(synthetic.strength), "
            + "identities \(synthetic.identities), "
            + "confound \(synthetic.confound), cue gain \(synthetic.cueGain), seed "
            + "\(synthetic.dataSeed)"
        for (name, set) in [("train", train), ("test", test), ("disturbance", disturbance)] {
            try set.save(to: out + "/\(name).h5", source: source)
            print("\(out)/\(name).h5: \(set.count) faces of \(set.size)×\(set.size), expressions "
                + "\(set.expressionCounts)")
        }
        if let sheet {
            let shown = train.subset(Array(0..<min(train.count, 49)))
            let (w, h, rgb) = SyntheticFaces.contactSheet(shown, columns: 7)
            let k = sheetScale
            let image = RGBImage(width: w * k, height: h * k) { x, y in
                let i = ((y / k) * w + x / k) * 3
                return (rgb[i], rgb[i + 1], rgb[i + 2])
            }
            try ImageCodecs.write(image, to: sheet, as: .png)
            print(sheet)
        }
    }
}
