import Foundation
import Reproduction

/// The text of `reproduce table2 --plan` and of the missing units under `--collect`.
enum ClusterReport {
    /// The plan's size, per database its settings, runs, steps and hours, and the total
    /// and wall-time estimates.
    static func plan(
        _ entries: [PlanEntry], _ estimate: PlanEstimate, out: String, scale: String
    ) -> [String] {
        let runs = entries.filter { $0.kind == .run }.count,
            dfems = entries.filter { $0.kind == .dfem }.count
        let trunks = entries.filter { $0.kind == .trunk }.count
        var lines = ["Plan (\(scale) scale): \(entries.count) units in \(out)/\(PlanFile.name): "
                     + "\(runs) runs, \(dfems) DFEM(s), "
                     + "\(trunks) trunk pre-training(s).", ""]
        let databases = estimate.groups.reduce(into: [String]()) { all, g in
            if let db = g.database, !all.contains(db) { all.append(db) }
        }
        for db in databases {
            let groups = estimate.groups.filter { $0.database == db }
            let runGroups = groups.filter { $0.kind == .run }
            let units = runGroups.reduce(0) { $0 + $1.units }
            let steps = runGroups.map(\.stepsPerUnit)
            let low = steps.map(\.lowerBound).min() ?? 0, high = steps.map(\.upperBound).max() ?? 0
            lines.append(
                "\(db): \(units) runs, \(low == high ? "\(low)" : "\(low)–\(high)") steps per run, "
                    + duration(groups.reduce(0) { $0 + $1.hours }) + " with its DFEMs")
            let settings = Dictionary(grouping: groups.map { settingsLine($0) }, by: { $0 }).keys
                .sorted()
            for s in settings { lines.append("  settings: " + s) }
        }
        lines += ["", "| Unit | Database | Model | Units | Steps per unit | Batch | Input | s per "
            + "step | Hours |", "|---|---|---|---:|---:|---:|---:|---:|---:|"]
        for g in estimate.groups {
            let steps =
                g.stepsPerUnit.lowerBound == g.stepsPerUnit.upperBound
                ? "\(g.stepsPerUnit.lowerBound)"
                : "\(g.stepsPerUnit.lowerBound)–\(g.stepsPerUnit.upperBound)"
            lines.append(
                "| \(g.kind.rawValue) | \(g.database ?? "—") | \(g.what) | \(g.units) | "
                    + "\(steps) | \(g.batchSize) | "
                    + "\(g.inputSize)×\(g.inputSize) | " + String(format: "%.3f", g.stepSeconds)
                    + " | " + String(format: "%.2f", g.hours) + " |")
        }
        lines += [
            "",
            "Estimated from one measured training step of each model on this machine "
                + "(\(estimate.cores) cores; "
                + "evaluation and data loading not counted): " + duration(estimate.hours)
                + " on one machine like it, "
                + String(format: "%.1f", estimate.cpuHours) + " CPU-hours."
        ]
        let wall = [1, 4, 16, 64, 256].map { n in
            "\(n): " + duration(estimate.wallHours(machines: n))
        }
        lines.append(
            "Wall time on N such machines, one worker each (never below the longest trunk → DFEM "
                + "→ run chain, "
                + duration(estimate.criticalPathHours) + "): " + wall.joined(separator: ", ") + ".")
        return lines
    }

    /// The batch size, input and training options of a group, as its settings hold them.
    static func settingsLine(_ g: PlanEstimate.Group) -> String {
        "\(g.kind.rawValue): input \(g.inputSize)×\(g.inputSize), "
            + g.options.map { "\($0.name) \($0.value)" }.joined(separator: ", ")
    }

    /// Hours, or minutes or seconds when short.
    static func duration(_ hours: Double) -> String {
        if hours >= 1 { return String(format: "%.1f h", hours) }
        if hours * 60 >= 1 { return String(format: "%.1f min", hours * 60) }
        return String(format: "%.1f s", hours * 3600)
    }

    /// The units of the plan with no finished result, for `--collect`.
    static func missing(_ missing: [PlanEntry], out: String) -> [String] {
        guard !missing.isEmpty else { return [] }
        var lines = ["", "Missing (\(missing.count) unit(s) not finished in \(out); the table "
            + "above is over the finished runs only):"]
        lines += missing.map { "- " + $0.label }
        return lines
    }
}
