import ArgumentParser
import DDLCommands
import Foundation
import Testing
import Training

@Suite("One set of command-line conventions", .serialized)
struct ConventionTests {
    /// Every enumerated choice gets the parser's one message, naming the value, the option
    /// and the choices, and exit code 64.
    @Test func enumeratedChoicesShareOneMessageAndExitCode() throws {
        let dir = scratchDirectory()
        let cases: [(arguments: String, option: String, value: String, choice: String)] = [
            ("train --run \(dir)/r --variant ddl_zz", "--variant <variant>", "ddl_zz", "baseline_mat"),
            ("inspect --preset papr", "--preset <preset>", "papr", "official"),
            ("checkpoint create --kind disc --out \(dir)/c.h5", "--kind <kind>", "disc", "dfem"),
            ("bench --op fft", "--op <op>", "fft", "maxpool"),
            ("bench --config huge", "--config <config>", "huge", "quick"),
            ("export --checkpoint \(dir)/c.h5 --format onnx --out \(dir)/m", "--format <format>", "onnx", "safetensors"),
        ]
        for c in cases {
            let result = try shell("\"$DDL\" \(c.arguments)", in: dir)
            #expect(result.status == 64, "\(c.arguments): \(result.status)")
            #expect(result.stderr.contains("The value '\(c.value)' is invalid for '\(c.option)'"), "\(c.arguments): \(result.stderr)")
            #expect(result.stderr.contains(c.choice), "\(c.arguments): \(result.stderr)")
        }
    }

    /// An option error found while a command runs gets that command's usage line and 64,
    /// like one found while parsing (it used to get the root's `ddl <subcommand>`).
    @Test func optionErrorsFromRunNameTheirCommand() throws {
        let dir = scratchDirectory()
        for (arguments, usage) in [("reproduce table2 --databases RAFDB --out out", "Usage: ddl reproduce table2 "),
                                   ("train --run r --data nowhere", "Usage: ddl train ")] {
            let result = try shell("\"$DDL\" \(arguments)", in: dir)
            #expect(result.status == 64, "\(arguments): \(result.status)")
            #expect(result.stderr.contains(usage), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("ddl <subcommand>"))
        }
    }

    /// The pool rows of `ddl bench --op maxpool` give their rate in GB/s of input (they once
    /// printed that label in the name and "GFLOP/s" after the number), in text and JSON.
    @Test func poolBenchmarkRatesAreBytes() throws {
        let options = "bench --op maxpool --batch-size 1 --channels 2 --size 12 --repeats 1"
        let text = try shell("\"$DDL\" \(options)", in: scratchDirectory())
        #expect(text.status == 0, "\(text.stderr)")
        let rows = text.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("max_pool2d") }
        #expect(rows.count == 2, "\(text.stdout)")
        for row in rows {
            #expect(row.hasSuffix(" GB/s of input") && !row.contains("GFLOP"), "\(row)")
        }
        let json = try shell("\"$DDL\" \(options) --json", in: scratchDirectory())
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let results = try #require(object?["results"] as? [[String: Any]], "\(json.stdout)")
        #expect(results.count == 2)
        for r in results {
            #expect((r["input_gb_per_second"] as? Double).map { $0 > 0 } == true, "\(r)")
            #expect(r["gflops"] == nil, "\(r)")
        }
    }

    @Test func versionIsPrinted() throws {
        let result = try shell("\"$DDL\" --version", in: scratchDirectory())
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ddl-swift \(DDLVersion.current)")
    }

    @Test func batchSizeIsOneNameEverywhere() throws {
        #expect(try BenchCommand.parse(["--batch-size", "4"]).batch == 4)
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--batch", "4"]) }
        #expect(try PredictCommand.parse(["--checkpoint", "c.h5", "--batch-size", "4", "x.png"]).batchSize == 4)
    }

    @Test func decreasingMilestonesAreRefused() {
        let message = failure(["train", "--run", scratchDirectory(), "--milestones", "30,10"])
        #expect(message.contains("--milestones") && message.contains("strictly increasing, got 30,10"), "\(message)")
    }

    @Test func curvesRefuseAnUnknownPictureFormat() throws {
        let result = try shell("\"$DDL\" visualize curves --run somewhere --out curves.gif", in: scratchDirectory())
        #expect(result.status == 64 && result.stderr.contains("--out must end in .png or .svg, got 'curves.gif'"))
    }
}

/// Help texts are written as paragraphs, which the parser wraps to the terminal's width: a
/// line break inside a paragraph (the source's own wrapping) would be kept by the parser and
/// wrapped again, leaving a short line after every long one at 80 columns.
@Suite("Help texts wrap to the terminal")
struct HelpTextTests {
    /// Every command below `ddl`, with the path that names it.
    static func commands(
        _ command: any ParsableCommand.Type = DDL.self, path: String = "ddl"
    ) -> [(String, any ParsableCommand.Type)] {
        [(path, command)] + command.configuration.subcommands.flatMap {
            commands($0, path: "\(path) \($0.configuration.commandName ?? "?")")
        }
    }

    /// The lines of `text` that continue the line before them within a paragraph; list items
    /// (`- `) and indented lines start lines of their own.
    static func brokenLines(_ text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        return zip(lines, lines.dropFirst()).compactMap { before, line in
            let ownLine = line.isEmpty || before.isEmpty || line.hasPrefix("- ") || line.hasPrefix(" ")
            return ownLine ? nil : line
        }
    }

    @Test func theRuleFindsAWrappedParagraph() {
        #expect(Self.brokenLines("one two\nthree\n\n- a\n- b\n  c") == ["three"])
        #expect(Self.brokenLines("one paragraph\n\nanother").isEmpty)
    }

    @Test func everyCommandsTextsAreParagraphs() {
        let all = Self.commands()
        #expect(all.count > 20, "\(all.count) commands found")
        for (path, command) in all {
            let c = command.configuration
            #expect(!c.abstract.contains("\n"), "\(path): abstract has a line break")
            let broken = Self.brokenLines(c.discussion)
            #expect(broken.isEmpty, "\(path): discussion breaks a paragraph before \(broken.prefix(3))")
        }
    }

    /// The `--name` words of a text.
    static func optionWords(_ text: String) -> Set<String> {
        let word = try! Regex("--[a-z][a-z0-9-]*")
        return Set(text.matches(of: word).map { String(text[$0.range]) })
    }

    /// Every option a help text names is an option of some `ddl` command (texts outlive
    /// renamed options: `ddl bench`'s once named `--batch` after it became `--batch-size`).
    /// Options of the repository's scripts that the texts name are listed here.
    @Test func optionsNamedInHelpExist() {
        let scripts: Set<String> = ["--openblas-auto"]
        var known = scripts, named: [(String, Set<String>)] = []
        for (path, command) in Self.commands() {
            let help = DDL.helpMessage(for: command, columns: 10_000)
            for line in help.components(separatedBy: "\n") where line.hasPrefix("  -") {
                let names = line.dropFirst(2).components(separatedBy: "  ")[0]
                known.formUnion(Self.optionWords(String(names)))
            }
            named.append((path, Self.optionWords(help)))
        }
        #expect(known.contains("--batch-size") && known.contains("--run"), "\(known.sorted())")
        for (path, words) in named {
            let unknown = words.subtracting(known)
            #expect(unknown.isEmpty, "\(path) names \(unknown.sorted()), which no command has")
        }
    }
}
