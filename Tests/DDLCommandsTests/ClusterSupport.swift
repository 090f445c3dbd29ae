import FaceData
import Foundation
import Reproduction

/// A prepared data root of tiny databases for `reproduce table2 --scale tiny`: CK+ (12
/// subjects, two folds), RAF-DB (48 training, 28 test faces), the disturbance-labelled faces
/// and an AffectNet cache for the trunk, all 20×20, so a whole plan trains in seconds.
let tinyDataRoot: String = {
    let root = scratchDirectory()
    let spec = SyntheticFaceSpec(size: 20, identities: 12, strength: 0.6)
    for folder in ["CK+", "RAF-DB", "AffectNet"] {
        try? FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
    }
    try? SyntheticFaces.expressionSet(spec: spec, count: 48, seed: 4, identities: 0..<12).save(to: root + "/CK+/faces.h5")
    try? SyntheticFaces.expressionSet(spec: spec, count: 48, seed: 3, identities: 0..<8).save(to: root + "/RAF-DB/train.h5")
    try? SyntheticFaces.expressionSet(spec: spec, count: 28, seed: 3, identities: 8..<12).save(to: root + "/RAF-DB/test.h5")
    try? SyntheticFaces.expressionSet(spec: spec, count: 32, seed: 5, identities: 0..<12).save(to: root + "/AffectNet/train.h5")
    try? SyntheticFaces.disturbanceSet(spec: spec, count: 48, seed: 3, identities: 0..<8).save(to: root + "/disturbance.h5")
    return root
}()

/// `reproduce table2` on the tiny data root with results in `out`.
func tinyTable2(out: String, variants: String = "baseline,ddl_g", _ extra: [String] = []) -> [String] {
    ["reproduce", "table2", "--scale", "tiny", "--data-root", tinyDataRoot, "--variants", variants, "--out", out] + extra
}

/// A `ddl` process started with `arguments`, its output going to files in `directory`.
final class DDLProcess {
    let process = Process()
    let stdoutPath: String, stderrPath: String

    init(_ arguments: [String], in directory: String, name: String) throws {
        stdoutPath = directory + "/\(name).stdout"
        stderrPath = directory + "/\(name).stderr"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: ddlBinary)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Waits at most `timeout` seconds (then kills it); returns its exit status.
    @discardableResult
    func wait(timeout: Double = 300) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
}

/// The claim generations of every unit in a results folder of the tiny scale: short key → generations.
func claimGenerations(_ out: String) -> [String: [String]] {
    let claims = out + "/claims/tiny-paper"
    var found: [String: [String]] = [:]
    for key in (try? FileManager.default.contentsOfDirectory(atPath: claims)) ?? [] {
        found[key] = ((try? FileManager.default.contentsOfDirectory(atPath: claims + "/" + key)) ?? []).sorted()
    }
    return found
}

/// The owner record of a claim folder.
func claimOwner(_ path: String, file: String = "owner.json") -> ClaimOwner? {
    FileManager.default.contents(atPath: path + "/" + file).flatMap { try? JSONDecoder().decode(ClaimOwner.self, from: $0) }
}

/// The lines of `table2.md` with the results folder written `OUT`, without the line that
/// counts reused runs (a collected table reuses every run).
func tableLines(_ out: String) -> [String] {
    let text = (try? String(contentsOfFile: out + "/table2.md", encoding: .utf8)) ?? ""
    return text.replacingOccurrences(of: out, with: "OUT").split(separator: "\n").map(String.init)
        .filter { !$0.contains("were reused from") }
}
