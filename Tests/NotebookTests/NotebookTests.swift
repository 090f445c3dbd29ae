import Foundation
import Testing

/// The repository root.
let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url
}()

/// A command a notebook marks as checked, with the output it printed.
struct CheckedCommand: CustomStringConvertible, Sendable {
    let notebook: String
    let line: Int
    let arguments: [String]
    let expected: [String]
    /// Relative tolerance for every number in the output.
    let tolerance: Double
    /// The expected output is a prefix of the actual output (the block ends with `…`).
    let prefixOnly: Bool

    var description: String { "\(notebook):\(line) ddl \(arguments.joined(separator: " "))" }
}

/// Every ```` ```console check ```` block of every notebook: a `$ ddl …` line, then its output.
func checkedCommands() -> [CheckedCommand] {
    let folder = repositoryRoot.appendingPathComponent("Notebooks-md")
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
    var commands: [CheckedCommand] = []
    for file in files {
        guard let text = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) else { continue }
        let lines = text.components(separatedBy: "\n")
        var i = 0
        while i < lines.count {
            let fence = lines[i].trimmingCharacters(in: .whitespaces)
            guard fence.hasPrefix("```console check") else { i += 1; continue }
            let tolerance = fence.split(separator: " ").first { $0.hasPrefix("tolerance=") }.flatMap { Double($0.dropFirst(10)) } ?? 1e-6
            let start = i + 1
            var block: [String] = []
            i += 1
            while i < lines.count, !lines[i].hasPrefix("```") { block.append(lines[i]); i += 1 }
            i += 1
            guard let command = block.first, command.hasPrefix("$ ddl ") else { continue }
            var expected = Array(block.dropFirst())
            let prefixOnly = expected.last == "…"
            if prefixOnly { expected.removeLast() }
            commands.append(CheckedCommand(
                notebook: file, line: start, arguments: command.dropFirst(6).split(separator: " ").map(String.init),
                expected: expected, tolerance: tolerance, prefixOnly: prefixOnly))
        }
    }
    return commands
}

/// Splits a line into text and numbers, so numbers can be compared with a tolerance.
func tokens(_ line: String) -> [String] {
    line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "|" || $0 == "," || $0 == "(" || $0 == ")" || $0 == "%" }).map(String.init)
}

func matches(_ actual: String, _ expected: String, tolerance: Double) -> Bool {
    let a = tokens(actual), e = tokens(expected)
    guard a.count == e.count else { return false }
    for (x, y) in zip(a, e) where x != y {
        guard let u = Double(x), let v = Double(y) else { return false }
        if abs(u - v) > tolerance * max(abs(v), 1e-12) + 1e-12 { return false }
    }
    return true
}

@Suite("Notebooks-md: the commands a notebook marks as checked print what it shows", .serialized)
struct NotebookTests {
    @Test func notebooksHaveCheckedCommands() {
        #expect(checkedCommands().count >= 8)
    }

    @Test("checked command", arguments: checkedCommands())
    func rerun(_ command: CheckedCommand) throws {
        let binary = repositoryRoot.appendingPathComponent(".build/debug/ddl")
        try #require(FileManager.default.fileExists(atPath: binary.path), "build ddl first (swift build)")
        // A notebook's runs are fresh starts, as in a new checkout: an earlier test run's folder
        // would now be refused (an existing run needs --resume or --overwrite).
        let fresh = ["train", "pretrain-dfem", "pretrain-trunk"].contains(command.arguments.first ?? "") && !command.arguments.contains("--resume")
        if fresh, let i = command.arguments.firstIndex(of: "--run"), i + 1 < command.arguments.count {
            try? FileManager.default.removeItem(at: repositoryRoot.appendingPathComponent(command.arguments[i + 1]))
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = command.arguments
        process.currentDirectoryURL = repositoryRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(command) exited with \(process.terminationStatus)")
        var actual = String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
        if actual.last == "" { actual.removeLast() }
        if command.prefixOnly {
            actual = Array(actual.prefix(command.expected.count))
        }
        #expect(actual.count == command.expected.count, "\(command): \(actual.count) lines, the notebook shows \(command.expected.count)")
        for (k, (a, e)) in zip(actual, command.expected).enumerated() {
            #expect(matches(a, e, tolerance: command.tolerance), "\(command), output line \(k + 1):\n  got      \(a)\n  notebook \(e)")
        }
    }
}
