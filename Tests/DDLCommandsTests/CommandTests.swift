import Foundation
import DDLCommands
import GradCheck
import ArgumentParser
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

@Suite("ddl exit codes")
struct ExitCodeTests {
    @Test func fixturesVerifyExitsNonZeroOnACorruptFile() throws {
        let bad = NSTemporaryDirectory() + "ddl-corrupt-\(UUID().uuidString).h5"
        try Data([0x89, 0x48, 0x44, 0x46]).write(to: URL(fileURLWithPath: bad))
        let command = try FixturesCommand.Verify.parse([bad])
        #expect(throws: ExitCode(1)) { try command.run() }
    }

    @Test func inspectReportsTheConcatOfThePaper() throws {
        let lines = InspectCommand.report(try ModelOptions.parse(["--width", "8", "--input", "90"]).config())
        #expect(lines.contains("expression head input (a_out)  [184, 6, 6]"))
        #expect(lines.contains { $0.hasPrefix("DDM trainable parameters") })
        #expect(throws: (any Error).self) { try InspectCommand.parse(["--variant", "ddl_q"]) }
    }
}

@Suite("The paper's tables")
struct PaperTableTests {
    @Test func table2HasNineColumnsPerDatabaseWithThePublishedBest() {
        #expect(PaperTables.databases.allSatisfy { PaperTables.table2[$0]?.count == 9 })
        #expect(PaperTables.table2["CK+"]?.max() == 99.16)
        #expect(PaperTables.table2["SFEW"]?.last == 59.86)
        #expect(PaperTables.table2Columns.count == 9)
    }

    @Test func table3And4RowsAreThePapersRows() {
        #expect(PaperTables.table3.count == 12)
        #expect(PaperTables.table3.last == PaperTables.Row(method: "DDL (proposed)", cells: ["99.16‡", "83.67", "88.26"]))
        #expect(PaperTables.table3.first == PaperTables.Row(method: "LBP-TOP [42]", cells: ["88.99‡", "59.51", "68.13"]))
        #expect(PaperTables.table4.count == 9)
        #expect(PaperTables.table4.last == PaperTables.Row(method: "DDL (proposed)", cells: ["87.71", "59.86"]))
        // The paper's DDL rows of Tables 3 and 4 are the best DDL variant of Table 2.
        for (i, db) in ["CK+", "MMI", "Oulu-CASIA"].enumerated() {
            let best = PaperTables.table2[db]?.dropFirst(3).max() ?? 0
            #expect(PaperTables.table3.last?.cells[i].hasPrefix(String(format: "%.2f", best)) == true, "\(db)")
        }
        let lines = PaperTables.markdown(columns: PaperTables.table4Columns, rows: PaperTables.table4.map { ($0.method, $0.cells) })
        #expect(lines[2] == "| IACNN [22] | - | 50.98 |")
    }
}
