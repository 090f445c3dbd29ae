import Autodiff
import Foundation
import FastKernels
import TensorCore

/// The hyper-parameters of a training run; the defaults are the specification's
/// (Adam 1e-4, betas 0.5/0.999, weight decay 5e-4, ÷10 after epochs 10, 18, 25, 32,
/// 40 epochs, batch 16).
public struct TrainingOptions: Codable, Sendable, Equatable {
    /// Epochs to train.
    public var epochs = 40
    /// Images per batch.
    public var batchSize = 16
    /// Adam's initial learning rate.
    public var learningRate = 1e-4
    /// Adam's β1.
    public var beta1 = 0.5
    /// Adam's β2.
    public var beta2 = 0.999
    /// The weight decay.
    public var weightDecay = 5e-4
    /// Epochs after which the rate is multiplied by `gamma`.
    public var milestones = [10, 18, 25, 32]
    /// The factor the rate is multiplied by at each milestone.
    public var gamma = 0.1
    /// The run's seed: initial weights, shuffles, crops, flips and dropout masks.
    public var seed: UInt64 = 0
    /// Augmentation of the training images.
    public var crop = 90
    /// Whether training images are flipped at random.
    public var flip = true
    /// Dropout in the heads during training.
    public var dropout = true
    /// Resize, grayscale, rotation and colour jitter before the crop (nil: none, and the
    /// options' JSON is then what it was before preprocessing existed, so older checkpoints
    /// and run keys stay valid).
    public var preprocessing: Preprocessing?

    /// The defaults (the paper's settings).
    public init() {}

    /// The JSON keys (snake_case, like every file this code writes).
    enum CodingKeys: String, CodingKey {
        case epochs, beta1, beta2, milestones, gamma, seed, crop, flip, dropout, preprocessing
        case batchSize = "batch_size", learningRate = "learning_rate", weightDecay = "weight_decay"
    }

    /// The keys of checkpoints written before the options were snake_case.
    enum LegacyKeys: String, CodingKey {
        case batchSize, learningRate, weightDecay
    }

    /// Reads options written with snake_case keys, or with the camelCase keys of older
    /// checkpoints (so they still resume).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let legacy = try decoder.container(keyedBy: LegacyKeys.self)
        func either<T: Decodable>(_ key: CodingKeys, _ old: LegacyKeys) throws -> T {
            if let value = try c.decodeIfPresent(T.self, forKey: key) { return value }
            return try legacy.decode(T.self, forKey: old)
        }
        epochs = try c.decode(Int.self, forKey: .epochs)
        batchSize = try either(.batchSize, .batchSize)
        learningRate = try either(.learningRate, .learningRate)
        beta1 = try c.decode(Double.self, forKey: .beta1)
        beta2 = try c.decode(Double.self, forKey: .beta2)
        weightDecay = try either(.weightDecay, .weightDecay)
        milestones = try c.decode([Int].self, forKey: .milestones)
        gamma = try c.decode(Double.self, forKey: .gamma)
        seed = try c.decode(UInt64.self, forKey: .seed)
        crop = try c.decode(Int.self, forKey: .crop)
        flip = try c.decode(Bool.self, forKey: .flip)
        dropout = try c.decode(Bool.self, forKey: .dropout)
        preprocessing = try c.decodeIfPresent(Preprocessing.self, forKey: .preprocessing)
    }

    /// The options as one line of JSON.
    public var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? e.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Parses options written by `json`.
    public static func parse(_ json: String) throws -> TrainingOptions {
        try JSONDecoder().decode(TrainingOptions.self, from: Data(json.utf8))
    }

    /// An Adam optimiser with these options' rate, betas and weight decay.
    public func adam<S: TensorScalar>(
        _ parameters: [(name: String, variable: Variable<S>)]
    ) -> Adam<S> {
        Adam(
            parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
            weightDecay: weightDecay)
    }

    /// The schedule of the learning rate.
    public var schedule: MultiStepSchedule {
        MultiStepSchedule(base: learningRate, milestones: milestones, gamma: gamma)
    }

    /// The fields in which `other` differs, ignoring `epochs` (a resumed run may go longer).
    public func differences(from other: TrainingOptions) -> [String] {
        var a = self, b = other
        a.epochs = 0
        b.epochs = 0
        guard a != b else { return [] }
        let left =
            (try? JSONSerialization.jsonObject(with: Data(a.json.utf8))) as? [String: Any] ?? [:]
        let right =
            (try? JSONSerialization.jsonObject(with: Data(b.json.utf8))) as? [String: Any] ?? [:]
        return left.keys.sorted().filter { "\(left[$0] ?? "")" != "\(right[$0] ?? "")" }
            .map { "\($0): checkpoint \(right[$0] ?? "nil"), now \(left[$0] ?? "nil")" }
    }
}

/// What one epoch measured: every loss term, accuracies, the rate and the speed.
public struct EpochRecord: Codable, Sendable, Equatable {
    /// The stage the epoch belongs to (`ddm`, `dfem`, …).
    public var stage: String
    /// The epoch this record closes, counted from 1 (as the console and `best_epoch` count).
    public var epoch: Int
    /// The learning rate of the epoch (`lr` in the JSON).
    public var learningRate: Double
    /// Mean of each loss term over the epoch's batches (`loss`, `loss_ce`, `loss_adv`,
    /// `loss_at`, `loss_ad`; for a DFEM `loss` and `loss_<factor>`).
    public var losses: [String: Double]
    /// Accuracy on the training batches, if measured.
    public var trainAccuracy: Double?
    /// Accuracy on the test set, if evaluated after this epoch.
    public var testAccuracy: Double?
    /// A DFEM's accuracy per factor on its held-out faces (stage 1 with a held-out part).
    public var heldOutAccuracy: [String: Double]?
    /// Wall time of the epoch, in seconds.
    public var seconds: Double
    /// Training speed, in images per second.
    public var imagesPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case stage, epoch, losses, seconds
        case learningRate = "lr", trainAccuracy = "train_accuracy", testAccuracy = "test_accuracy"
        case imagesPerSecond = "images_per_second", heldOutAccuracy = "held_out_accuracy"
    }

    /// A record of epoch `epoch` (1-based).
    public init(
        stage: String, epoch: Int, learningRate: Double, losses: [String: Double],
        trainAccuracy: Double?,
        testAccuracy: Double?, heldOutAccuracy: [String: Double]? = nil, seconds: Double,
        imagesPerSecond: Double
    ) {
        self.stage = stage
        self.epoch = epoch
        self.learningRate = learningRate
        self.losses = losses
        self.trainAccuracy = trainAccuracy
        self.testAccuracy = testAccuracy
        self.heldOutAccuracy = heldOutAccuracy
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
    }

    /// One JSON line.
    public var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? e.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// A run that cannot go on, with what to do about it.
public enum TrainingError: Error, CustomStringConvertible, Sendable {
    /// A loss became NaN or infinite; the state before that step was saved.
    case nonFinite(loss: String, value: Double, epoch: Int, batch: Int, savedTo: String)
    /// A set has no usable image.
    case emptySet(String)
    /// The models and the data (or the DFEM checkpoints) do not match.
    case classMismatch(String)
    /// A resumed run differs from its checkpoint.
    case resumeMismatch(file: String, problems: [String])
    /// There is no checkpoint to resume from.
    case noCheckpoint(String)
    /// Saving the checkpoint after `epoch` (1-based) failed; any previous checkpoint is kept.
    case checkpointNotWritten(path: String, epoch: Int, reason: String)

    /// The error as one line, with what to do about it where there is something.
    public var description: String {
        switch self {
        case .nonFinite(let loss, let value, let epoch, let batch, let path):
            "\(loss) became \(value) at epoch \(epoch + 1), batch \(batch + 1); the state before "
                + "that step is saved in \(path) (try a lower --lr)"
        case .emptySet(let what): "\(what) has no usable image"
        case .classMismatch(let what): what
        case .resumeMismatch(let file, let problems):
            "\(file): cannot resume, the run differs: " + problems.joined(separator: "; ")
        case .checkpointNotWritten(let path, let epoch, let reason):
            "cannot save epoch \(epoch) to \(path) (\(reason)); "
                + (epoch > 1
                    ? "the checkpoint of epoch \(epoch - 1) is kept" : "no checkpoint was written")
        case .noCheckpoint(let file): "\(file): no checkpoint to resume from"
        }
    }
}
