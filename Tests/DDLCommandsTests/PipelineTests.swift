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
        #expect(message(["train", "--run", dir, "--variant", "ddl_zz"]).contains("unknown variant"))
        #expect(message(["synth", "--out", dir, "--strength", "3"]).contains("strength"))
    }
}
