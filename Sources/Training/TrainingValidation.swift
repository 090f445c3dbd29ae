import DDLModel
import FaceData
import Foundation

/// An option with a value that cannot work, named as on the command line with its value.
public struct InvalidOption: Error, CustomStringConvertible, Sendable, Equatable {
    /// The option (`--milestones`).
    public let option: String
    /// What is wrong, with the values.
    public let reason: String

    /// An error about `option`.
    public init(_ option: String, _ reason: String) {
        self.option = option
        self.reason = reason
    }

    /// The error as one line: `option: reason`.
    public var description: String { "\(option): \(reason)" }
}

/// Data that would give a meaningless result (a 0% accuracy, a zero loss) instead of an error.
public struct DegenerateDataError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong with the data.
    public let description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}

/// The network's input sides: five levels halve the input, so it must be at least 16.
public enum InputSize {
    /// The smallest input side the trunk accepts.
    public static let minimum = 16

    /// Refuses a network input (`option`, e.g. `--crop`) that is below the minimum or larger
    /// than images of side `imageSize` (`what`: "the training images").
    public static func check(_ input: Int, option: String, imageSize: Int, what: String) throws {
        guard input >= minimum else {
            throw InvalidOption(option, "\(input)×\(input) is smaller than the network's minimum "
                + "input \(minimum)×\(minimum) (five levels halve it)")
        }
        guard input <= imageSize else {
            throw InvalidOption(option, "the model input \(input)×\(input) is larger than "
                + "\(what), \(imageSize)×\(imageSize)")
        }
    }
}

extension TrainingOptions {
    /// Every option that cannot work, named as on the command line with its value; empty
    /// when all are usable.
    public func problems() -> [InvalidOption] {
        var p: [InvalidOption] = []
        if !(1...100_000).contains(epochs) {
            p.append(InvalidOption("--epochs", "must be in 1…100000, got \(epochs)"))
        }
        if !(1...65_536).contains(batchSize) {
            p.append(InvalidOption("--batch-size", "must be in 1…65536, got \(batchSize)"))
        }
        if !(learningRate.isFinite && learningRate > 0) {
            p.append(InvalidOption("--lr", "must be finite and positive, got \(learningRate)"))
        }
        for (name, beta) in [("--beta1", beta1), ("--beta2", beta2)] where !(beta >= 0 && beta < 1)
        {
            p.append(InvalidOption(name, "must be in [0, 1), got \(beta)"))
        }
        if !(weightDecay.isFinite && weightDecay >= 0) {
            p.append(InvalidOption("--weight-decay", "must be finite and ≥ 0, got \(weightDecay)"))
        }
        if !(gamma.isFinite && gamma > 0) {
            p.append(InvalidOption("--gamma", "must be finite and positive, got \(gamma)"))
        }
        let list = milestones.map(String.init).joined(separator: ",")
        if milestones.contains(where: { $0 < 1 }) {
            p.append(InvalidOption("--milestones", "epochs must be positive, got \(list)"))
        } else if zip(milestones, milestones.dropFirst()).contains(where: { $0 >= $1 }) {
            p.append(
                InvalidOption("--milestones", "epochs must be strictly increasing, got \(list)"))
        }
        if crop < 1 { p.append(InvalidOption("--crop", "must be positive, got \(crop)")) }
        p += preprocessing?.problems() ?? []
        return p
    }

    /// Throws the first of `problems()`.
    public func validate() throws {
        if let first = problems().first { throw first }
    }

    /// Refuses a crop (the network input) below the network's minimum or larger than the
    /// images (after the preprocessing's resize, when it has one).
    func checkCrop(imageSize size: Int, what: String) throws {
        if let resize = preprocessing?.resize {
            try InputSize.check(
                crop, option: "--crop", imageSize: resize,
                what: "\(what) resized to \(resize) (--resize, from \(size)×\(size))")
        } else {
            try InputSize.check(crop, option: "--crop", imageSize: size, what: what)
        }
    }

    /// The augmentation of these options' training images (`flip` as given).
    public func augmentation(flip: Bool) -> Augmentation {
        Augmentation(crop: crop, flip: flip, preprocessing: preprocessing ?? .plain)
    }
}

/// A rough bound on the memory a training run needs, checked before anything is allocated.
public enum TrainingMemory {
    /// Bytes for the weights of the DDM (with gradients and both Adam moments), of the frozen
    /// DFEMs, and the activations of one batch (a rough multiple of the input batch).
    public static func estimate(
        _ config: DDLConfig, batchSize: Int, dfemScalars: Double
    ) -> (bytes: Double, weights: Double) {
        let weights = ModelSize.ddmScalars(config)
        let side = Double(config.inputSize)
        let activations = Double(batchSize) * side * side * Double(config.width) * 32
        return (4 * (4 * weights + dfemScalars + activations), weights)
    }

    /// Refuses a run that cannot fit in this machine's memory, naming the sizes.
    public static func check(_ config: DDLConfig, batchSize: Int, dfemScalars: Double = 0) throws {
        let problems = ModelSize.boundProblems(config)
        if let first = problems.first {
            let option =
                first.hasPrefix("width")
                ? "--width" : first.hasPrefix("input") ? "--input" : "--classes"
            throw InvalidOption(option, problems.joined(separator: "; "))
        }
        let (bytes, weights) = estimate(config, batchSize: batchSize, dfemScalars: dfemScalars)
        let memory = ModelSize.physicalMemory
        guard bytes <= memory * 0.9 else {
            throw InvalidOption("--width \(config.width) --batch-size \(batchSize)",
                                "the run needs about "
                                    + "\(ModelSize.describe(bytes: bytes)) (\(Int(weights)) DDM "
                                    + "weights with gradients and Adam state, and the activations "
                                    + "of a batch of "
                                    + "\(config.inputSize)×\(config.inputSize) images), more than "
                                    + "this machine's \(ModelSize.describe(bytes: memory))")
        }
    }
}

extension FaceSet {
    /// The number of images with an expression label.
    var labelledExpressions: Int { expressions.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
}
