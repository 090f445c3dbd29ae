import ArgumentParser
import DDLModel
import Reproduction

extension ReproduceCommand {
    /// Checks the prepared data under `root` before anything trains (`DataRootCheck`): prints
    /// what is there and what each unsupported variant lacks, and returns the variants and
    /// databases (canonical names, comma-separated) to run.
    /// - Parameters:
    ///   - names: `--databases` as given (names or layouts, any case), nil for all.
    ///   - requireAll: refuse unless every requested variant can run (the ablation).
    /// - Throws: a `ValidationError` when a name is unknown, when nothing can run, or (with
    ///   `requireAll`) when a variant cannot, saying what is missing.
    static func precheck(
        root: String, names: String?, variants: [Variant], requireAll: Bool = false
    ) throws -> (variants: [Variant], databases: String) {
        var wanted: [String]? = nil
        if let names {
            let given = names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let unknown = given.filter { DataRootCheck.databaseName($0) == nil }
            guard unknown.isEmpty else {
                throw ValidationError("--databases: unknown \(unknown.joined(separator: ", ")); "
                    + "use \(DataRootCheck.expectedFiles.map(\.name).joined(separator: ", "))")
            }
            wanted = given.compactMap(DataRootCheck.databaseName)
        }
        let check = DataRootCheck(root: root, variants: variants, databases: wanted)
        for line in check.lines { Swift.print(line) }
        if let why = check.nothingRunnable { throw ValidationError(why) }
        if requireAll, let first = check.unsupported.first {
            throw ValidationError("\(first.name) cannot run: \(first.reason)")
        }
        if let names, let missing = check.missingDatabases.first {
            throw ValidationError(
                "--databases \(names): \(missing.name) cannot run: \(missing.reason)")
        }
        if check.unsupported.isEmpty {
            Swift.print("Running all \(variants.count) requested variant(s) on "
                + "\(check.databases.joined(separator: ", ")).")
        } else {
            Swift.print(
                "Running the \(check.runnable.count) of \(variants.count) requested variants the "
                    + "data supports ("
                    + check.runnable.map(\.rawValue).joined(separator: ", ")
                    + ") on \(check.databases.joined(separator: ", "))"
                    + "; skipping " + check.unsupported.map(\.name).joined(separator: ", ")
                    + " (see above for what each needs).")
        }
        Swift.print("")
        return (check.runnable, check.databases.joined(separator: ","))
    }
}
