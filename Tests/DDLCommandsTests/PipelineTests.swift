import ArgumentParser
import DDLCommands
import DDLModel
import FaceData
import Foundation
import Testing

/// Runs `ddl` with arguments in-process, as the command line would.
func ddl(_ arguments: [String]) throws {
    var command = try DDL.parseAsRoot(arguments)
    try command.run()
}

func scratchDirectory() -> String {
    let path = NSTemporaryDirectory() + "ddl-cli-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("ddl synth, pretrain-dfem, train, evaluate end to end", .serialized)
struct PipelineTests {
    let small = ["--synthetic-size", "20", "--synthetic-train", "28", "--synthetic-test", "14",
                 "--synthetic-disturbance", "28", "--identities", "8"]

    @Test func twoStagesOnSyntheticFiles() throws {
        let dir = scratchDirectory()
        try ddl(["synth", "--out", dir + "/data"] + small)
        for name in ["train", "test", "disturbance"] {
            let set = try FaceSet.load(from: dir + "/data/\(name).h5")
            #expect(set.size == 20)
            #expect(set.count == (name == "test" ? 14 : 28))
        }
        let model = ["--width", "2", "--variant", "ddl_ga", "--epochs", "1", "--batch-size", "8", "--data", dir + "/data"]
        try ddl(["pretrain-dfem", "--run", dir + "/stage1"] + model)
        let dfem = dir + "/stage1/dfem-0/checkpoint.h5"
        #expect(try Checkpoint.metadata(of: dfem).config.factors.map(\.name) == ["gender", "age"])
        try ddl(["train", "--run", dir + "/ddl", "--dfem", dfem] + model)
        let meta = try Checkpoint.metadata(of: dir + "/ddl/checkpoint.h5")
        #expect(meta.epoch == 1 && meta.config.variant == .ddlGA && meta.config.inputSize == 18)
        try ddl(["evaluate", "--checkpoint", dir + "/ddl/checkpoint.h5", "--data", dir + "/data"])
        // Resuming a finished run with more epochs continues it.
        try ddl(["train", "--run", dir + "/ddl", "--dfem", dfem, "--resume"] + model.map { $0 == "1" ? "2" : $0 })
        #expect(try Checkpoint.metadata(of: dir + "/ddl/checkpoint.h5").epoch == 2)
    }

    @Test func badInvocationsSayWhatIsWrong() throws {
        let dir = scratchDirectory()
        func message(_ arguments: [String]) -> String {
            do {
                try ddl(arguments)
                return "no error"
            } catch {
                return DDL.message(for: error)
            }
        }
        #expect(message(["train", "--run", dir, "--data", dir + "/nowhere"]).contains("no data folder at \(dir)/nowhere"))
        #expect(message(["train", "--run", dir, "--variant", "ddl_g", "--width", "2"] + small).contains("needs --dfem"))
        #expect(message(["evaluate", "--checkpoint", dir + "/none.h5"] + small).contains("none.h5"))
        #expect(message(["train", "--run", dir, "--variant", "ddl_zz"]).contains("'ddl_zz' is invalid for '--variant <variant>'"))
        #expect(message(["synth", "--out", dir, "--strength", "3"]).contains("strength"))
        #expect(message(["synth", "--out", dir, "--confound", "1.5"]).contains("--confound must be in [0, 1], got 1.5"))
        #expect(message(["train", "--run", dir, "--lambda-adv=-1"] + small).contains("--lambda-adv and --lambda-at"))
        #expect(message(["reproduce", "table2", "--seeds", "0"]).contains("--seeds must be in 1…1000, got 0"))
        #expect(message(["reproduce", "table2", "--trunk", dir + "/none.h5"]).contains("no file at \(dir)/none.h5"))
        #expect(message(["reproduce", "table2", "--variants", "baseline,zz"]).contains("unknown variant(s) zz"))
        #expect(message(["reproduce", "table2", "--databases", "RAFDB"]).contains("RAFDB not found; available: Lab-like"))
        #expect(message(["study", "disturbance", "--rhos", "0,2"]).contains("--rhos must be comma-separated numbers in [0, 1]"))
    }

    @Test func synthWritesAConfoundedTrainingSplitAndAPNGSheet() throws {
        let dir = scratchDirectory()
        try ddl(["synth", "--out", dir, "--confound", "1", "--sheet", dir + "/sheet.png", "--sheet-scale", "2"] + small)
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/sheet.png"))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        // 28 training faces in 4 rows of 7: (7·21 + 1)·2 × (4·21 + 1)·2 pixels, big-endian in IHDR.
        #expect(png[16..<24] == Data([0, 0, 1, 0x28, 0, 0, 0, 0xAA]))
        // ρ = 1: every training face's subject is in its class's identity group (the
        // training subjects are 0..<6 of 8), so class c's subjects are c mod 6 (and 6 for c = 6 → 0).
        let train = try FaceSet.load(from: dir + "/train.h5")
        for i in 0..<train.count { #expect(train.subjects[i] == train.expressions[i] % 6) }
    }
}
