import DDLModel
import FaceData
import Foundation
import Training

/// Every unit of work of an experiment, in the order a worker takes them (the trunk, then
/// each database's DFEMs, then its runs seed by seed, arm by arm, fold by fold, as the
/// serial runner does), with what is needed to do each.
struct ExperimentPlan {
    /// One unit of work: its plan line and what runs it.
    struct Item {
        enum Work {
            case trunk(TrunkJob)
            case dfem(DFEMJob, trunk: (path: String?, digest: String))
            case run(RunJob)
        }

        var entry: PlanEntry
        var work: Work
    }

    var items: [Item]

    /// The plan lines.
    var entries: [PlanEntry] { items.map(\.entry) }
}

extension ExperimentRunner {
    /// The plan of this experiment, computed without training anything: the keys are the
    /// ones `run()` stores its results under.
    func plan() throws -> ExperimentPlan {
        var items: [ExperimentPlan.Item] = []
        var trunks: [Int: (path: String?, digest: String)] = [:]
        var seen: Set<String> = []
        var disturbances:
            [String: (
                set: (set: FaceSet, digest: String), split: (train: FaceSet, heldOut: FaceSet)
            )] = [:]
        for db in databases {
            let (dataDigest, splits) = try prepare(db, try db.load())
            let size = splits.first?.train.size ?? 0
            if trunks[size] == nil {
                if case .pretrain(let train, let test) = trunkSource {
                    let job = try trunkJob(train: train, test: test, imageSize: size)
                    trunks[size] = (job.checkpoint, job.key.digest)
                    if seen.insert(job.key.digest).inserted {
                        let labelled = job.train.expressions.filter { $0 >= 0 }.count
                        items.append(
                            .init(
                                entry: PlanEntry(
                                    kind: .trunk, key: job.key.digest, dependencies: [],
                                    steps: PlanEntry.steps(
                                        count: labelled, batch: job.options.batchSize,
                                        epochs: job.options.epochs),
                                    batchSize: job.options.batchSize), work: .trunk(job)))
                    }
                } else {
                    trunks[size] = try trunk(imageSize: size)
                }
            }
            let trunk = trunks[size] ?? (nil, "scratch")
            let trunkDependency =
                trunk.path == nil || trunkSource.isCheckpoint ? [] : [trunk.digest]
            var dfemJobs: [Variant: [DFEMJob]] = [:]
            if arms.contains(where: \.variant.usesDisturbanceBranch) {
                // One copy of each disturbance file and of its held-out split, shared by every
                // DFEM.
                let source = db.disturbanceFile ?? "database " + db.name
                let shared:
                    (set: (set: FaceSet, digest: String), split: (train: FaceSet, heldOut: FaceSet))
                if let cached = disturbances[source] {
                    shared = cached
                } else {
                    let d = try disturbanceSet(db)
                    shared = (d, DFEMHeldOut.split(d.set, fraction: dfemHoldOut, seed: 1))
                    disturbances[source] = shared
                }
                for variant in Set(arms.map(\.variant)).sorted(by: { $0.rawValue < $1.rawValue })
                where variant.usesDisturbanceBranch {
                    dfemJobs[variant] = try self.dfemJobs(
                        for: variant, database: db, disturbance: shared.set,
                        trunkDigest: trunk.digest,
                        heldOutSplit: shared.split)
                }
            }
            for arm in arms {
                for job in dfemJobs[arm.variant] ?? [] where seen.insert(job.key.digest).inserted {
                    items.append(
                        .init(
                            entry: PlanEntry(
                                kind: .dfem, key: job.key.digest, database: db.name,
                                variant: arm.variant.rawValue, factors: job.groupName,
                                dependencies: trunkDependency,
                                steps: PlanEntry.steps(
                                    count: job.train.count, batch: job.options.batchSize,
                                    epochs: job.options.epochs),
                                batchSize: job.options.batchSize), work: .dfem(job, trunk: trunk)))
                }
            }
            for seed in seeds {
                for arm in arms {
                    for (fold, split) in splits.enumerated() {
                        let dfems = dfemJobs[arm.variant] ?? []
                        let (config, o, key) = try runSettings(
                            db: db, dataDigest: dataDigest, arm: arm, fold: fold,
                            folds: splits.count, seed: seed, split: split,
                            dfems: dfems.map { ($0.checkpoint, $0.key.digest, $0.config.factors) },
                            trunkDigest: trunk.digest)
                        let job = RunJob(
                            database: db, arm: arm, fold: fold, folds: splits.count, seed: seed,
                            split: split, config: config,
                            options: o, key: key, dfems: dfems, trunk: trunk)
                        let labelled = split.train.expressions.filter { $0 >= 0 }.count
                        items.append(
                            .init(
                                entry: PlanEntry(
                                    kind: .run, key: key.digest, database: db.name, fold: fold,
                                    seed: seed, arm: arm.name,
                                    variant: arm.variant.rawValue, lambda1: arm.lambda1,
                                    lambda2: arm.lambda2,
                                    dependencies: trunkDependency + dfems.map(\.key.digest),
                                    steps: PlanEntry.steps(
                                        count: labelled, batch: o.batchSize, epochs: o.epochs),
                                    batchSize: o.batchSize),
                                work: .run(job)))
                    }
                }
            }
        }
        return ExperimentPlan(items: items)
    }

    /// Whether the work of `item` is finished: a complete checkpoint, or a stored result.
    func isDone(_ item: ExperimentPlan.Item) -> Bool {
        switch item.work {
        case .trunk(let job): return job.isDone
        case .dfem(let job, _): return job.isDone
        case .run(let job):
            if case .done = store.lookup(database: job.database.name, arm: job.arm, key: job.key) {
                return true
            }
            return false
        }
    }

    /// Does the work of `item` (its dependencies finished), resuming what an interrupted
    /// worker left, and stores a run's result atomically.
    func execute(_ item: ExperimentPlan.Item) throws {
        switch item.work {
        case .trunk(let job):
            try pretrain(job)
        case .dfem(let job, let trunk):
            let dfem = try trainDFEM(job, trunk: trunk.path)
            let quality = DFEMHeldOut.evaluate(
                dfem, on: job.heldOut, crop: job.options.crop,
                preprocessing: job.options.preprocessing ?? .plain)
            for line in DFEMHeldOut.describe(quality) {
                report("\(job.database) DFEM \(job.groupName) held-out: \(line)")
            }
        case .run(let job):
            let r = try train(
                db: job.database, arm: job.arm, fold: job.fold, seed: job.seed, split: job.split,
                config: job.config,
                options: job.options, dfemPaths: job.dfems.map(\.checkpoint), trunk: job.trunk.path,
                key: job.key)
            try store.store(r, arm: job.arm, key: job.key)
            report("\(job.database.name) \(job.arm.name) seed \(job.seed) fold "
                   + "\(job.fold + 1)/\(job.folds): "
                   + String(format: "%.2f%%", r.accuracy * 100) + " (\(Int(r.seconds)) s)")
        }
    }
}

extension TrunkSource {
    /// Whether the trunk is a given checkpoint (nothing to pre-train).
    var isCheckpoint: Bool {
        if case .checkpoint = self { return true }
        return false
    }
}
