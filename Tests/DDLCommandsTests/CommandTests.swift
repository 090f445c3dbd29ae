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
