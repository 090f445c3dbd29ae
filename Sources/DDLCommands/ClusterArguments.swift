import ArgumentParser
import Foundation
import Reproduction

/// What `reproduce table2` does instead of training everything in this process.
public enum ClusterMode: String, EnumerableFlag, Sendable {
    /// Write `plan.jsonl` and print the estimate; train nothing.
    case plan
    /// Take units from the plan, with any number of other workers sharing `--out`.
    case worker
    /// Print the table from the finished runs, listing what is missing; train nothing.
    case collect

    /// The help of each flag (`--plan`, `--worker`, `--collect`).
    public static func help(for value: ClusterMode) -> ArgumentHelp? {
        switch value {
        case .plan: return """
            Write OUT/plan.jsonl (one line per run, DFEM and trunk pre-training) and print the \
            runs and the estimated hours from one measured step; train nothing.
            """
        case .worker: return """
            Work through OUT/plan.jsonl with any number of other workers sharing OUT (claims in \
            OUT/claims); exit when nothing is left.
            """
        case .collect: return """
            Print and write the table from the finished runs in OUT, listing the missing ones; \
            train nothing.
            """
        }
    }
}

/// The options of running a reproduction as a plan shared out to workers.
public struct ClusterArguments: ParsableArguments {
    /// `--plan`, `--worker` or `--collect` (none: train serially).
    @Flag(exclusivity: .exclusive) public var mode: ClusterMode?
    /// With `--worker`: seconds without a heartbeat after which a claim is taken over.
    @Option(help: """
        With --worker: seconds without a heartbeat after which another worker's claim is taken \
        over.
        """)
    public var heartbeatTimeout: Double = 600
    /// With `--worker`: seconds between looks at the plan while waiting.
    @Option(help: """
        With --worker: seconds between looks at the plan while every open unit waits for another \
        worker.
        """)
    public var poll: Double = 10

    /// The defaults.
    public init() {}

    /// Refuses a timeout or poll interval that is not a positive number of seconds.
    public func validate() throws {
        guard heartbeatTimeout > 0, heartbeatTimeout.isFinite else {
            throw ValidationError(
                "--heartbeat-timeout must be a positive number of seconds, got \(heartbeatTimeout)")
        }
        guard poll > 0, poll.isFinite else {
            throw ValidationError("--poll must be a positive number of seconds, got \(poll)")
        }
    }

    /// Plans or works (true), or leaves the serial run and `--collect` to the caller (false).
    func run(
        databases: [Table2Database], arms: [Arm], experiment: ExperimentArguments, dataRoot: String?
    ) throws -> Bool {
        guard let mode, mode != .collect else { return false }
        let runner = ExperimentOutput.makeRunner(
            databases: databases, arms: arms, arguments: experiment, dataRoot: dataRoot,
            progress: ProgressPrinter())
        switch mode {
        case .plan:
            let (entries, estimate) = try runner.writePlan()
            for line in ClusterReport.plan(
                entries, estimate, out: experiment.out, scale: experiment.scale.scale.name)
            { print(line) }
        case .worker:
            let summary = try runner.work(
                WorkerSettings(heartbeatTimeout: heartbeatTimeout, poll: poll))
            print(
                "worker pid \(getpid()): did \(summary.done.count) unit(s), "
                    + "\(summary.takenOver.count) taken over from a stale claim; nothing is left "
                    + "in \(experiment.out)/\(PlanFile.name)"
            )
        case .collect:
            return false
        }
        return true
    }
}
