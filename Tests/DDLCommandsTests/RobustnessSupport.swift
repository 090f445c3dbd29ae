import DDLCommands
import FaceData
import Foundation
import HDF5Files

/// The repository root (for the built `ddl` binary and the fixtures).
let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url
}()

/// The built `ddl` binary, for cases that need a real process.
let ddlBinary = repositoryRoot.appendingPathComponent(".build/debug/ddl").path

/// What a finished process left.
struct ProcessResult {
    var status: Int32
    var signalled: Bool
    var stdout: String
    var stderr: String
}

/// Runs a shell command line (so that streams can be closed with `2>&-`), with `$DDL` the
/// built binary; waits at most `timeout` seconds (then kills it).
@discardableResult
func shell(_ line: String, in directory: String, timeout: Double = 60) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", line]
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var environment = ProcessInfo.processInfo.environment
    environment["DDL"] = ddlBinary
    process.environment = environment
    let out = directory + "/.stdout-\(UUID().uuidString)", err = directory + "/.stderr-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: out)
        try? FileManager.default.removeItem(atPath: err)
    }
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(10_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
        stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
}

/// The message `ddl ARGUMENTS` fails with in-process ("no error" when it succeeds).
func failure(_ arguments: [String]) -> String {
    do {
        try ddl(arguments)
        return "no error"
    } catch {
        return DDL.message(for: error)
    }
}

/// The bytes of every file below `directory` by relative path (to show nothing changed).
func snapshot(_ directory: String) -> [String: Data] {
    var files: [String: Data] = [:]
    for name in FileManager.default.enumerator(atPath: directory)?.compactMap({ $0 as? String }) ?? [] {
        var isDirectory: ObjCBool = false
        let path = directory + "/" + name
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
           let data = FileManager.default.contents(atPath: path) {
            files[name] = data
        }
    }
    return files
}

/// Copies an HDF5 file group by group, letting `change` replace a float dataset's values
/// (by its path) and `attribute` an attribute's value, to make broken variants of real files.
func copyHDF5(
    _ source: String, to destination: String,
    change: (String, [Double]) -> [Double] = { $1 },
    attribute: (String, String) -> Int64? = { _, _ in nil },
    extra: (HDF5Group) throws -> Void = { _ in }
) throws {
    let input = try HDF5File.open(source).root
    try HDF5File.write(to: destination) { output in
        try copyGroup(input, output, change: change, attribute: attribute)
        try extra(output)
    }
}

private func copyGroup(
    _ input: HDF5Group, _ output: HDF5Group, change: (String, [Double]) -> [Double], attribute: (String, String) -> Int64?
) throws {
    for name in try input.attributeNames() {
        if let replaced = attribute(input.path, name) {
            try output.setAttribute(name, replaced)
        } else if let text = try? input.stringAttribute(name) {
            try output.setAttribute(name, text)
        } else if let integer = try? input.integerAttribute(name) {
            try output.setAttribute(name, integer)
        } else {
            try output.setAttribute(name, try input.numberAttribute(name))
        }
    }
    for name in try input.names() {
        switch input.kind(of: name) {
        case .group?:
            try copyGroup(try input.group(name), try output.createGroup(name), change: change, attribute: attribute)
        case .dataset?:
            let type = try input.storedType(of: name)
            if type == "float32" {
                let d = try input.read(name, as: Float.self)
                try output.write(name, shape: d.shape, values: change(input.childPath(name), d.values.map(Double.init)).map(Float.init))
            } else if type == "float64" {
                let d = try input.read(name, as: Double.self)
                try output.write(name, shape: d.shape, values: change(input.childPath(name), d.values))
            } else if type == "uint8" {
                let d = try input.read(name, as: UInt8.self)
                try output.write(name, shape: d.shape, values: d.values)
            } else {
                let d = try input.read(name, as: Int64.self)
                try output.write(name, shape: d.shape, values: d.values)
            }
        default:
            break
        }
    }
}
