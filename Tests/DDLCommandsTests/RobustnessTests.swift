import DDLCommands
import DDLModel
import FaceData
import Foundation
import HDF5Files
import Reproduction
import Testing
import Training

/// One test per row of issue 14's table: a careless or hostile user's invocation, its exit
/// status or error, a message naming the file, option or values, and nothing previously on
/// disk changed. Width 2, a few faces; real processes where one is needed.
@Suite("Robustness: run folders, bad options, degenerate data, closed streams (issue 14)", .serialized)
struct RobustnessTests {
    static let small = ["--synthetic-size", "20", "--synthetic-train", "28", "--synthetic-test", "14",
                        "--synthetic-disturbance", "28", "--identities", "8"]

    /// Synthetic face files shared by the tests (made once).
    static let data: String = {
        let dir = scratchDirectory()
        try? ddl(["synth", "--out", dir] + small)
        return dir
    }()

    static let baseline = ["--width", "2", "--variant", "baseline", "--epochs", "1", "--batch-size", "8"]
    static let ddlGA = ["--width", "2", "--variant", "ddl_ga", "--epochs", "1", "--batch-size", "8"]

    /// A finished one-epoch baseline run in a new folder.
    func baselineRun(_ dir: String = scratchDirectory()) throws -> String {
        let run = dir + "/run"
        try ddl(["train", "--run", run, "--data", Self.data] + Self.baseline)
        return run
    }

    // Row: `train --run EXISTING` without --resume (and pretrain-dfem).
    @Test func anExistingRunIsRefusedWithoutResumeOrOverwrite() throws {
        let run = try baselineRun()
        let before = snapshot(run)
        let message = failure(["train", "--run", run, "--data", Self.data] + Self.baseline.map { $0 == "baseline" ? "baseline_mat" : $0 })
        #expect(message.contains(run) && message.contains("--resume") && message.contains("--overwrite"), "\(message)")
        #expect(snapshot(run) == before)

        let stage1 = scratchDirectory() + "/stage1"
        try ddl(["pretrain-dfem", "--run", stage1, "--data", Self.data] + Self.ddlGA)
        let dfemBefore = snapshot(stage1)
        let again = failure(["pretrain-dfem", "--run", stage1, "--data", Self.data, "--seed", "3"] + Self.ddlGA)
        #expect(again.contains(stage1 + "/dfem-0") && again.contains("--overwrite"), "\(again)")
        #expect(snapshot(stage1) == dfemBefore)

        try ddl(["train", "--run", run, "--data", Self.data, "--overwrite", "--seed", "5"] + Self.baseline)
        #expect(snapshot(run)["checkpoint.h5"] != before["checkpoint.h5"])
        #expect(failure(["train", "--run", run, "--resume", "--overwrite"] + Self.baseline).contains("--resume and --overwrite"))
    }

    // Row: two `ddl train` on the same --run at once; and SIGKILL releases the folder.
    @Test func aSecondProcessIsRefusedNamingTheHolderAndAKilledOneReleasesTheFolder() throws {
        let dir = scratchDirectory()
        let run = dir + "/run"
        do {
            let lock = try RunFolderLock(directory: run)
            let before = snapshot(run)
            let r = try shell("\"$DDL\" train --run run --data \(Self.data) \(Self.baseline.joined(separator: " "))", in: dir)
            #expect(r.status == 1 && !r.signalled)
            #expect(r.stderr.contains("run: the run folder is in use by another process (pid \(getpid()))"), "\(r.stderr)")
            #expect(snapshot(run) == before)
            _ = lock
        }
        // A real run, killed while it trains and writes checkpoints: the kernel drops its lock.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ddlBinary)
        process.arguments = ["train", "--run", run, "--data", Self.data, "--epochs", "10000", "--width", "2", "--variant", "baseline", "--batch-size", "8"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: run + "/checkpoint.h5"), Date() < deadline { usleep(20_000) }
        usleep(150_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let lock = try RunFolderLock(directory: run)
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: run)).contains { $0.contains(".tmp-") })
        _ = lock
    }

    // Row: --resume with another --dfem (same factors and width) or other --data.
    @Test func resumeChecksTheDigestsOfTheDFEMsAndTheData() throws {
        let dir = scratchDirectory()
        try ddl(["pretrain-dfem", "--run", dir + "/a", "--data", Self.data] + Self.ddlGA)
        try ddl(["pretrain-dfem", "--run", dir + "/b", "--data", Self.data, "--seed", "1"] + Self.ddlGA)
        let a = dir + "/a/dfem-0/checkpoint.h5", b = dir + "/b/dfem-0/checkpoint.h5"
        let run = dir + "/ddl"
        try ddl(["train", "--run", run, "--data", Self.data, "--dfem", a] + Self.ddlGA)
        let before = snapshot(run)
        let more = Self.ddlGA.map { $0 == "1" ? "2" : $0 }
        let other = failure(["train", "--run", run, "--data", Self.data, "--dfem", b, "--resume"] + more)
        #expect(other.contains("cannot resume") && other.contains("--dfem \(b): checkpoint sha256"), "\(other)")
        // The same path with other content.
        let saved = try Data(contentsOf: URL(fileURLWithPath: a))
        try FileManager.default.removeItem(atPath: a)
        try FileManager.default.copyItem(atPath: b, toPath: a)
        #expect(failure(["train", "--run", run, "--data", Self.data, "--dfem", a, "--resume"] + more).contains("--dfem \(a): checkpoint sha256"))
        try saved.write(to: URL(fileURLWithPath: a))
        // Other data.
        let otherData = dir + "/data2"
        try ddl(["synth", "--out", otherData, "--data-seed", "7"] + Self.small)
        let data = failure(["train", "--run", run, "--data", otherData, "--dfem", a, "--resume"] + more)
        #expect(data.contains("test data: checkpoint sha256") && data.contains("train data: checkpoint sha256"), "\(data)")
        #expect(snapshot(run) == before)
        try ddl(["train", "--run", run, "--data", Self.data, "--dfem", a, "--resume"] + more)
        #expect(try Checkpoint.metadata(of: run + "/checkpoint.h5").epoch == 2)
    }

    // Row: `evaluate` with images smaller than the model input (was SIGILL).
    @Test func evaluateRefusesImagesSmallerThanTheModelInput() throws {
        let dir = scratchDirectory()
        try ddl(["synth", "--out", dir, "--synthetic-size", "16", "--synthetic-train", "4", "--synthetic-test", "4",
                 "--synthetic-disturbance", "4", "--identities", "4"])
        let checkpoint = repositoryRoot.appendingPathComponent("fixtures/checkpoints/ddm_paper_ddl_gar_w2.h5").path
        let message = failure(["evaluate", "--checkpoint", checkpoint, "--data", dir])
        #expect(message.contains("takes 20×20 inputs") && message.contains("\(dir)/test.h5), 16×16"), "\(message)")
    }

    // Rows: --crop 0 / --crop=-5; --crop 2 or --input larger than the data.
    @Test func cropAndInputAreCheckedAgainstTheDataAndTheNetwork() throws {
        let dir = scratchDirectory()
        let run = dir + "/run"
        let base = ["train", "--run", run, "--data", Self.data] + Self.baseline
        #expect(failure(base + ["--crop", "0"]).contains("--crop must be a side in pixels (an integer ≥ 1) or a fraction of the image side in (0, 1], got '0'"))
        #expect(failure(base + ["--crop=-5"]).contains("got '-5'"))
        let two = failure(base + ["--crop", "2"])
        #expect(two.contains("--crop 2: 2×2 is smaller than the network's minimum input 16×16"), "\(two)")
        let input = failure(base + ["--input", "24"])
        #expect(input.contains("--input: the model input 24×24 is larger than the training images (\(Self.data)/train.h5), 20×20"), "\(input)")
        #expect(failure(base + ["--input", "16", "--crop", "18"]).contains("--input 16 and --crop 18"))
        for (option, value, text) in [("--milestones", "5,3", "strictly increasing, got 5,3"), ("--milestones", "0,4", "positive, got 0,4"),
                                      ("--beta1", "1", "--beta1: must be in [0, 1), got 1.0"), ("--beta2=-0.1", "", "--beta2: must be in [0, 1), got -0.1")] {
            #expect(failure(base + [option] + (value.isEmpty ? [] : [value])).contains(text), "\(option) \(value)")
        }
        #expect(!FileManager.default.fileExists(atPath: run))
        // --input alone sets the crop, and a fraction is a share of the side.
        try ddl(base + ["--input", "16"])
        #expect(try Checkpoint.metadata(of: run + "/checkpoint.h5").config.inputSize == 16)
        try ddl(base + ["--crop", "0.8", "--overwrite"])
        #expect(try Checkpoint.metadata(of: run + "/checkpoint.h5").config.inputSize == 16)
    }

    // Row: a fixture with a reference set to ±inf; a file's own atol/rtol loosening its check.
    @Test func fixtureComparisonRefusesNonFiniteReferencesAndLooserTolerances() throws {
        let dir = scratchDirectory()
        let source = repositoryRoot.appendingPathComponent("fixtures/ops/add_channel.h5").path
        var lines: [String] = []
        #expect(FixturesCommand.Verify.verify([source]) { lines.append($0) }.failed == 0)
        for value in [Double.infinity, -Double.infinity, Double.nan] {
            let broken = dir + "/inf.h5"
            try copyHDF5(source, to: broken, change: { path, v in path.hasPrefix("/outputs/") ? [value] + v.dropFirst() : v })
            lines = []
            #expect(FixturesCommand.Verify.verify([broken]) { lines.append($0) }.failed == 1, "\(value)")
            #expect(lines.first?.contains("non-finite at [") == true, "\(lines)")
        }
        // A file asking for atol = rtol = 1000 is still held to the defaults.
        let loose = dir + "/loose.h5"
        try copyHDF5(source, to: loose, change: { path, v in path.hasPrefix("/outputs/") ? v.map { $0 + 0.5 } : v },
                     extra: { root in
                         try root.setAttribute("atol", 1000.0)
                         try root.setAttribute("rtol", 1000.0)
                     })
        lines = []
        #expect(FixturesCommand.Verify.verify([loose]) { lines.append($0) }.failed == 1)
        #expect(lines.first?.contains("atol 1e-") == true, "\(lines)")
    }

    // Row: `train … 2>&-`, `>&- 2>&-` and a closed pipe.
    @Test func closedOrBrokenStreamsNeitherCrashNorHang() throws {
        let dir = scratchDirectory()
        let args = "--data \(Self.data) \(Self.baseline.joined(separator: " "))"
        for (k, redirect) in ["2>&-", ">&- 2>&-", "<&- >&- 2>&-"].enumerated() {
            let r = try shell("\"$DDL\" train --run r\(k) \(args) \(redirect)", in: dir, timeout: 60)
            #expect(r.status == 0 && !r.signalled, "\(redirect): \(r.status) \(r.stderr)")
            #expect(try Checkpoint.metadata(of: dir + "/r\(k)/checkpoint.h5").epoch == 1)
        }
        let piped = try shell("bash -c '\"$DDL\" train --run p \(args) --epochs 3 2>&1 | head -c 1 >/dev/null; exit ${PIPESTATUS[0]}'", in: dir)
        #expect(piped.status == 0 && !piped.signalled, "\(piped)")
        // An error with no stream to print it on still exits with its status.
        let bad = try shell("\"$DDL\" train --run q \(args) --crop 2 >&- 2>&-", in: dir)
        #expect(bad.status == 64 && !bad.signalled)
    }

    // Row: a full disk during the checkpoint write (a 600 kB tmpfs as root, else a file-size limit).
    @Test func aFullDiskKeepsThePreviousCheckpointAndExitsCleanly() throws {
        let dir = scratchDirectory()
        let mountPoint = dir + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mounted = try getuid() == 0 && shell("mount -t tmpfs -o size=600k tmpfs small", in: dir).status == 0
        defer { if mounted { _ = try? shell("umount small", in: dir) } }
        let args = "--data \(Self.data) \(Self.baseline.joined(separator: " "))"
        let first = try shell("\"$DDL\" train --run small/run \(args)", in: dir)
        #expect(first.status == 0)
        let before = snapshot(mountPoint + "/run")
        let limit = mounted ? "" : "ulimit -f 200; "
        let r = try shell("\(limit)\"$DDL\" train --run small/run \(args.replacingOccurrences(of: "--epochs 1", with: "--epochs 3")) --resume", in: dir)
        #expect(r.status == 1 && !r.signalled, "\(r.status) \(r.stderr)")
        let reason = mounted ? "No space left on device" : "File too large"
        #expect(r.stderr.contains("cannot save epoch 2 to small/run/checkpoint.h5 (writing small/run/checkpoint.h5: \(reason)); the checkpoint of epoch 1 is kept"), "\(r.stderr)")
        #expect(snapshot(mountPoint + "/run") == before)
    }

    // Row: SIGKILL/SIGTERM mid-write leaves `.checkpoint.h5.tmp-PID` files.
    @Test func staleTemporaryFilesOfDeadProcessesAreRemoved() throws {
        let run = try baselineRun()
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let stale = run + "/.checkpoint.h5.tmp-\(dead.processIdentifier)"
        try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: stale))
        try ddl(["train", "--run", run, "--data", Self.data, "--resume"] + Self.baseline.map { $0 == "1" ? "2" : $0 })
        #expect(!FileManager.default.fileExists(atPath: stale))
    }

    // Row: a checkpoint with a NaN weight (evaluate, train --resume, a DFEM).
    @Test func nonFiniteCheckpointWeightsAreRefusedByName() throws {
        let run = try baselineRun()
        let checkpoint = run + "/checkpoint.h5"
        let bad = run + "/../nan.h5"
        try copyHDF5(checkpoint, to: bad, change: { path, v in path == "/state_dict/trunk.layer1.0.conv1.weight" ? [.nan] + v.dropFirst() : v })
        let evaluate = failure(["evaluate", "--checkpoint", bad, "--data", Self.data])
        #expect(evaluate.contains("nan.h5: non-finite weights: state_dict/trunk.layer1.0.conv1.weight has nan at [0, 0, 0, 0]"), "\(evaluate)")
        try FileManager.default.removeItem(atPath: checkpoint)
        try FileManager.default.copyItem(atPath: bad, toPath: checkpoint)
        let before = snapshot(run)
        let resume = failure(["train", "--run", run, "--data", Self.data, "--resume"] + Self.baseline.map { $0 == "1" ? "2" : $0 })
        #expect(resume.contains("checkpoint.h5: non-finite weights"), "\(resume)")
        #expect(snapshot(run) == before)
        // A DFEM.
        let stage1 = scratchDirectory() + "/s1"
        try ddl(["pretrain-dfem", "--run", stage1, "--data", Self.data] + Self.ddlGA)
        let dfem = stage1 + "/nan-dfem.h5"
        try copyHDF5(stage1 + "/dfem-0/checkpoint.h5", to: dfem, change: { path, v in path.hasPrefix("/state_dict/trunk.") && path.hasSuffix("weight") ? [.infinity] + v.dropFirst() : v })
        let train = failure(["train", "--run", stage1 + "/ddl", "--data", Self.data, "--dfem", dfem] + Self.ddlGA)
        #expect(train.contains("nan-dfem.h5: non-finite weights: state_dict/trunk.") && train.contains("has inf"), "\(train)")
    }

    // Row: `evaluate --test EMPTY.h5`, `train --test ALL-UNLABELLED.h5`, `pretrain-dfem` on all −1 factors.
    @Test func degenerateDataIsAnErrorNotAZeroResult() throws {
        let dir = scratchDirectory()
        let test = try FaceSet.load(from: Self.data + "/test.h5")
        try FaceSet(size: 20).save(to: dir + "/empty.h5")
        try test.withoutExpressions().save(to: dir + "/unlabelled.h5")
        try FaceSet.load(from: Self.data + "/disturbance.h5").withoutFactors().save(to: dir + "/nofactors.h5")
        let checkpoint = try baselineRun(dir)
        let empty = failure(["evaluate", "--checkpoint", checkpoint + "/checkpoint.h5", "--test", dir + "/empty.h5"])
        #expect(empty.contains("the test set (\(dir)/empty.h5) has no labelled face (0 faces)"), "\(empty)")
        let before = snapshot(dir)
        let train = failure(["train", "--run", dir + "/t", "--train", Self.data + "/train.h5", "--test", dir + "/unlabelled.h5"] + Self.baseline)
        #expect(train.contains("the test set has no labelled face (14 faces, every expression −1)"), "\(train)")
        let dfem = failure(["pretrain-dfem", "--run", dir + "/d", "--disturbance", dir + "/nofactors.h5"] + Self.ddlGA)
        #expect(dfem.contains("has no gender label at all (all") || dfem.contains("has no age label at all (all"), "\(dfem)")
        #expect(snapshot(dir) == before)
        #expect(!FileManager.default.fileExists(atPath: dir + "/d/dfem-0/checkpoint.h5"))
    }

    // Row: `expression_classes` 1e9, `--width 100000` (was an allocator abort).
    @Test func absurdSizesAreRefusedBeforeAllocating() throws {
        let dir = scratchDirectory()
        try copyHDF5(Self.data + "/test.h5", to: dir + "/big.h5", attribute: { path, name in
            path == "/" && name == "expression_classes" ? 1_000_000_000 : nil
        })
        let big = failure(["evaluate", "--checkpoint", try baselineRun(dir) + "/checkpoint.h5", "--test", dir + "/big.h5"])
        #expect(big.contains("big.h5: /@expression_classes: 1000000000 expression classes is outside 1…100000"), "\(big)")
        let wide = failure(["train", "--run", dir + "/w", "--data", Self.data, "--width", "100000"])
        #expect(wide.contains("--width 100000 is larger than 4096"), "\(wide)")
        let memory = failure(["train", "--run", dir + "/w", "--data", Self.data, "--width", "4000", "--variant", "baseline"])
        #expect(memory.contains("--width 4000 --batch-size 16: the run needs about") && memory.contains("more than this machine's"), "\(memory)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/w"))
    }

    // Row: int64 pixels 300–555 in a cache (were clamped).
    @Test func widePixelsOutsideTheByteRangeAreAnError() throws {
        let path = scratchDirectory() + "/wide.h5"
        try HDF5File.write(to: path) { root in
            try root.setAttribute("format", FaceSet.format)
            try root.setAttribute("expression_classes", Int64(7))
            try root.setAttribute("factor_classes", "{}")
            let pixels: [Int64] = (0..<1536).map { (i: Int) -> Int64 in Int64(300 + i % 256) }
            try root.write("images", shape: [2, 3, 16, 16], values: pixels)
            try root.write("expressions", shape: [2], values: [Int64(0), 1])
            try root.write("subjects", shape: [2], values: [Int64(0), 1])
            try root.createGroup("factors")
        }
        var message = "loaded"
        do { _ = try FaceSet.load(from: path) } catch { message = "\(error)" }
        #expect(message.contains("wide.h5: /images: wrong element type: int64 values 300…555 are outside the uint8 range 0…255"), "\(message)")
    }

    // Row: a result JSON with accuracy 5.0 (was shown as 500.00).
    @Test func aStoredResultWithAnAccuracyOutsideTheUnitIntervalIsRefused() throws {
        let store = ResultStore(directory: scratchDirectory(), setting: "quick-paper")
        let key = RunKey(["variant": "baseline"]), arm = Arm(.baseline)
        let result = RunResult(database: "Lab-like", arm: arm.name, variant: "baseline", lambda1: 0, lambda2: 0, fold: 0, seed: 0,
                               accuracy: 0.5, bestAccuracy: 0.5, testFaces: 10, epochs: 1, seconds: 1, synthetic: true,
                               key: key.digest, settings: [:])
        try store.store(result, arm: arm, key: key)
        #expect(store.lookup(database: "Lab-like", arm: arm, key: key) == .done(result))
        let path = store.path(database: "Lab-like", arm: arm, key: key)
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"accuracy\" : 0.5", with: "\"accuracy\" : 5")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        guard case .corrupt(let p, let reason) = store.lookup(database: "Lab-like", arm: arm, key: key) else {
            Issue.record("an accuracy of 5 was accepted")
            return
        }
        #expect(p == path && reason.contains("outside [0, 1]"))
    }

    // Row: `checkpoint create --out EXISTING_TRAINED.h5` (was overwritten).
    @Test func checkpointCreateRefusesAnExistingFileWithoutOverwrite() throws {
        let run = try baselineRun()
        let before = snapshot(run)
        let message = failure(["checkpoint", "create", "--width", "2", "--variant", "baseline", "--input", "16", "--out", run + "/checkpoint.h5"])
        #expect(message.contains("\(run)/checkpoint.h5 already exists: use --overwrite"), "\(message)")
        #expect(snapshot(run) == before)
        try ddl(["checkpoint", "create", "--width", "2", "--variant", "baseline", "--input", "16", "--out", run + "/checkpoint.h5", "--overwrite"])
        #expect(try Checkpoint.metadata(of: run + "/checkpoint.h5").epoch == 0)
    }

    // Row: filesystem errors (were raw NSCocoaErrorDomain dumps).
    @Test func fileSystemErrorsAreOneLineWithWhatPathAndReason() throws {
        let dir = scratchDirectory()
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/file"))
        let message = failure(["train", "--run", dir + "/file/run", "--data", Self.data] + Self.baseline)
        #expect(message == "creating the run folder \(dir)/file: File exists (a file)", "\(message)")
        let r = try shell("\"$DDL\" synth --out \(dir)/file/data \(Self.small.joined(separator: " "))", in: dir)
        #expect(r.status == 1 && !r.stderr.contains("NSCocoaErrorDomain") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("\(dir)/file") && r.stderr.contains("Not a directory"), "\(r.stderr)")
        let cocoa = CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: "/x/y.h5"])
        #expect("\(DDL.presentable(cocoa))" == "writing /x/y.h5: No space left on device")
    }
}
