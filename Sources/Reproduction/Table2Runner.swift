import DDLModel
import FaceData
import FaceDatasets
import Foundation
import TensorCore
import Training

/// Runs the Table 2 protocol: every variant on every database, fold by fold, storing each
/// finished run and skipping the stored ones.
public final class Table2Runner {
    public let databases: [Table2Database]
    public let variants: [Variant]
    public let preset: Preset
    public let scale: ReproductionScale
    public let store: ResultStore
    let report: (String) -> Void
    let trainingEvents: (TrainingEvent) -> Void

    public init(
        databases: [Table2Database], variants: [Variant], preset: Preset, scale: ReproductionScale, out: String,
        report: @escaping (String) -> Void = { _ in }, trainingEvents: @escaping (TrainingEvent) -> Void = { _ in }
    ) {
        self.databases = databases
        self.variants = variants
        self.preset = preset
        self.scale = scale
        self.store = ResultStore(directory: out, setting: "\(scale.name)-\(preset.rawValue)")
        self.report = report
        self.trainingEvents = trainingEvents
    }

    func folds(_ db: Table2Database) -> Int {
        if case .folds(let k) = db.evaluation { return k }
        return 1
    }

    /// Runs what is missing; returns every result of the requested databases and variants.
    public func run() throws -> [RunResult] {
        var results: [RunResult] = []
        for db in databases {
            var loaded: (all: FaceSet?, train: FaceSet?, test: FaceSet?)? = nil
            var disturbance: FaceSet? = nil
            var foldPlan: SubjectFolds? = nil
            for variant in variants {
                for fold in 0..<folds(db) {
                    switch store.lookup(database: db.name, variant: variant.rawValue, fold: fold) {
                    case .done(let r):
                        results.append(r)
                        continue
                    case .corrupt(let path, let reason):
                        report("\(path): \(reason); running it again")
                    case .missing:
                        break
                    }
                    if loaded == nil { loaded = try db.load() }
                    guard let sets = loaded else { continue }
                    let (train, test): (FaceSet, FaceSet)
                    if let all = sets.all {
                        if foldPlan == nil {
                            foldPlan = try SubjectFolds.make(subjects: all.subjects, k: folds(db), seed: 0, file: db.name)
                        }
                        guard let plan = foldPlan else { continue }
                        (train, test) = try plan.split(all, fold: fold, file: db.name)
                    } else if let tr = sets.train, let te = sets.test {
                        (train, test) = (tr, te)
                    } else {
                        throw TrainingError.emptySet("\(db.name): no faces")
                    }
                    var dfemPaths: [String] = []
                    if variant.usesDisturbanceBranch {
                        if disturbance == nil { disturbance = try db.disturbance() }
                        guard let d = disturbance else { continue }
                        dfemPaths = try dfems(for: variant, database: db, disturbance: d)
                    }
                    let r = try trainOne(db: db, variant: variant, fold: fold, train: train, test: test, dfemPaths: dfemPaths)
                    try store.store(r)
                    report("\(db.name) \(variant.rawValue) fold \(fold + 1)/\(folds(db)): \(String(format: "%.2f", r.accuracy * 100))% (\(Int(r.seconds)) s)")
                    results.append(r)
                }
            }
        }
        return results
    }

    func options(crop: Int, epochs: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.batchSize = scale.batchSize
        o.learningRate = scale.learningRate
        o.milestones = scale.milestones
        o.crop = crop
        o.seed = 1
        return o
    }

    func crop(_ size: Int) -> Int { Int((Double(size) * 0.9).rounded()) }

    /// The DFEM checkpoints a variant needs, trained once per database and factor group and
    /// reused by every fold and variant.
    func dfems(for variant: Variant, database db: Table2Database, disturbance: FaceSet) throws -> [String] {
        let factors = try variant.factors.map { f -> Factor in
            guard let classes = disturbance.factorClasses[f.name] else {
                throw TrainingError.classMismatch("\(db.name): the disturbance set has no \(f.name) labels for \(variant.rawValue)")
            }
            return Factor(f.name, classes)
        }
        let config = DDLConfig(preset: preset, variant: variant, width: scale.width, inputSize: crop(disturbance.size), classes: 7, factors: factors)
        var paths: [String] = []
        for group in config.dfemFactorGroups {
            var c = config
            c.factors = group
            let dir = "\(store.directory)/dfems/\(store.setting)/\(store.safe(db.name))/" + group.map(\.name).joined(separator: "+")
            let checkpoint = dir + "/checkpoint.h5"
            if let meta = try? Checkpoint.metadata(of: checkpoint), meta.epoch >= scale.dfemEpochs {
                paths.append(checkpoint)
                continue
            }
            let resume = FileManager.default.fileExists(atPath: checkpoint)
            report("\(db.name): training the DFEM for \(group.map(\.name).joined(separator: ", "))")
            let run = try DFEMTraining(config: c, options: options(crop: crop(disturbance.size), epochs: scale.dfemEpochs),
                                       set: disturbance, directory: dir, resume: resume)
            try run.run(report: trainingEvents)
            paths.append(checkpoint)
        }
        return paths
    }

    func trainOne(db: Table2Database, variant: Variant, fold: Int, train: FaceSet, test: FaceSet, dfemPaths: [String]) throws -> RunResult {
        var factors: [Factor] = []
        for path in dfemPaths { factors += try Checkpoint.metadata(of: path).config.factors }
        let config = DDLConfig(preset: preset, variant: variant, width: scale.width, inputSize: crop(train.size),
                               classes: train.expressionClasses, factors: variant.usesDisturbanceBranch ? factors : [])
        let dir = "\(store.directory)/work/\(store.setting)/\(store.safe(db.name))/\(variant.rawValue)/fold-\(fold)"
        let clock = ContinuousClock(), start = clock.now
        let run = try DDMTraining(config: config, options: options(crop: crop(train.size), epochs: scale.epochs),
                                  train: train, test: test, dfemPaths: dfemPaths, directory: dir, resume: false)
        try run.run(report: trainingEvents)
        let records = try EpochLog(path: run.logPath).records()
        let d = clock.now - start
        return RunResult(
            database: db.name, variant: variant.rawValue, fold: fold, accuracy: records.last?.testAccuracy ?? 0,
            bestAccuracy: run.state.bestAccuracy ?? 0, epochs: scale.epochs,
            seconds: Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18, synthetic: db.synthetic)
    }
}
