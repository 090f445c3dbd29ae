import DDLModel
import FaceData
import FaceDatasets
import Foundation
import FastKernels
import TensorCore
import Training

/// Where the runs' trunk S_g starts from.
public enum TrunkSource: Sendable, Equatable {
    /// Random initialisation, as PyTorch's.
    case scratch
    /// The `trunk.*` entries of a checkpoint (`ddl pretrain-trunk`, or any DDM or DFEM).
    case checkpoint(String)
    /// Pre-trained once on `train` (tested on `test`) and stored in the results folder, as the
    /// paper pre-trains on AffectNet: the files of a prepared cache, or the synthetic set.
    case pretrain(train: String?, test: String?)
}

/// What a reproduction produced: every run of the requested databases, arms and seeds,
/// which of them were reused from the store, and how well each DFEM learnt its factors.
public struct ExperimentResults: Sendable {
    /// Every run of the experiment, trained or reused.
    public var runs: [RunResult]
    /// The stored runs that were reused rather than trained.
    public var reused: [RunResult]
    /// Per database and factor group (`"Wild-like (synthetic)": ["identity+pose+…": …]`).
    public var dfemQuality: [String: [String: [FactorAccuracy]]]
    /// The trunk the runs started from (`scratch`, a checkpoint path and digest, or the
    /// pre-training's key).
    public var trunk: String
}

/// Runs an experiment: every arm on every database, fold by fold and seed by seed (seed ×
/// fold is one paired run, the same for every arm), storing each finished run under the
/// digest of everything that determines it and reusing stored runs whose digest matches.
public final class ExperimentRunner {
    /// The databases run.
    public let databases: [Table2Database]
    /// The arms (variants and loss weights) run on each database.
    public let arms: [Arm]
    /// The preset of every run.
    public let preset: Preset
    /// How large the runs are.
    public let scale: ReproductionScale
    /// The training seeds run per fold.
    public let seeds: [UInt64]
    /// Where the runs' trunk comes from.
    public let trunkSource: TrunkSource
    /// Where finished runs are stored and found.
    public let store: ResultStore
    /// Fraction of the DFEM's subjects held out to score its factors (`DFEMHeldOut`).
    public let dfemHoldOut = 0.125
    let report: (String) -> Void
    let trainingEvents: (TrainingEvent) -> Void

    /// An experiment; results go to `out` (runs, DFEMs, the pre-trained trunk, work folders).
    public init(
        databases: [Table2Database], arms: [Arm], preset: Preset, scale: ReproductionScale,
        seeds: [UInt64],
        trunk: TrunkSource = .scratch, out: String,
        report: @escaping (String) -> Void = { _ in },
        trainingEvents: @escaping (TrainingEvent) -> Void = { _ in }
    ) {
        self.databases = databases
        self.arms = arms
        self.preset = preset
        self.scale = scale
        self.seeds = seeds
        self.trunkSource = trunk
        self.store = ResultStore(directory: out, setting: "\(scale.name)-\(preset.rawValue)")
        self.report = report
        self.trainingEvents = trainingEvents
    }

    func crop(_ size: Int) -> Int { Int((Double(size) * 0.9).rounded()) }

    func options(crop: Int, epochs: Int, seed: UInt64) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.batchSize = scale.batchSize
        o.learningRate = scale.learningRate
        o.milestones = scale.milestones
        o.crop = crop
        o.seed = seed
        return o
    }

    /// Runs what is missing; returns every result of the requested databases, arms and seeds.
    public func run() throws -> ExperimentResults {
        var results = ExperimentResults(runs: [], reused: [], dfemQuality: [:], trunk: "scratch")
        var trunkCache: [Int: (path: String?, digest: String)] = [:]
        for db in databases {
            let faces = try db.load()
            let (dataDigest, splits) = try prepare(db, faces)
            let size = splits.first?.train.size ?? 0
            if trunkCache[size] == nil { trunkCache[size] = try trunk(imageSize: size) }
            let trunk = trunkCache[size] ?? (nil, "scratch")
            results.trunk = trunk.path.map { "\($0) (\(trunk.digest.prefix(16)))" } ?? "scratch"
            var disturbance: (set: FaceSet, digest: String)? = nil
            var dfemCache: [Variant: [(path: String, key: String, factors: [Factor])]] = [:]
            var reusedHere = 0, trainedHere = 0
            for seed in seeds {
                for arm in arms {
                    for (fold, split) in splits.enumerated() {
                        var dfems: [(path: String, key: String, factors: [Factor])] = []
                        if arm.variant.usesDisturbanceBranch {
                            if disturbance == nil { disturbance = try disturbanceSet(db) }
                            if let cached = dfemCache[arm.variant] {
                                dfems = cached
                            } else if let d = disturbance {
                                dfems = try self.dfems(
                                    for: arm.variant, database: db, disturbance: d, trunk: trunk,
                                    results: &results)
                                dfemCache[arm.variant] = dfems
                            }
                        }
                        let (config, o, key) = try runSettings(
                            db: db, dataDigest: dataDigest, arm: arm, fold: fold,
                            folds: splits.count,
                            seed: seed, split: split, dfems: dfems, trunkDigest: trunk.digest)
                        switch store.lookup(database: db.name, arm: arm, key: key) {
                        case .done(let r):
                            results.runs.append(r)
                            results.reused.append(r)
                            reusedHere += 1
                            continue
                        case .corrupt(let path, let reason):
                            report("\(path): \(reason); running it again")
                        case .missing:
                            break
                        }
                        let r = try train(
                            db: db, arm: arm, fold: fold, seed: seed, split: split, config: config,
                            options: o,
                            dfemPaths: dfems.map(\.path), trunk: trunk.path, key: key)
                        try store.store(r, arm: arm, key: key)
                        trainedHere += 1
                        report(
                            "\(db.name) \(arm.name) seed \(seed) fold \(fold + 1)/\(splits.count): "
                                + String(format: "%.2f%%", r.accuracy * 100)
                                + " (\(Int(r.seconds)) s)")
                        results.runs.append(r)
                    }
                }
            }
            if reusedHere > 0 {
                report("\(db.name): reused \(reusedHere) stored run(s) with unchanged settings, "
                    + "data and code, trained \(trainedHere)")
            }
        }
        return results
    }

    /// The disturbance-labelled set of a database and its digest (of its file, when it has one).
    func disturbanceSet(_ db: Table2Database) throws -> (set: FaceSet, digest: String) {
        let set = try db.disturbance()
        return (
            set, try db.disturbanceFile.map { try SHA256Digest.hexOfFile(atPath: $0) } ?? set.digest
        )
    }

    /// The settings of one run (model, training options) and its key: the digest of them,
    /// the scale, the data, the fold, the DFEMs' keys and the trunk's.
    func runSettings(
        db: Table2Database, dataDigest: String, arm: Arm, fold: Int, folds: Int, seed: UInt64,
        split: (train: FaceSet, test: FaceSet),
        dfems: [(path: String, key: String, factors: [Factor])], trunkDigest: String
    ) throws -> (config: DDLConfig, options: TrainingOptions, key: RunKey) {
        let config = modelConfig(
            arm: arm, imageSize: split.train.size, classes: split.train.expressionClasses,
            factors: dfems.flatMap(\.factors))
        let o = trainingOptions(for: db, imageSize: split.train.size, seed: seed)
        var fields = scale.fields
        fields["batch_size"] = "\(o.batchSize)"
        if let p = o.preprocessing { fields["preprocessing"] = p.description }
        fields["database"] = db.name
        fields["data"] = dataDigest
        fields["fold"] = "\(fold) of \(folds)"
        fields["preset"] = preset.rawValue
        fields["model"] = config.json
        fields["options"] = o.json
        fields["dfems"] = dfems.map(\.key).joined(separator: ",")
        fields["trunk"] = trunkDigest
        return (config, o, RunKey(fields))
    }

    /// The data digest and the (train, test) pair of every fold.
    func prepare(
        _ db: Table2Database, _ faces: DatabaseFaces
    ) throws -> (String, [(train: FaceSet, test: FaceSet)]) {
        let digest: String
        if db.files.isEmpty {
            switch faces {
            case .folds(let all, let test):
                digest = SHA256Digest.hex(ofString: all.digest + (test?.digest ?? ""))
            case .trainTest(let train, let test):
                digest = SHA256Digest.hex(ofString: train.digest + test.digest)
            case .splits(let splits):
                digest = SHA256Digest.hex(
                    ofString: splits.map { $0.train.digest + $0.test.digest }.joined())
            }
        } else {
            digest = SHA256Digest.hex(
                ofString: try db.files.map { try SHA256Digest.hexOfFile(atPath: $0) }.joined(
                    separator: ","))
        }
        switch faces {
        case .splits(let given):
            for (fold, split) in given.enumerated() {
                try Self.checkLabelled(
                    split.train, "\(db.name) fold \(fold + 1): the training faces")
                try Self.checkLabelled(split.test, "\(db.name) fold \(fold + 1): the test faces")
            }
            return (digest, given.map { ($0.train, $0.test) })
        case .trainTest(let train, let test):
            try Self.checkLabelled(train, "\(db.name): the training set")
            try Self.checkLabelled(test, "\(db.name): the test set")
            return (digest, [(train, test)])
        case .folds(let all, let pool):
            let plan = try SubjectFolds.make(
                subjects: all.subjects, k: db.foldCount, seed: 0, file: db.name)
            var splits: [(FaceSet, FaceSet)] = []
            for fold in 0..<db.foldCount {
                let (train, test) = try plan.split(all, fold: fold, file: db.name)
                var chosen = test
                if let pool {
                    let subjects = Set(test.subjects)
                    chosen = pool.subset(
                        pool.subjects.indices.filter { subjects.contains(pool.subjects[$0]) })
                }
                try Self.checkLabelled(train, "\(db.name) fold \(fold + 1): the training faces")
                try Self.checkLabelled(chosen, "\(db.name) fold \(fold + 1): the test faces")
                splits.append((train, chosen))
            }
            return (digest, splits)
        }
    }

    /// Refuses a set without a labelled face (a 0% result would say nothing).
    static func checkLabelled(_ set: FaceSet, _ what: String) throws {
        guard set.expressions.contains(where: { $0 >= 0 }) else {
            throw TrainingError.emptySet(what)
        }
    }

    /// The DDM configuration of an arm, its factors those of its DFEMs (in their order).
    func modelConfig(arm: Arm, imageSize: Int, classes: Int, factors: [Factor]) -> DDLConfig {
        DDLConfig(
            preset: preset, variant: arm.variant, width: scale.width, inputSize: crop(imageSize),
            classes: classes,
            factors: arm.variant.usesDisturbanceBranch ? factors : [], lambda1: arm.lambda1,
            lambda2: arm.lambda2)
    }

    /// The trunk checkpoint (nil: from scratch) and its digest for the run keys.
    func trunk(imageSize: Int) throws -> (path: String?, digest: String) {
        switch trunkSource {
        case .scratch:
            return (nil, "scratch")
        case .checkpoint(let path):
            let digest = try SHA256Digest.hexOfFile(atPath: path)
            let meta = try Checkpoint.metadata(of: path)
            guard meta.config.width == scale.width else {
                throw TrainingError.classMismatch(
                    "\(path): trunk width \(meta.config.width), the runs' width \(scale.width)")
            }
            return (path, digest)
        case .pretrain(let trainFile, let testFile):
            let job = try trunkJob(train: trainFile, test: testFile, imageSize: imageSize)
            if job.isDone {
                report("trunk: reusing \(job.checkpoint) (pre-trained on \(job.name))")
            } else {
                try pretrain(job)
            }
            return (job.checkpoint, job.key.digest)
        }
    }

    /// The pre-training of the trunk on `trainFile` (tested on `testFile`), or on the
    /// synthetic pre-training set of side `imageSize`: its settings, key and folder.
    func trunkJob(
        train trainFile: String?, test testFile: String?, imageSize: Int
    ) throws -> TrunkJob {
        let name: String, train: FaceSet, test: FaceSet?, dataDigest: String
        if let trainFile {
            train = try FaceSet.load(from: trainFile)
            test = try testFile.map { try FaceSet.load(from: $0) }
            name = trainFile
            dataDigest = try ([trainFile] + (testFile.map { [$0] } ?? [])).map {
                try SHA256Digest.hexOfFile(atPath: $0)
            }
            .joined(separator: ",")
        } else {
            let made = SyntheticDatabases.trunkPretraining(size: imageSize)
            (name, train, test) = (made.name, made.train, made.test)
            dataDigest = made.train.digest + "," + made.test.digest
        }
        let config = DDLConfig(
            preset: preset, variant: .baseline, width: scale.width, inputSize: crop(train.size),
            classes: train.expressionClasses, factors: [])
        let o = options(crop: crop(train.size), epochs: scale.trunkEpochs, seed: 1)
        var fields = scale.fields
        fields["stage"] = "trunk"
        fields["data"] = dataDigest
        fields["model"] = config.json
        fields["options"] = o.json
        let key = RunKey(fields)
        return TrunkJob(name: name, train: train, test: test, config: config, options: o, key: key,
                        directory: "\(store.directory)/trunks/\(store.setting)/\(key.short)")
    }

    /// Pre-trains the trunk (resuming an interrupted pre-training) and reports its test accuracy.
    func pretrain(_ job: TrunkJob) throws {
        report("trunk: pre-training S_g on \(job.name), \(scale.trunkEpochs) epochs")
        let run = try DDMTraining(
            config: job.config, options: job.options, train: job.train, test: job.test,
            dfemPaths: [],
            directory: job.directory,
            resume: FileManager.default.fileExists(atPath: job.checkpoint),
            evaluateEveryEpoch: false)
        try run.run(report: trainingEvents)
        if let accuracy = try EpochLog(path: run.logPath).records().last?.testAccuracy {
            report("trunk: pre-training test accuracy " + String(format: "%.2f%%", accuracy * 100))
        }
    }

    /// The DFEM checkpoints a variant needs, trained once per database, factor group and
    /// trunk (keyed like the runs) and shared by every fold, seed and arm; each is scored on
    /// its held-out faces and reported, and one no better than chance on a factor is named.
    func dfems(
        for variant: Variant, database db: Table2Database,
        disturbance: (set: FaceSet, digest: String),
        trunk: (path: String?, digest: String), results: inout ExperimentResults
    ) throws -> [(path: String, key: String, factors: [Factor])] {
        var found: [(path: String, key: String, factors: [Factor])] = []
        for job in try dfemJobs(
            for: variant, database: db, disturbance: disturbance, trunkDigest: trunk.digest)
        {
            let dfem =
                job.isDone
                ? try DFEM<Float>.load(from: job.checkpoint).model
                : try trainDFEM(job, trunk: trunk.path)
            let quality = DFEMHeldOut.evaluate(
                dfem, on: job.heldOut, crop: job.options.crop,
                preprocessing: job.options.preprocessing ?? .plain)
            results.dfemQuality[db.name, default: [:]][job.groupName] = quality
            for line in DFEMHeldOut.describe(quality) {
                report("\(db.name) DFEM \(job.groupName) held-out: \(line)")
            }
            found.append((job.checkpoint, job.key.digest, job.config.factors))
        }
        return found
    }

    /// The DFEMs a variant needs on a database, one per factor group (`dfemFactorGroups`):
    /// their settings, keys and folders.
    func dfemJobs(
        for variant: Variant, database db: Table2Database,
        disturbance: (set: FaceSet, digest: String), trunkDigest: String,
        heldOutSplit: (train: FaceSet, heldOut: FaceSet)? = nil
    ) throws -> [DFEMJob] {
        let factors = try variant.factors.map { f -> Factor in
            guard let classes = disturbance.set.factorClasses[f.name] else {
                throw TrainingError.classMismatch("\(db.name): the disturbance set has no "
                    + "\(f.name) labels for \(variant.rawValue)")
            }
            return Factor(f.name, classes)
        }
        let size = disturbance.set.size
        let config = DDLConfig(
            preset: preset, variant: variant, width: scale.width, inputSize: crop(size), classes: 7,
            factors: factors)
        let (train, heldOut) =
            heldOutSplit ?? DFEMHeldOut.split(disturbance.set, fraction: dfemHoldOut, seed: 1)
        return config.dfemFactorGroups.map { group in
            var c = config
            c.factors = group
            var o = options(crop: crop(size), epochs: scale.dfemEpochs, seed: 1)
            // The DFEM sees faces as its database's runs do, without their random steps.
            o.preprocessing = preprocessing(for: db, imageSize: size)?.deterministicSteps
            let groupName = group.map(\.name).joined(separator: "+")
            var fields = scale.fields
            fields["stage"] = "dfem"
            fields["database"] = db.name
            fields["data"] = disturbance.digest
            fields["model"] = c.json
            fields["options"] = o.json
            fields["held_out"] = "\(dfemHoldOut)"
            fields["trunk"] = trunkDigest
            let key = RunKey(fields)
            return DFEMJob(
                database: db.name, groupName: groupName, config: c, options: o, key: key,
                train: train, heldOut: heldOut,
                directory:
                    "\(store.directory)/dfems/\(store.setting)/"
                    + "\(store.safe(db.name))/\(groupName)-\(key.short)",
                epochs: scale.dfemEpochs)
        }
    }

    /// Trains a DFEM (resuming an interrupted one), its trunk started from `trunk`.
    func trainDFEM(_ job: DFEMJob, trunk: String?) throws -> DFEM<Float> {
        report(
            "\(job.database): training the DFEM for "
                + "\(job.config.factors.map(\.name).joined(separator: ", ")) on "
                + "\(job.train.count) faces"
        )
        let run = try DFEMTraining(
            config: job.config, options: job.options, set: job.train, directory: job.directory,
            resume: FileManager.default.fileExists(atPath: job.checkpoint), trunk: trunk)
        try run.run(report: trainingEvents)
        return run.dfem
    }

    /// One run, resumed from its work folder if an earlier invocation was interrupted.
    func train(
        db: Table2Database, arm: Arm, fold: Int, seed: UInt64,
        split: (train: FaceSet, test: FaceSet), config: DDLConfig,
        options: TrainingOptions, dfemPaths: [String], trunk: String?, key: RunKey
    ) throws -> RunResult {
        let dir = "\(store.directory)/work/\(store.setting)/"
            + "\(store.safe(db.name))/\(arm.folder)/\(key.short)"
        let clock = ContinuousClock(), start = clock.now
        let checkpoint = dir + "/checkpoint.h5"
        let resume = (try? Checkpoint.metadata(of: checkpoint)) != nil
        let run = try DDMTraining(
            config: config, options: options, train: split.train, test: split.test,
            dfemPaths: dfemPaths,
            directory: dir, resume: resume, trunk: trunk,
            evaluateEveryEpoch: scale.evaluateEveryEpoch)
        try run.run(report: trainingEvents)
        let records = try EpochLog(path: run.logPath).records()
        guard let accuracy = records.last?.testAccuracy else {
            throw TrainingError.emptySet("\(db.name) \(arm.name) fold \(fold + 1): the test set")
        }
        let d = clock.now - start
        return RunResult(
            database: db.name, arm: arm.name, variant: arm.variant.rawValue, lambda1: arm.lambda1,
            lambda2: arm.lambda2,
            fold: fold, seed: seed, accuracy: accuracy,
            bestAccuracy: run.state.bestAccuracy ?? accuracy,
            testFaces: split.test.expressions.filter { $0 >= 0 }.count, epochs: scale.epochs,
            seconds: Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18,
            synthetic: db.synthetic,
            key: key.digest, settings: key.fields)
    }
}
