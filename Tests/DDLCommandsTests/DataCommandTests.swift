import ArgumentParser
import DDLCommands
import DDLModel
import FaceData
import FaceDatasets
import Foundation
import Testing

/// Runs `ddl data …` in-process, as the command line would.
func ddlData(_ arguments: [String]) throws {
    var command = try DataCommand.parseAsRoot(arguments)
    try command.run()
}

/// A tiny CK+ copy: `subjects` subjects with one sequence of four frames each, labelled
/// with the CK+ codes 1…7 in turn; returns the root.
func tinyCKPlus(subjects: Int) throws -> String {
    let root = scratchDirectory() + "/CK+"
    for s in 1...subjects {
        let subject = String(format: "S%03d", s)
        for f in 1...4 {
            let image = RGBImage(width: 32, height: 24) { x, y in (UInt8((x * 8 + s * 20) % 256), UInt8((y * 10 + f * 30) % 256), UInt8(s * 11 % 256)) }
            try ImageCodecs.write(image, to: root + "/cohn-kanade-images/\(subject)/001/\(subject)_001_0000000\(f).png", as: .png, grey: s % 2 == 0)
        }
        let emotion = root + "/Emotion/\(subject)/001"
        try FileManager.default.createDirectory(atPath: emotion, withIntermediateDirectories: true)
        try "   \((s - 1) % 7 + 1).0000000e+00\n".write(toFile: emotion + "/\(subject)_001_00000004_emotion.txt", atomically: true, encoding: .utf8)
    }
    return root
}

@Suite("ddl data: prepare, inspect, folds, split, then train and evaluate from the cache", .serialized)
struct DataCommandTests {
    @Test func trainAndEvaluateFromAPreparedCache() throws {
        let root = try tinyCKPlus(subjects: 10)
        let dir = scratchDirectory()
        try ddlData(["prepare", "--layout", "ckplus", "--root", root, "--out", dir + "/ck.h5", "--size", "20"])
        let cache = try FaceSet.load(from: dir + "/ck.h5")
        #expect(cache.count == 30 && cache.size == 20 && cache.expressionClasses == 7)
        #expect(Set(cache.subjects) == Set(1...10))
        #expect(cache.expressionClassNames[6] == "contempt")

        let inspect = try DataCommand.Inspect.parse([dir + "/ck.h5"]).report()
        #expect(inspect.first == "\(dir)/ck.h5: 30 faces, 20×20, 7 expression classes")
        #expect(inspect.contains("  contempt    6") && inspect.contains("subjects: 10"))
        let layoutReport = try DataCommand.Inspect.parse(["--layout", "ck+", "--root", root]).report()
        #expect(layoutReport.contains("  S010  3"))

        try ddlData(["folds", "--cache", dir + "/ck.h5", "--k", "5", "--seed", "0", "--out", dir + "/folds.json"])
        try ddlData(["split", "--cache", dir + "/ck.h5", "--folds", dir + "/folds.json", "--fold", "0", "--out", dir + "/fold0"])
        let train = try FaceSet.load(from: dir + "/fold0/train.h5"), test = try FaceSet.load(from: dir + "/fold0/test.h5")
        #expect(train.count == 24 && test.count == 6)
        #expect(Set(train.subjects).isDisjoint(with: Set(test.subjects)))

        try ddl(["train", "--train", dir + "/fold0/train.h5", "--test", dir + "/fold0/test.h5", "--variant", "baseline_mat",
                 "--width", "2", "--epochs", "1", "--batch-size", "8", "--run", dir + "/run"])
        let meta = try Checkpoint.metadata(of: dir + "/run/checkpoint.h5")
        #expect(meta.epoch == 1 && meta.config.classes == 7 && meta.config.inputSize == 18)
        // `--data` (not `--test` alone, which `ddl evaluate` does not yet read) holds train.h5 and test.h5.
        try ddl(["evaluate", "--checkpoint", dir + "/run/checkpoint.h5", "--data", dir + "/fold0"])
    }

    @Test func badInputStopsWithTheFileOrIsSkipped() throws {
        let root = try tinyCKPlus(subjects: 3)
        let frame = root + "/cohn-kanade-images/S002/001/S002_001_00000003.png"
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: frame))
        let dir = scratchDirectory()
        func message(_ arguments: [String]) -> String {
            do {
                try ddlData(arguments)
                return "no error"
            } catch {
                return DataCommand.message(for: error)
            }
        }
        let prepare = ["prepare", "--layout", "ckplus", "--root", root, "--out", dir + "/ck.h5", "--size", "16"]
        #expect(message(prepare) == "\(frame): neither JPEG nor PNG (starts with 6E 6F 74 20) (listed at \(root)/Emotion/S002/001/S002_001_00000004_emotion.txt:1)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/ck.h5"))
        #expect(message(prepare + ["--skip-bad"]) == "no error")
        #expect(try FaceSet.load(from: dir + "/ck.h5").count == 8)
        #expect(message(["prepare", "--layout", "ckk", "--root", root, "--out", dir + "/x.h5"]).contains("unknown layout 'ckk'"))
        #expect(message(["folds", "--cache", dir + "/ck.h5", "--k", "5", "--out", dir + "/f.json"]) == "\(dir)/ck.h5: 3 subjects cannot make 5 subject-independent folds")
    }
}
