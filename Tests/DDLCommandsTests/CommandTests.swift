import Foundation
import DDLCommands
import GradCheck
import Testing

@Suite("ddl command line")
struct CommandTests {
    @Test func gradcheckRunsEveryCaseOfAFilter() {
        var lines: [String] = []
        let results = GradcheckCommand.check(filter: "max_pool2d") { lines.append($0.line) }
        #expect(results.count == 2)
        #expect(lines.allSatisfy { $0.hasPrefix("max_pool2d") && $0.hasSuffix("PASS") })
    }

    @Test func gradcheckParsesOptions() throws {
        let c = try GradcheckCommand.parse(["--filter", "conv2d", "--eps", "1e-5"])
        #expect(c.filter == "conv2d")
        #expect(c.eps == 1e-5)
    }

    @Test func benchRejectsUnknownOps() {
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--op", "fft"]) }
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--size", "2", "--kernel", "3"]) }
    }

    @Test func rootCommandListsSubcommands() {
        let help = DDL.helpMessage()
        #expect(help.contains("gradcheck"))
        #expect(help.contains("bench"))
    }
}

@Suite("ddl fixtures verify")
struct FixturesCommandTests {
    let folder: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("fixtures").path
    }()

    @Test func listsEveryFixtureAsPass() throws {
        let files = try FixturesCommand.Verify.fixtureFiles(below: folder)
        var lines: [String] = []
        let summary = FixturesCommand.Verify.verify(files) { lines.append($0) }
        #expect(summary.failed == 0)
        #expect(summary.passed == files.count)
        #expect(lines.allSatisfy { $0.hasSuffix("PASS") })
    }

    @Test func unreadableFilesCountAsFailures() throws {
        let bad = NSTemporaryDirectory() + "ddl-not-a-fixture-\(UUID().uuidString).h5"
        try "junk".write(toFile: bad, atomically: true, encoding: .utf8)
        var lines: [String] = []
        let summary = FixturesCommand.Verify.verify([bad, folder + "/missing.h5"]) { lines.append($0) }
        #expect(summary.failed == 2)
        #expect(lines[0].hasPrefix("ERROR \(bad)"))
        #expect(lines[1].contains("no such file"))
    }
}
