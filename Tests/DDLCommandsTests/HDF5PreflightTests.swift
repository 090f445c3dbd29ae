import DDLCommands
import Foundation
@testable import HDF5Files
import Testing

@Suite("HDF5 preflight in a child process (issue 14)", .serialized)
struct HDF5PreflightTests {
    /// A file that crashes libhdf5 1.10.8 when read (see Tests/Fuzz/README.md).
    let crashing = repositoryRoot.appendingPathComponent("Tests/Fuzz/libhdf5-crash-batch_norm2d_eval.h5").path
    let valid = repositoryRoot.appendingPathComponent("fixtures/ops/batch_norm2d_eval.h5").path

    /// Runs `body` with the preflight on (the built `ddl` as the child), then off again.
    func withPreflight<R>(_ body: () throws -> R) rethrows -> R {
        HDF5Preflight.command = [ddlBinary, "hdf5-preflight"]
        defer { HDF5Preflight.command = nil }
        return try body()
    }

    @Test func validFilePassesAndLoads() throws {
        let before = HDF5Preflight.refusals
        let names = try withPreflight { try HDF5File.open(valid).root.names() }
        #expect(!names.isEmpty)
        #expect(HDF5Preflight.refusals == before)
        try HDF5Preflight.walk(valid)
    }

    @Test func truncatedFileIsAnErrorNamingIt() throws {
        let folder = NSTemporaryDirectory() + "ddl-preflight-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/truncated.h5"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: valid))
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: path))
        let message = withPreflight { () -> String in
            do {
                _ = try HDF5File.open(path).root.names()
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message.hasPrefix(path + ": "), "\(message)")
    }

    @Test func crashingFileIsRefusedInProcess() {
        let message = withPreflight { () -> String in
            do {
                _ = try HDF5File.open(crashing)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message == "\(crashing): /: not a readable HDF5 file: the HDF5 library crashed reading it: signal 11", "\(message)")
    }

    @Test func childSignalsAndTimeoutsAreReported() {
        #expect(HDF5Preflight.run(["/bin/sh", "-c", "kill -SEGV $$"], timeout: 10) == "the HDF5 library crashed reading it: signal 11")
        #expect(HDF5Preflight.run(["/bin/sh", "-c", "sleep 20"], timeout: 0.5) == "the HDF5 library did not finish reading it: timed out after 0 s"
            || HDF5Preflight.run(["/bin/sh", "-c", "sleep 20"], timeout: 1) == "the HDF5 library did not finish reading it: timed out after 1 s")
        #expect(HDF5Preflight.run(["/bin/sh", "-c", "exit 1"], timeout: 10) == nil)
        #expect(HDF5Preflight.run(["/bin/sh", "-c", "echo bad >&2; exit 3"], timeout: 10) == "the HDF5 preflight exited with status 3: bad")
    }

    @Test func ddlRefusesACrashingFileWithoutDying() throws {
        let r = try shell("\"$DDL\" fixtures verify '\(crashing)'", in: NSTemporaryDirectory())
        #expect(r.status == 1 && !r.signalled, "\(r.status) \(r.stderr)")
        #expect((r.stdout + r.stderr).contains("\(crashing): /: not a readable HDF5 file: the HDF5 library crashed reading it: signal 11"),
                "\(r.stdout) \(r.stderr)")
        let off = try shell("DDL_HDF5_PREFLIGHT=0 SWIFT_BACKTRACE=enable=no \"$DDL\" fixtures verify '\(crashing)'", in: NSTemporaryDirectory())
        #expect(off.status != 0, "without the preflight libhdf5 takes the process down (this file is still a crashing case)")
    }
}
