import ArgumentParser
import FixtureCheck
import Foundation

/// `ddl fixtures`: the PyTorch fixtures.
public struct FixturesCommand: ParsableCommand {
    /// The command's name, help text and subcommands for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "fixtures",
        abstract: "Check the Swift implementation against the PyTorch fixtures.",
        subcommands: [Verify.self]
    )

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// `ddl fixtures verify [FILES…]`.
    public struct Verify: ParsableCommand {
        /// The command's help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            abstract:
                "Run fixtures through the Swift implementation and compare (PASS/FAIL per file).",
            discussion: """
                With no files, checks every .h5 file below --dir (except checkpoints/). Prints one \
                line per fixture: the component, and for the outputs and for the gradients the \
                quantity that decides, max |swift−torch|/(atol + rtol·|torch|) (a pass is at most \
                1), with the largest absolute error, then PASS or FAIL; a file that cannot be \
                interpreted is reported with the reason. Exits non-zero on any failure or error.
                """
        )

        /// `<files>`: Fixture files (default: every .h5 below --dir).
        @Argument(help: "Fixture files (default: every .h5 below --dir).")
        public var files: [String] = []

        /// `--dir`: Folder searched when no files are given.
        @Option(help: "Folder searched when no files are given.")
        public var dir: String = "fixtures"

        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}

        /// Runs `ddl fixtures verify [FILES…]` with the parsed options.
        public func run() throws {
            let paths = files.isEmpty ? try Self.fixtureFiles(below: dir) : files
            guard !paths.isEmpty else {
                throw ValidationError("no fixture files found below \(dir)")
            }
            let summary = Self.verify(paths) { print($0) }
            print(
                summary.failed == 0
                    ? "all \(summary.passed) fixtures match"
                    : "\(summary.failed) of \(summary.passed + summary.failed) fixtures FAIL")
            if summary.failed > 0 { throw ExitCode(1) }
        }

        /// Every fixture file below `dir`, sorted (`checkpoints/` holds checkpoints, not fixtures).
        public static func fixtureFiles(below dir: String) throws -> [String] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory),
                isDirectory.boolValue
            else {
                throw ValidationError("no fixture folder at \(dir)")
            }
            let all =
                FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String } ?? []
            return all.filter { $0.hasSuffix(".h5") && !$0.hasPrefix("checkpoints/") }.sorted().map
            { dir + "/" + $0 }
        }

        /// Verifies each file, reporting a line for each; errors count as failures.
        public static func verify(
            _ paths: [String], verifier: FixtureVerifier = FixtureVerifier(), line: (String) -> Void
        ) -> (passed: Int, failed: Int) {
            var passed = 0, failed = 0
            for path in paths {
                do {
                    let r = try verifier.verify(path: path)
                    line(format(r))
                    if r.passed { passed += 1 } else { failed += 1 }
                } catch {
                    line("ERROR \(path): \(error)")
                    failed += 1
                }
            }
            return (passed, failed)
        }

        static func format(_ r: FixtureReport) -> String {
            func e(_ x: Double) -> String {
                guard x.isFinite, x > 0 else { return x == 0 ? "0" : "\(x)" }
                let exponent = Int(Double.log10(x).rounded(.down))
                let mantissa = (x / Double.pow(10, Double(exponent)) * 10).rounded() / 10
                return "\(mantissa)e\(exponent)"
            }
            // The quantity that decides, per kind: the largest
            // |swift − torch|/(atol + rtol·|torch|).
            func decides(_ prefix: String) -> String {
                let worst = r.comparisons.filter { $0.name.hasPrefix(prefix) }.max {
                    $0.result.toleranceRatio < $1.result.toleranceRatio
                }
                return worst.map {
                    $0.result.verdictQuantity("swift", "torch")
                        + " (max abs \(e(r.maxAbsError(prefix))))"
                } ?? "none"
            }
            var text = "\(r.path)  \(r.component) [\(r.dtype)]  out \(decides("outputs"))"
            text += "  grad \(decides("grads"))  "
            if r.passed { return text + "PASS" }
            let bad = r.comparisons.filter { !$0.result.passed }.map { "\($0.name): \($0.result)" }
            return text + "FAIL  " + bad.joined(separator: "; ")
        }
    }
}
