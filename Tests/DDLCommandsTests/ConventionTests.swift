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
