import Autodiff
import DDLModel
import FaceData
import Foundation
import HDF5Files
import Layers
import FastKernels
import TensorCore

/// Stage 1: multi-task training of a DFEM on disturbance-labelled faces (Eq. 1), missing
/// labels (−1) ignored.
public final class DFEMTraining {
    /// The DFEM trained.
    public let dfem: DFEM<Float>
    /// The model configuration.
    public let config: DDLConfig
    /// The training options.
    public let options: TrainingOptions
    /// The run folder (checkpoint, log).
    public let directory: String
    let optimizer: Adam<Float>
    let set: FaceSet
    /// The run's state: epoch, options, best result.
    public private(set) var state: RunState

    /// The checkpoint of a run directory.
    public var checkpointPath: String { directory + "/checkpoint.h5" }
    /// The run's epoch log (JSON lines).
    public var logPath: String { directory + "/log.jsonl" }

    /// Faces kept out of training and scored after every epoch (`DFEMHeldOut.split`).
    public let heldOut: FaceSet?
    /// The held-out accuracy per factor after the last epoch run (empty before).
    public private(set) var heldOutResults: [FactorAccuracy] = []

    /// The lock that makes this process the run folder's only owner while the run lives.
    let lock: RunFolderLock

    /// A run on `set` with the DFEM of `config` (its `factors` are the DFEM's heads);
    /// resumes from `directory/checkpoint.h5` when `resume` is set.
    ///
    /// The options, the sizes and the data are checked first (every head needs at least one
    /// labelled face, or its loss would be a silent 0); then the folder is locked as by
    /// `DDMTraining`.
    ///
    /// - Parameters:
    ///   - existingRun: what a fresh start does with a run already in the folder.
    ///   - trunk: a checkpoint whose `trunk.*` entries start the DFEM's trunk (fresh start only).
    ///   - heldOut: faces to score each factor on after every epoch (not trained on).
    public init(
        config: DDLConfig, options: TrainingOptions, set: FaceSet, directory: String, resume: Bool,
        existingRun: ExistingRunPolicy = .replace, trunk: String? = nil, heldOut: FaceSet? = nil
    ) throws {
        try options.validate()
        guard set.count > 0 else { throw TrainingError.emptySet("the disturbance-labelled set") }
        for f in config.factors {
            guard let classes = set.factorClasses[f.name] else {
                throw TrainingError.classMismatch("the DFEM has a \(f.name) head but the set has "
                    + "no \(f.name) labels (it has "
                    + "\(set.factorClasses.keys.sorted().joined(separator: ", ")))")
            }
            guard classes == f.classes else {
                throw TrainingError.classMismatch("the DFEM's \(f.name) head has "
                    + "\(f.classes) classes, the set's labels \(classes)")
            }
            guard set.factors[f.name]?.contains(where: { $0 >= 0 }) == true else {
                throw DegenerateDataError("the disturbance-labelled set has no \(f.name) label at "
                    + "all (all \(set.count) are −1), so the \(f.name) head would learn nothing")
            }
        }
        try options.checkCrop(imageSize: set.size, what: "the disturbance-labelled images")
        try TrainingMemory.check(config, batchSize: options.batchSize)
        lock = try RunFolderLock(directory: directory)
        try lock.checkFreshStart(resume: resume, policy: existingRun)
        self.config = config
        self.options = options
        self.set = set
        self.directory = directory
        self.heldOut = heldOut
        dfem = DFEM(
            width: config.width, factors: config.factors, finalPReLU: config.finalPReLU,
            seed: deriveSeed(options.seed, "dfem", 0))
        if let trunk, !resume { try dfem.trunk.load(fromCheckpoint: trunk) }
        optimizer = options.adam(dfem.namedParameters())
        var now = RunState(epoch: 0, options: options)
        now.dataDigests["disturbance"] = ContentDigest.of(set)
        if let heldOut { now.dataDigests["held_out"] = ContentDigest.of(heldOut) }
        state = now
        if resume {
            var saved = config
            saved.factors = dfem.factors
            let (root, resumed) = try RunState.resume(
                from: checkpointPath, options: options, config: saved, now: now)
            try Checkpoint.load(into: dfem, kind: .dfem, from: checkpointPath)
            try optimizer.read(from: root.group("optimizer").group("dfem"))
            state = resumed
            try EpochLog(path: logPath).truncate(afterEpoch: state.epoch, header: header)
        } else {
            try RunFolderLock.removeRun(in: directory)
            try EpochLog(path: logPath).start(header)
        }
    }

    /// The first line of the run's log.
    var header: RunHeader {
        RunHeader(stage: "dfem", options: options, config: config, dataDigests: state.dataDigests)
    }

    /// Factors whose label a horizontal flip would change (a yaw or a light direction
    /// mirrors), so training images are not flipped when the DFEM has such a head.
    public static let flipSensitiveFactors: Set<String> = ["pose", "illumination"]

    /// Whether training images are flipped: as asked, unless a head's label would change.
    public var flips: Bool {
        options.flip && config.factors.allSatisfy { !Self.flipSensitiveFactors.contains($0.name) }
    }

    /// Trains until `options.epochs`, checkpointing after every epoch.
    public func run(report: (TrainingEvent) -> Void = { _ in }) throws {
        let log = EpochLog(path: logPath)
        let augmentation = options.augmentation(flip: flips)
        if options.flip && !flips {
            report(
                .note("no horizontal flips: a flip would change the pose and illumination labels"))
        }
        if state.epoch > 0 { report(.note("resumed \(checkpointPath) after epoch \(state.epoch)")) }
        while state.epoch < options.epochs {
            let epoch = state.epoch
            optimizer.learningRate = options.schedule.rate(epoch: epoch)
            var g = RandomGenerator(seed: deriveSeed(options.seed, "augment", epoch))
            let random = RandomSource(seed: deriveSeed(options.seed, "dropout", epoch))
            let mode = Mode(training: true, dropout: options.dropout, random: random)
            let batches = EpochOrder(
                count: set.count, batchSize: options.batchSize, seed: options.seed, epoch: epoch,
                dropLast: set.count > options.batchSize
            ).batches
            var sums: [String: Double] = [:]
            let clock = ContinuousClock(), start = clock.now
            var seen = 0
            for (b, batch) in batches.enumerated() {
                let x = Variable(
                    augmentation.batch(
                        set, indices: batch, training: true, generator: &g, as: Float.self))
                var labels: [String: [Int]] = [:]
                for f in config.factors {
                    labels[f.name] = batch.map { set.factors[f.name]?[$0] ?? -1 }
                }
                let losses = try DFEMStep.run(
                    dfem: dfem, optimizer: optimizer, x: x, labels: labels, mode: mode
                ) { loss, name in
                    let value = Double(loss.value.scalar)
                    guard value.isFinite else {
                        let path = directory + "/nonfinite.h5"
                        try save(to: path)
                        throw TrainingError.nonFinite(
                            loss: name, value: value, epoch: epoch, batch: b, savedTo: path)
                    }
                }
                for (name, value) in losses { sums[name, default: 0] += value }
                seen += batch.count
                let elapsed = seconds(clock.now - start)
                report(
                    .batch(
                        stage: "dfem", epoch: epoch, epochs: options.epochs, batch: b,
                        batches: batches.count,
                        loss: (sums["loss"] ?? 0) / Double(b + 1), accuracy: nil,
                        imagesPerSecond: Double(seen) / max(elapsed, 1e-9)))
            }
            let elapsed = seconds(clock.now - start)
            var record = EpochRecord(
                stage: "dfem", epoch: epoch + 1, learningRate: optimizer.learningRate,
                losses: sums.mapValues { $0 / Double(max(batches.count, 1)) }, trainAccuracy: nil,
                testAccuracy: nil,
                seconds: elapsed, imagesPerSecond: Double(seen) / max(elapsed, 1e-9))
            if let heldOut {
                heldOutResults = DFEMHeldOut.evaluate(
                    dfem, on: heldOut, crop: options.crop, preprocessing: augmentation.preprocessing
                )
                record.heldOutAccuracy = Dictionary(
                    uniqueKeysWithValues: heldOutResults.map { ($0.factor, $0.accuracy) })
            }
            state.epoch += 1
            do { try save(to: checkpointPath) } catch {
                state.epoch -= 1
                throw TrainingError.checkpointNotWritten(
                    path: checkpointPath, epoch: state.epoch + 1, reason: "\(error)")
            }
            try log.append(record)
            report(.epoch(record))
        }
    }

    /// Writes the DFEM, its optimiser and the run state atomically.
    public func save(to path: String) throws {
        var c = config
        c.factors = dfem.factors
        try Checkpoint.save(
            dfem, metadata: CheckpointMetadata(model: .dfem, config: c, epoch: state.epoch),
            to: path
        ) { root in
            try self.optimizer.write(to: root.createGroup("optimizer").createGroup("dfem"))
            try self.state.write(to: root)
        }
    }
}

/// A duration in seconds.
func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
