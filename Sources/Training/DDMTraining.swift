import Autodiff
import DDLModel
import FaceData
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HDF5Files
import Layers
import FastKernels
import TensorCore

/// Stage 2: the DDM of a Table 1 variant with its frozen DFEMs and the discriminator D.
/// Each batch: one D step on `L_AD` (Eq. 6), then one DDM step on the joint loss (Eq. 11);
/// the baselines train on `L_CE` alone.
public final class DDMTraining {
    /// The DDM trained.
    public let ddm: DDM<Float>
    /// The discriminator D (nil for the variants without `L_AD`).
    public let discriminator: Discriminator<Float>?
    /// The frozen DFEMs.
    public let dfems: [DFEM<Float>]
    /// The model configuration.
    public let config: DDLConfig
    /// The training options.
    public let options: TrainingOptions
    /// The run folder (checkpoint, log).
    public let directory: String
    let optimizer: Adam<Float>
    let discriminatorOptimizer: Adam<Float>?
    let train: FaceSet
    let test: FaceSet?
    /// The run's state: epoch, options, best result.
    public private(set) var state: RunState

    /// The run's checkpoint, rewritten after every epoch.
    public var checkpointPath: String { directory + "/checkpoint.h5" }
    /// The run's epoch log (JSON lines).
    public var logPath: String { directory + "/log.jsonl" }
    /// The checkpoint of the epoch with the best test accuracy so far (test-set selection),
    /// written beside `checkpointPath` when there is a test set.
    public var bestCheckpointPath: String { directory + "/best.h5" }

    /// How the training faces become inputs, recorded in every checkpoint for `ddl predict`.
    public let input: InputSpec
    /// The first line of the run's log.
    var header: RunHeader {
        RunHeader(stage: "ddm", options: options, config: config, dataDigests: state.dataDigests)
    }

    /// Whether the test set is evaluated after every epoch (for the log and the best epoch)
    /// or only after the last; the weights are the same either way.
    public let evaluateEveryEpoch: Bool

    /// The lock that makes this process the run folder's only owner while the run lives.
    let lock: RunFolderLock

    /// A run of `config` on `train` (evaluated on `test`), with the DFEMs of `dfemPaths` (one
    /// per factor group of the configuration; none for baselines).
    ///
    /// Everything is checked before any work: the options (`TrainingOptions.problems`), the
    /// sizes against this machine's memory, the crop against the images and the network, and
    /// the data (a labelled training and test face at least). Then the run folder is locked
    /// (`RunFolderLock`: a second process is refused, naming the holder's pid), and stale
    /// temporary files of killed runs are removed.
    ///
    /// - Parameters:
    ///   - resume: continue from `directory/checkpoint.h5`, refused when the options, the
    ///     model, the data's content or the DFEM checkpoints' content (SHA-256) differ.
    ///   - existingRun: what a fresh start does with a run already in the folder (the command
    ///     line refuses it unless `--overwrite`); `.replace` deletes its log and checkpoint.
    ///   - trunk: a checkpoint whose `trunk.*` entries start S_g (`ddl pretrain-trunk`, or any
    ///     DDM or DFEM of the same width); used on a fresh start only, since a resumed run's
    ///     own checkpoint holds its trunk.
    ///   - evaluateEveryEpoch: evaluate the test set after every epoch (default) or only
    ///     after the last one.
    public init(
        config: DDLConfig, options: TrainingOptions, train: FaceSet, test: FaceSet?,
        dfemPaths: [String],
        directory: String, resume: Bool, existingRun: ExistingRunPolicy = .replace,
        trunk: String? = nil,
        evaluateEveryEpoch: Bool = true
    ) throws {
        try options.validate()
        guard train.count > 0, train.labelledExpressions > 0 else {
            throw TrainingError.emptySet(
                "the expression training set (\(train.count) faces, none with an expression label)")
        }
        if let test, test.labelledExpressions == 0 {
            throw DegenerateDataError("the test set has no labelled face "
                + "(\(test.count) faces\(test.count > 0 ? ", every expression −1" : "")), so "
                + "every accuracy would be 0%")
        }
        for (s, what) in [(train, "the training images")]
            + (test.map { [($0, "the test images")] } ?? [])
        {
            guard s.expressionClasses == config.classes else {
                throw TrainingError.classMismatch("the model has \(config.classes) expression "
                    + "classes, the data \(s.expressionClasses)")
            }
            try options.checkCrop(imageSize: s.size, what: what)
        }
        try TrainingMemory.check(config, batchSize: options.batchSize)
        lock = try RunFolderLock(directory: directory)
        try lock.checkFreshStart(resume: resume, policy: existingRun)
        self.config = config
        self.options = options
        self.train = train
        self.test = test
        self.directory = directory
        self.evaluateEveryEpoch = evaluateEveryEpoch
        input = InputSpec(
            imageSize: train.size, inputSize: options.crop, classNames: train.expressionClassNames,
            resize: options.preprocessing?.resize,
            grayscale: options.preprocessing?.grayscale == true ? true : nil)
        var now = RunState(epoch: 0, options: options, dfemPaths: dfemPaths)
        now.dataDigests["train"] = ContentDigest.of(train)
        if let test { now.dataDigests["test"] = ContentDigest.of(test) }
        ddm = DDM(config, seed: deriveSeed(options.seed, "ddm", 0))
        if let trunk, !resume { try ddm.trunk.load(fromCheckpoint: trunk) }
        optimizer = options.adam(ddm.namedParameters())
        if config.variant.usesDisturbanceBranch {
            var g = RandomGenerator(seed: deriveSeed(options.seed, "discriminator", 0))
            let d = Discriminator<Float>(generator: &g)
            discriminator = d
            discriminatorOptimizer = options.adam(d.namedParameters())
            let groups = config.dfemFactorGroups
            guard dfemPaths.count == groups.count else {
                let names = groups.map { $0.map(\.name).joined(separator: "+") }
                throw TrainingError.classMismatch(
                    "\(config.variant.rawValue) (\(config.preset.rawValue)) needs \(groups.count) "
                        + "DFEM checkpoint(s) for \(names.joined(separator: ", ")), "
                        + "got \(dfemPaths.count)")
            }
            var loaded: [DFEM<Float>] = []
            for (path, factors) in zip(dfemPaths, groups) {
                let (dfem, meta) = try DFEM<Float>.load(from: path)
                guard meta.config.width == config.width else {
                    throw TrainingError.classMismatch(
                        "\(path): DFEM width \(meta.config.width), DDM width \(config.width)")
                }
                guard Set(dfem.factors.map(\.name)) == Set(factors.map(\.name)) else {
                    throw TrainingError.classMismatch("\(path): DFEM factors "
                        + "\(dfem.factors.map(\.name)), the variant needs \(factors.map(\.name))")
                }
                loaded.append(dfem)
                now.dfemDigests.append(try ContentDigest.ofFile(atPath: path))
            }
            dfems = loaded
        } else {
            discriminator = nil
            discriminatorOptimizer = nil
            dfems = []
        }
        state = now
        if resume {
            let (root, saved) = try RunState.resume(
                from: checkpointPath, options: options, config: config, now: now)
            try Checkpoint.load(into: ddm, kind: .ddm, from: checkpointPath)
            try optimizer.read(from: root.group("optimizer").group("ddm"))
            if let discriminator, let discriminatorOptimizer {
                try discriminator.readState(from: root.group("discriminator").group("state_dict"))
                try Checkpoint.checkFinite(
                    discriminator, file: checkpointPath, prefix: "discriminator/state_dict/")
                try discriminatorOptimizer.read(
                    from: root.group("optimizer").group("discriminator"))
            }
            state = saved
            try EpochLog(path: logPath).truncate(afterEpoch: state.epoch, header: header)
        } else {
            try RunFolderLock.removeRun(in: directory)
            try EpochLog(path: logPath).start(header)
        }
    }

    /// Trains until `options.epochs`, evaluating on the test set and checkpointing after every
    /// epoch.
    public func run(report: (TrainingEvent) -> Void = { _ in }) throws {
        let log = EpochLog(path: logPath)
        let augmentation = options.augmentation(flip: options.flip)
        if state.epoch > 0 { report(.note("resumed \(checkpointPath) after epoch \(state.epoch)")) }
        let labelled = train.expressions.indices.filter { train.expressions[$0] >= 0 }
        while state.epoch < options.epochs {
            let epoch = state.epoch
            let rate = options.schedule.rate(epoch: epoch)
            optimizer.learningRate = rate
            discriminatorOptimizer?.learningRate = rate
            var g = RandomGenerator(seed: deriveSeed(options.seed, "augment", epoch))
            let mode = Mode(
                training: true, dropout: options.dropout,
                random: RandomSource(seed: deriveSeed(options.seed, "dropout", epoch)))
            let batches = EpochOrder(
                count: labelled.count, batchSize: options.batchSize, seed: options.seed,
                epoch: epoch,
                dropLast: labelled.count > options.batchSize
            ).batches.map { $0.map { labelled[$0] } }
            var sums: [String: Double] = [:]
            var correct = 0, seen = 0
            let clock = ContinuousClock(), start = clock.now
            for (b, batch) in batches.enumerated() {
                let x = Variable(
                    augmentation.batch(
                        train, indices: batch, training: true, generator: &g, as: Float.self))
                let labels = batch.map { train.expressions[$0] }
                let terms = try step(x, labels: labels, mode: mode, epoch: epoch, batch: b)
                for (k, v) in terms.losses { sums[k, default: 0] += v }
                correct += zip(terms.predictions, labels).filter { $0 == $1 }.count
                seen += batch.count
                let elapsed = seconds(clock.now - start)
                report(
                    .batch(
                        stage: "ddm", epoch: epoch, epochs: options.epochs, batch: b,
                        batches: batches.count,
                        loss: (sums["loss"] ?? 0) / Double(b + 1),
                        accuracy: Double(correct) / Double(seen),
                        imagesPerSecond: Double(seen) / max(elapsed, 1e-9)))
            }
            let elapsed = seconds(clock.now - start)
            let evaluated = evaluateEveryEpoch || epoch + 1 == options.epochs
            let testAccuracy =
                evaluated
                ? test.map { evaluate(ddm, on: $0, augmentation: augmentation).accuracy } : nil
            var improved = false
            if let testAccuracy, testAccuracy > (state.bestAccuracy ?? -1) {
                state.bestAccuracy = testAccuracy
                state.bestEpoch = epoch + 1
                improved = true
            }
            let record = EpochRecord(
                stage: "ddm", epoch: epoch + 1, learningRate: rate,
                losses: sums.mapValues { $0 / Double(max(batches.count, 1)) },
                trainAccuracy: Double(correct) / Double(max(seen, 1)), testAccuracy: testAccuracy,
                seconds: elapsed, imagesPerSecond: Double(seen) / max(elapsed, 1e-9))
            state.epoch += 1
            try saveCheckpoint()
            if improved { try saveBest() }
            try log.append(record)
            report(.epoch(record))
        }
    }

    /// One batch: the D step on `L_AD`, then the DDM step on the joint loss (or `L_CE`).
    func step(
        _ x: Variable<Float>, labels: [Int], mode: Mode, epoch: Int, batch: Int
    ) throws -> (losses: [String: Double], predictions: [Int]) {
        let result = try DDLStep.run(
            ddm: ddm, dfems: dfems, discriminator: discriminator, optimizer: optimizer,
            discriminatorOptimizer: discriminatorOptimizer, x: x, labels: labels, mode: mode
        ) { loss, name in try self.check(loss, name, epoch, batch) }
        return result
    }

    func check(_ loss: Variable<Float>, _ name: String, _ epoch: Int, _ batch: Int) throws {
        let value = Double(loss.value.scalar)
        guard value.isFinite else {
            let path = directory + "/nonfinite.h5"
            try save(to: path)
            throw TrainingError.nonFinite(
                loss: name, value: value, epoch: epoch, batch: batch, savedTo: path)
        }
    }

    /// Saves the run's checkpoint after an epoch; a failed write (a full disk) keeps the
    /// previous one and says so.
    func saveCheckpoint() throws {
        do { try save(to: checkpointPath) } catch {
            state.epoch -= 1
            throw TrainingError.checkpointNotWritten(
                path: checkpointPath, epoch: state.epoch + 1, reason: "\(error)")
        }
    }

    /// Makes `best.h5` the state just saved, after an epoch that improved the test accuracy:
    /// a hard link to `checkpoint.h5` under a temporary name renamed into place (atomic, and
    /// no extra disk until the next epoch replaces `checkpoint.h5`), or a written copy where
    /// links fail; a failed write keeps the previous best and says so.
    func saveBest() throws {
        let temporary = directory + "/.best.h5" + HDF5File.temporaryMarker + "\(getpid())"
        unlink(temporary)
        if link(checkpointPath, temporary) == 0 {
            if rename(temporary, bestCheckpointPath) == 0 { return }
            unlink(temporary)
        }
        do { try save(to: bestCheckpointPath) } catch {
            throw TrainingError.checkpointNotWritten(
                path: bestCheckpointPath, epoch: state.epoch, reason: "\(error)")
        }
    }

    /// Writes the DDM, D, both optimisers and the run state atomically.
    public func save(to path: String) throws {
        try Checkpoint.save(
            ddm,
            metadata: CheckpointMetadata(
                model: .ddm, config: config, epoch: state.epoch, input: input), to: path
        ) { root in
            let o = try root.createGroup("optimizer")
            try self.optimizer.write(to: o.createGroup("ddm"))
            if let d = self.discriminator, let dOptimizer = self.discriminatorOptimizer {
                try d.writeState(to: root.createGroup("discriminator").createGroup("state_dict"))
                try dOptimizer.write(to: o.createGroup("discriminator"))
            }
            try self.state.write(to: root)
        }
    }
}
