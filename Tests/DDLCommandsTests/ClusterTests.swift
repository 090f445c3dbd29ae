import DDLCommands
import Foundation
import Reproduction
import Testing

/// Issue 17: a plan of a tiny Table 2 (trunk, two DFEMs, six runs) worked through by real
/// `ddl reproduce table2 --worker` processes sharing one results folder.
@Suite("reproduce table2 --plan, --worker, --collect: workers sharing a results folder (issue 17)", .serialized)
struct ClusterTests {
    @Test func threeWorkersDoEveryUnitOnceAndTheTableIsTheSerialOne() throws {
        let dir = scratchDirectory()
        let clock = ContinuousClock()
        var start = clock.now
        let serial = try DDLProcess(tinyTable2(out: dir + "/serial"), in: dir, name: "serial")
        #expect(serial.wait() == 0, "\(serial.stderr)")
        let serialTime = clock.now - start

        let out = dir + "/shared"
        let plan = try DDLProcess(tinyTable2(out: out, ["--plan"]), in: dir, name: "plan")
        #expect(plan.wait() == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("9 units in \(out)/plan.jsonl: 6 runs, 2 DFEM(s), 1 trunk pre-training(s)"), "\(plan.stdout)")
        #expect(plan.stdout.contains("CK+: 4 runs") && plan.stdout.contains("RAF-DB: 2 runs") && plan.stdout.contains("CPU-hours"))
        #expect(plan.stdout.contains("batch_size 16") && plan.stdout.contains("crop 18"))
        let entries = try PlanFile.read(out + "/plan.jsonl")
        #expect(entries.count == 9 && Set(entries.map(\.key)).count == 9)
        // The plan's run keys are the ones the serial run stored its results under.
        let serialKeys = ((try? String(contentsOfFile: dir + "/serial/table2-runs.csv", encoding: .utf8)) ?? "")
            .split(separator: "\n").dropFirst().compactMap { $0.split(separator: ",").last.map(String.init) }
        #expect(Set(serialKeys) == Set(entries.filter { $0.kind == .run }.map(\.key)))

        start = clock.now
        let workers = try (0..<3).map { i in
            try DDLProcess(tinyTable2(out: out, ["--worker", "--heartbeat-timeout", "120", "--poll", "0.2"]), in: dir, name: "worker\(i)")
        }
        for w in workers { #expect(w.wait() == 0, "\(w.stderr)") }
        let parallelTime = clock.now - start
        print("tiny plan: serial \(serialTime), three workers \(parallelTime)")

        // Every unit was done by exactly one worker: one claim (generation 0, marked done) each,
        // and each unit named once in the workers' logs.
        let claims = claimGenerations(out)
        #expect(Set(claims.keys) == Set(entries.map(\.short)))
        #expect(claims.values.allSatisfy { $0 == ["claim-0"] }, "\(claims)")
        var owners: [Int32] = []
        for e in entries {
            let claim = out + "/claims/tiny-paper/\(e.short)/claim-0"
            let done = try #require(claimOwner(claim, file: "done.json"), "\(e.label)")
            #expect(done.work == e.label)
            owners.append(done.pid)
            let named = workers.map { $0.stderr.components(separatedBy: ": \(e.label) (claim ").count - 1 }.reduce(0, +)
            #expect(named == 1, "\(e.label)")
        }
        #expect(Set(owners).isSubset(of: Set(workers.map(\.pid))))
        let did = workers.map { w in Int(w.stdout.split(separator: " ").drop { $0 != "did" }.dropFirst().first ?? "") ?? -1 }
        #expect(did.reduce(0, +) == 9, "\(did)")
        let results = FileManager.default.enumerator(atPath: out + "/runs")?.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") } ?? []
        #expect(results.count == 6)

        // The collected table is the serial one, bit for bit.
        let collect = try DDLProcess(tinyTable2(out: out, ["--collect"]), in: dir, name: "collect")
        #expect(collect.wait() == 0, "\(collect.stderr)")
        #expect(!collect.stdout.contains("Missing"))
        #expect(FileManager.default.contents(atPath: out + "/table2.csv") == FileManager.default.contents(atPath: dir + "/serial/table2.csv"))
        #expect(tableLines(out) == tableLines(dir + "/serial"))
        #expect(tableLines(out).contains { $0.hasPrefix("| CK+ |") })
    }

    @Test func aWorkerKilledInTheMiddleOfARunIsTakenOverAndItsRunFinished() throws {
        let dir = scratchDirectory(), out = dir + "/out"
        let arguments = tinyTable2(out: out, variants: "baseline", ["--trunk", "scratch", "--worker", "--heartbeat-timeout", "2", "--poll", "0.2"])
        let first = try DDLProcess(arguments, in: dir, name: "first")
        // Kill it once its first run has checkpointed its first of two epochs.
        let deadline = Date().addingTimeInterval(120)
        var checkpoint: String?
        while checkpoint == nil, Date() < deadline, first.process.isRunning {
            checkpoint = FileManager.default.enumerator(atPath: out + "/work")?.compactMap { $0 as? String }.first { $0.hasSuffix("checkpoint.h5") }
            usleep(5_000)
        }
        kill(first.pid, SIGKILL)
        first.wait()
        #expect(first.process.terminationReason == .uncaughtSignal)
        #expect(checkpoint != nil, "\(first.stderr)")
        let claims = claimGenerations(out)
        let held = try #require(claims.first { $0.value == ["claim-0"] }?.key)
        let claim0 = out + "/claims/tiny-paper/\(held)/claim-0"
        #expect(claimOwner(claim0)?.pid == first.pid)
        #expect(claimOwner(claim0, file: "done.json") == nil)
        let entries = try PlanFile.read(out + "/plan.jsonl")
        let killed = try #require(entries.first { $0.short == held })

        let second = try DDLProcess(arguments, in: dir, name: "second")
        #expect(second.wait() == 0, "\(second.stderr)")
        #expect(second.stderr.contains("\(claim0): the heartbeat of") && second.stderr.contains("taking over \(killed.label)"), "\(second.stderr)")
        #expect(second.stderr.contains("resumed"), "\(second.stderr)")
        #expect(second.stdout.contains("1 taken over"))
        let after = claimGenerations(out)
        #expect(after[held] == ["claim-0", "claim-1"])
        #expect(claimOwner(out + "/claims/tiny-paper/\(held)/claim-1", file: "done.json")?.pid == second.pid)
        let collect = try DDLProcess(tinyTable2(out: out, variants: "baseline", ["--trunk", "scratch", "--collect"]), in: dir, name: "collect")
        #expect(collect.wait() == 0 && !collect.stdout.contains("Missing"), "\(collect.stdout)")
    }

    @Test func aCorruptOrHalfWrittenClaimIsRecoveredAndAnotherPlanRefused() throws {
        let dir = scratchDirectory(), out = dir + "/out"
        try ddl(tinyTable2(out: out, variants: "baseline", ["--trunk", "scratch", "--plan"]))
        let runs = try PlanFile.read(out + "/plan.jsonl")
        #expect(runs.count == 3)
        // A claim whose owner file was cut off mid-write, and one whose folder was made but never filled.
        let corrupt = out + "/claims/tiny-paper/\(runs[0].short)/claim-0", empty = out + "/claims/tiny-paper/\(runs[1].short)/claim-0"
        for path in [corrupt, empty] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        try #"{"host": "gone", "pid": 12"#.write(toFile: corrupt + "/owner.json", atomically: false, encoding: .utf8)
        let worker = try DDLProcess(tinyTable2(out: out, variants: "baseline", ["--trunk", "scratch", "--worker", "--heartbeat-timeout", "1", "--poll", "0.2"]),
                                    in: dir, name: "worker")
        #expect(worker.wait() == 0, "\(worker.stderr)")
        #expect(worker.stderr.contains("\(corrupt)/owner.json is corrupt"), "\(worker.stderr)")
        #expect(worker.stderr.contains("\(empty)/owner.json is missing"), "\(worker.stderr)")
        #expect(worker.stdout.contains("did 3 unit(s), 2 taken over"), "\(worker.stdout)")
        for run in runs {
            let generations = claimGenerations(out)[run.short] ?? []
            #expect(generations == (run == runs[2] ? ["claim-0"] : ["claim-0", "claim-1"]))
            #expect(claimOwner(out + "/claims/tiny-paper/\(run.short)/\(generations.last ?? "")", file: "done.json")?.pid == worker.pid)
        }
        // Workers started with other options than the plan's are refused, naming the file.
        #expect(failure(tinyTable2(out: out, variants: "baseline,ddl_g", ["--trunk", "scratch", "--worker"]))
            .contains("\(out)/plan.jsonl was written for other settings (line"))
    }
}
