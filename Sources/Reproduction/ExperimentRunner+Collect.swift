import DDLModel
import Foundation
import Training

extension ExperimentRunner {
    /// The results of the plan's finished units, training nothing: every stored run, the
    /// held-out quality of every finished DFEM, and the units still missing (in plan order).
    public func collect() throws -> (results: ExperimentResults, missing: [PlanEntry]) {
        let plan = try self.plan()
        var results = ExperimentResults(runs: [], reused: [], dfemQuality: [:], trunk: "scratch")
        var missing: [PlanEntry] = []
        for item in plan.items {
            switch item.work {
            case .trunk(let job):
                if !job.isDone { missing.append(item.entry) }
            case .dfem(let job, _):
                guard job.isDone else {
                    missing.append(item.entry)
                    continue
                }
                let dfem = try DFEM<Float>.load(from: job.checkpoint).model
                results.dfemQuality[job.database, default: [:]][job.groupName] =
                    DFEMHeldOut.evaluate(
                        dfem, on: job.heldOut, crop: job.options.crop,
                        preprocessing: job.options.preprocessing ?? .plain)
            case .run(let job):
                results.trunk =
                    job.trunk.path.map { "\($0) (\(job.trunk.digest.prefix(16)))" } ?? "scratch"
                switch store.lookup(database: job.database.name, arm: job.arm, key: job.key) {
                case .done(let r):
                    results.runs.append(r)
                    results.reused.append(r)
                case .corrupt(let path, let reason):
                    report("\(path): \(reason); listed as missing")
                    missing.append(item.entry)
                case .missing:
                    missing.append(item.entry)
                }
            }
        }
        return (results, missing)
    }
}
