import ArgumentParser
import GradCheck

/// `ddl gradcheck`: checks every op's gradients against central differences in Double.
public struct GradcheckCommand: ParsableCommand {
    /// The command's name and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract:
            "Check every op's analytic gradients against central finite differences (Double).",
        discussion: """
            Prints one line per op case: name, input and output shapes, the quantity that decides, \
            max |a−n|/(atol + rtol·|n|) over every input (analytic a, numeric n; a pass is at most \
            1), the largest absolute error, and PASS or FAIL. Exits non-zero if any case fails.
            """
    )

    /// `--filter`: only cases whose name contains this text.
    @Option(name: .long, help: "Only cases whose name contains this text.")
    public var filter: String?

    /// `--eps`: the central-difference step.
    @Option(name: .long, help: "Central-difference step.")
    public var eps: Double = 1e-6

    /// `--atol`: the absolute tolerance.
    @Option(name: .long, help: "Absolute tolerance.")
    public var atol: Double = 1e-5

    /// `--rtol`: the relative tolerance.
    @Option(name: .long, help: "Relative tolerance.")
    public var rtol: Double = 1e-3

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
    public func validate() throws {
        if let filter, !OpCase.all.contains(where: { $0.name.contains(filter) }) {
            throw ValidationError("--filter '\(filter)' matches none of the "
                + "\(OpCase.all.count) op cases (e.g. "
                + "\(OpCase.all.prefix(3).map(\.name).joined(separator: ", ")))")
        }
        guard eps > 0, atol >= 0, rtol >= 0, eps.isFinite, atol.isFinite, rtol.isFinite else {
            throw ValidationError("--eps must be > 0 and --atol, --rtol ≥ 0 (all finite), got "
                + "\(eps), \(atol), \(rtol)")
        }
    }

    /// Runs `ddl gradcheck` with the parsed options.
    public func run() throws {
        let results = Self.check(
            filter: filter, settings: GradCheckSettings(eps: eps, atol: atol, rtol: rtol)
        ) { print($0.line) }
        let failed = results.filter { !$0.report.passed }.count
        print(
            failed == 0
                ? "all \(results.count) op cases pass"
                : "\(failed) of \(results.count) op cases FAIL")
        if failed > 0 { throw ExitCode(1) }
    }

    /// Checks the catalogue cases matching `filter`, reporting each as it finishes.
    public static func check(
        filter: String?, settings: GradCheckSettings = GradCheckSettings(),
        each: (CaseResult) -> Void = { _ in }
    ) -> [CaseResult] {
        OpCase.all.filter { filter == nil || $0.name.contains(filter ?? "") }.map { c in
            let r = c.check(settings: settings)
            each(r)
            return r
        }
    }
}
