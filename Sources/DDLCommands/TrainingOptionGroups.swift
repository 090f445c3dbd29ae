import ArgumentParser
import DDLModel
import FaceData
import Foundation
import Training

/// Hyper-parameters shared by `pretrain-dfem` and `train` (defaults: the specification's).
public struct TrainingArguments: ParsableArguments {
    /// `--epochs`: Epochs.
    @Option(help: "Epochs.") public var epochs: Int = 40
    /// `--batch-size`: Batch size (16 for RAF-DB, 8 elsewhere in the paper).
    @Option(help: "Batch size (16 for RAF-DB, 8 elsewhere in the paper).")
    public var batchSize: Int = 16
    /// `--lr`: Adam learning rate.
    @Option(name: .customLong("lr"), help: "Adam learning rate.")
    public var learningRate: Double = 1e-4
    /// `--beta1`: Adam β1.
    @Option(help: "Adam β1.") public var beta1: Double = 0.5
    /// `--beta2`: Adam β2.
    @Option(help: "Adam β2.") public var beta2: Double = 0.999
    /// `--weight-decay`: Weight decay (L2 added to the gradient).
    @Option(help: "Weight decay (L2 added to the gradient).") public var weightDecay: Double = 5e-4
    /// `--milestones`: Epochs after which the rate is divided, comma-separated.
    @Option(help: "Epochs after which the rate is divided, comma-separated.")
    public var milestones: String = "10,18,25,32"
    /// `--gamma`: Factor applied at each milestone.
    @Option(help: "Factor applied at each milestone.") public var gamma: Double = 0.1
    /// `--seed`: Seed of weights, shuffles, crops, flips and dropout.
    @Option(help: "Seed of weights, shuffles, crops, flips and dropout.")
    public var seed: UInt64 = 0
    /// The `--crop` option.
    @Option(help: """
        Training crop, which is the network input: a side in pixels (at least 16, at most the \
        image side) or a fraction of the image side in (0, 1], e.g. 0.9 (the default: 90 of 100).
        """, transform: CropArgument.parse)
    public var crop: CropArgument?
    /// `--no-flip`: No horizontal flips.
    @Flag(help: "No horizontal flips.") public var noFlip = false
    /// `--no-dropout`: No dropout in the heads.
    @Flag(help: "No dropout in the heads.") public var noDropout = false
    /// `--run`: Run folder (checkpoint.h5, log.jsonl).
    @Option(help: "Run folder (checkpoint.h5, log.jsonl).") public var run: String
    /// `--resume`: Resume from the run folder's checkpoint.
    @Flag(help: "Resume from the run folder's checkpoint.") public var resume = false
    /// The `--overwrite` flag.
    @Flag(
        help:
            "Start again over a run already in the run folder (its checkpoint and log are deleted)."
    )
    public var overwrite = false

    /// Empty options, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
    public func validate() throws {
        guard !(resume && overwrite) else {
            throw ValidationError("--resume and --overwrite contradict each other: give one")
        }
        guard parsedMilestones() != nil else {
            throw ValidationError(
                "--milestones must be comma-separated epochs, got '\(milestones)'")
        }
        // Every option but the crop (which needs the image side) is checked here, before any
        // data is read.
        if let problem = options(imageSize: 100).problems().first {
            throw ValidationError(problem.description)
        }
    }

    /// What a fresh start does with an earlier run in the folder.
    public var existingRun: ExistingRunPolicy { overwrite ? .replace : .refuse }

    /// The crop (the network input side) for images of side `size` with the model's
    /// `--input` (when given), checked against the images and the network's minimum.
    /// - Throws: when `--input` and `--crop` disagree, or the side does not fit, naming both sizes.
    public func cropSide(imageSize size: Int, input: Int?, what: String) throws -> Int {
        let side: Int
        let option: String
        switch (crop, input) {
        case (let crop?, let input?):
            side = crop.pixels(imageSize: size)
            guard side == input else {
                throw ValidationError("--input \(input) and --crop \(crop) (\(side) pixels of "
                    + "\(size)) disagree: the model's input is the training crop; give one of them")
            }
            option = "--crop"
        case (let crop?, nil):
            side = crop.pixels(imageSize: size)
            option = "--crop \(crop)"
        case (nil, let input?):
            side = input
            option = "--input"
        case (nil, nil):
            side = Int((Double(size) * 0.9).rounded())
            option = "the default crop (90% of the image side)"
        }
        do { try InputSize.check(side, option: option, imageSize: size, what: what) } catch let e
            as InvalidOption
        {
            throw ValidationError(e.description)
        }
        return side
    }

    func parsedMilestones() -> [Int]? {
        let parts = milestones.split(separator: ",").map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        return parts.contains(nil) ? nil : parts.compactMap { $0 }
    }

    /// The options for images of side `size`.
    public func options(imageSize size: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.batchSize = batchSize
        o.learningRate = learningRate
        o.beta1 = beta1
        o.beta2 = beta2
        o.weightDecay = weightDecay
        o.milestones = parsedMilestones() ?? []
        o.gamma = gamma
        o.seed = seed
        o.crop = crop?.pixels(imageSize: size) ?? Int((Double(size) * 0.9).rounded())
        o.flip = !noFlip
        o.dropout = !noDropout
        return o
    }
}

/// A training crop side: pixels (`18`) or a fraction of the image side (`0.9`).
public enum CropArgument: Sendable, Equatable, CustomStringConvertible {
    /// A side in pixels.
    case pixels(Int)
    /// A fraction of the image side, in (0, 1].
    case fraction(Double)

    /// Reads an integer ≥ 1 as pixels, a number in (0, 1] as a fraction; nil otherwise.
    public init?(argument: String) {
        if let n = Int(argument) {
            guard n > 0 else { return nil }
            self = .pixels(n)
        } else if let x = Double(argument), x.isFinite, x > 0, x <= 1 {
            self = .fraction(x)
        } else {
            return nil
        }
    }

    /// Parses `--crop`, naming the value and the rule when it is neither.
    public static func parse(_ argument: String) throws -> CropArgument {
        guard let crop = CropArgument(argument: argument) else {
            throw ValidationError("--crop must be a side in pixels (an integer ≥ 1) or a fraction "
                + "of the image side in (0, 1], got '\(argument)'")
        }
        return crop
    }

    /// The value as given on the command line (`18`, `0.9`).
    public var description: String {
        switch self {
        case .pixels(let n): "\(n)"
        case .fraction(let x): "\(x)"
        }
    }

    /// The side in pixels for images of side `size` (a fraction rounds to the nearest pixel).
    public func pixels(imageSize size: Int) -> Int {
        switch self {
        case .pixels(let n): n
        case .fraction(let x): max(1, Int((Double(size) * x).rounded()))
        }
    }
}

/// Where the faces come from: a folder of face-set files, single files, or (by default) the
/// synthetic disturbed faces made in memory.
public struct DataArguments: ParsableArguments {
    /// The `--data` option.
    @Option(help: """
        Folder with train.h5, test.h5 and disturbance.h5 (as `ddl synth` or `ddl data prepare` \
        write them).
        """)
    public var data: String?
    /// `--train`: Expression training set (face-set file).
    @Option(help: "Expression training set (face-set file).") public var train: String?
    /// `--test`: Expression test set (face-set file).
    @Option(help: "Expression test set (face-set file).") public var test: String?
    /// `--disturbance`: Disturbance-labelled set (face-set file).
    @Option(help: "Disturbance-labelled set (face-set file).") public var disturbance: String?
    /// The `SyntheticArguments` option group.
    @OptionGroup(title: "Synthetic data (used when no file is given)")
    public var synthetic: SyntheticArguments

    /// Empty options, for ArgumentParser to fill in from the command line.
    public init() {}

    func file(_ explicit: String?, _ name: String) -> String? {
        if let explicit { return explicit }
        if let data { return data + "/" + name }
        return nil
    }

    /// Where a set comes from, for messages: its file, or "synthetic".
    public func source(of explicit: String?, _ name: String) -> String {
        file(explicit, name) ?? "synthetic"
    }

    func load(_ path: String, _ what: String) throws -> FaceSet {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError(
                "no \(what) at \(path)" + (data != nil ? " (does the --data folder hold it?)" : ""))
        }
        return try FaceSet.load(from: path)
    }

    /// The expression training and test sets.
    public func expressionSets() throws -> (train: FaceSet, test: FaceSet?) {
        if let data {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory),
                isDirectory.boolValue
            else {
                throw ValidationError("no data folder at \(data)")
            }
        }
        if let trainPath = file(train, "train.h5") {
            let testPath = file(test, "test.h5")
            return (
                try load(trainPath, "training set"), try testPath.map { try load($0, "test set") }
            )
        }
        let s = synthetic.expressionSets()
        if let test {
            // A test file alone (`ddl evaluate --test FILE`) replaces the synthetic test set.
            return (s.train, try load(test, "test set"))
        }
        return (s.train, s.test)
    }

    /// The test set alone (for `ddl evaluate`): `--test`, the `--data` folder's test.h5, or
    /// the synthetic test faces.
    public func testSet() throws -> FaceSet {
        if let path = file(test, "test.h5") { return try load(path, "test set") }
        return synthetic.expressionSets().test
    }

    /// The disturbance-labelled set.
    public func disturbanceSet() throws -> FaceSet {
        if let path = file(disturbance, "disturbance.h5") {
            return try load(path, "disturbance-labelled set")
        }
        return synthetic.disturbanceSet()
    }
}

/// The factors of a variant with the class counts of a data set (synthetic identities are
/// fewer than Multi-PIE's 337, for example).
func factors(of variant: Variant, in set: FaceSet) throws -> [Factor] {
    try variant.factors.map { f in
        guard let classes = set.factorClasses[f.name] else {
            throw ValidationError("\(variant.rawValue) needs \(f.name) labels; the disturbance "
                + "set has \(set.factorClasses.keys.sorted().joined(separator: ", "))")
        }
        return Factor(f.name, classes)
    }
}
