import Foundation
import Training

/// How a worker takes work from a plan.
public struct WorkerSettings: Sendable, Equatable {
    /// Seconds without a heartbeat after which another worker's claim is taken over.
    public var heartbeatTimeout: Double
    /// Seconds between looks at the plan while every open unit waits for another worker's.
    public var poll: Double

    /// The settings; see the properties.
    public init(heartbeatTimeout: Double = 600, poll: Double = 10) {
        self.heartbeatTimeout = heartbeatTimeout
        self.poll = poll
    }
}

/// What one worker did.
public struct WorkerSummary: Sendable, Equatable {
    /// The keys of the units this worker did, in order.
    public var done: [String]
    /// The keys of the units it took over from a stale claim.
    public var takenOver: [String]
}

extension ExperimentRunner {
    /// The claims folder of this experiment's setting.
    public var claimsDirectory: String { "\(store.directory)/claims/\(store.setting)" }

    /// Writes the plan to `--out/plan.jsonl` (or checks that the one there is this plan) and
    /// estimates its cost from one measured step of each distinct model and batch size.
    /// - Throws: `PlanError.otherPlan` naming the file and the first line that differs.
    public func writePlan() throws -> (entries: [PlanEntry], estimate: PlanEstimate) {
        let plan = try checkedPlan()
        return (plan.entries, estimate(plan))
    }

    /// The plan, written to `--out/plan.jsonl` if it is not there, else checked against it.
    func checkedPlan() throws -> ExperimentPlan {
        let plan = try self.plan()
        let path = store.directory + "/" + PlanFile.name
        if FileManager.default.fileExists(atPath: path) {
            let stored = try PlanFile.read(path)
            if stored != plan.entries {
                let line =
                    zip(stored, plan.entries).enumerated().first { $0.element.0 != $0.element.1 }?
                    .offset ?? min(stored.count, plan.entries.count)
                throw PlanError.otherPlan(
                    path,
                    "line \(line + 1): it has "
                        + "\(line < stored.count ? stored[line].label : "no entry"), "
                        + "these options plan "
                        + "\(line < plan.entries.count ? plan.entries[line].label : "no entry")"
                )
            }
        } else {
            try PlanFile.write(plan.entries, to: store.directory)
        }
        return plan
    }

    /// Works through the plan with any number of other workers sharing the results folder:
    /// takes one unit at a time whose dependencies are finished, claims it, does it and marks
    /// it done; takes over claims whose heartbeat stopped; waits while every open unit is
    /// held by others or waits for one that is; returns when everything is finished.
    public func work(_ settings: WorkerSettings = WorkerSettings()) throws -> WorkerSummary {
        let plan = try checkedPlan()
        let claims = WorkClaims(directory: claimsDirectory, timeout: settings.heartbeatTimeout)
        var summary = WorkerSummary(done: [], takenOver: [])
        var finished: Set<String> = []
        var waitingSince: Date?
        while true {
            var open = 0, progressed = false
            for item in plan.items where !finished.contains(item.entry.key) {
                if isDone(item) {
                    finished.insert(item.entry.key)
                    continue
                }
                open += 1
                guard item.entry.dependencies.allSatisfy(finished.contains) else { continue }
                var tookOver = false
                guard
                    let claim = try claims.claim(
                        item.entry.key, work: item.entry.label, isDone: { isDone(item) },
                        report: {
                            tookOver = true; report($0)
                        })
                else { continue }
                if isDone(item) {  // finished by another worker since we looked
                    try claim.finish()
                    finished.insert(item.entry.key)
                    progressed = true
                    continue
                }
                report("worker \(hostName()) pid \(getpid()): \(item.entry.label) (claim "
                    + "\(claim.path))")
                do {
                    try execute(item)
                } catch RunFolderError.locked(let directory, let pid) {
                    // The worker whose claim went stale is alive after all and still training.
                    claim.release()
                    report("\(directory): still trained by pid "
                        + "\(pid.map(String.init) ?? "?") (its claim went stale); leaving "
                        + "\(item.entry.label) to it")
                    continue
                } catch {
                    claim.release()
                    throw error
                }
                if claim.wasTakenOver {
                    report("\(claim.path): another worker took this claim over while it ran; "
                        + "its result is the same")
                }
                try claim.finish()
                finished.insert(item.entry.key)
                summary.done.append(item.entry.key)
                if tookOver { summary.takenOver.append(item.entry.key) }
                progressed = true
                break  // back to the start: earlier units may have become free
            }
            if open == 0 { return summary }
            if !progressed {
                if waitingSince == nil {
                    waitingSince = Date()
                    report("worker \(hostName()) pid \(getpid()): \(open) unit(s) open, each held "
                        + "by another worker or waiting for one; polling every "
                        + "\(WorkClaims.seconds(settings.poll))")
                }
                Thread.sleep(forTimeInterval: settings.poll)
            } else {
                waitingSince = nil
            }
        }
    }
}
