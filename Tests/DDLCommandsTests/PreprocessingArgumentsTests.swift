import ArgumentParser
import DDLCommands
import DDLModel
import FaceData
import Foundation
import Testing
import Training

/// `ddl train --preprocess/--resize/--grayscale/--rotate/--jitter`.
@Suite("ddl train preprocessing options")
struct PreprocessingArgumentsTests {
    @Test func presetsAndStepsCombine() throws {
        let none = try TrainCommand.parse(["--run", "r"])
        #expect(none.preprocessing.preprocessing(imageSize: 100) == nil)
        let sfew = try TrainCommand.parse(["--run", "r", "--preprocess", "official-sfew", "--jitter", "0.2"])
        #expect(sfew.preprocessing.preprocessing(imageSize: 100) == Preprocessing(resize: 110, rotation: 30, colorJitter: 0.2))
        let ck = try TrainCommand.parse(["--run", "r", "--preprocess", "official-ck+"])
        #expect(ck.preprocessing.preprocessing(imageSize: 40) == Preprocessing(resize: 44, grayscale: true))
        let steps = try TrainCommand.parse(["--run", "r", "--resize", "50", "--grayscale", "--rotate", "10"])
        #expect(steps.preprocessing.preprocessing(imageSize: 40) == Preprocessing(resize: 50, grayscale: true, rotation: 10))
        let dfem = try PretrainDFEMCommand.parse(["--run", "r", "--preprocess", "official-mmi"])
        #expect(dfem.preprocessing.preprocessing(imageSize: 100) == Preprocessing(resize: 110, grayscale: true))
    }

    @Test func badValuesAreRefusedNamingTheOptionAndValue() {
        func message(_ args: [String]) -> String {
            do {
                _ = try TrainCommand.parse(["--run", "r"] + args)
                return "accepted"
            } catch {
                return TrainCommand.message(for: error)
            }
        }
        let unknown = message(["--preprocess", "official-affectnet"])
        #expect(unknown.contains("official-affectnet") && unknown.contains("official-sfew"))
        #expect(message(["--rotate", "200"]).contains("--rotate: must be in [0, 180] degrees, got 200"))
        #expect(message(["--jitter", "1"]).contains("--jitter: must be in [0, 1), got 1.0"))
        #expect(message(["--resize", "4"]).contains("--resize: must be in 16…4096 pixels, got 4"))
        #expect(message(["--jitter", "0.3"]) == "accepted")
    }

    @Test func aPreprocessedRunRecordsItAndEvaluatesTheSameWay() throws {
        let dir = scratchDirectory()
        try ddl(["synth", "--out", dir + "/data", "--synthetic-size", "20", "--synthetic-train", "24", "--synthetic-test", "60",
                 "--synthetic-disturbance", "8", "--identities", "8"])
        try ddl(["train", "--run", dir + "/run", "--data", dir + "/data", "--variant", "baseline", "--width", "2", "--epochs", "1",
                 "--batch-size", "8", "--preprocess", "official-mmi", "--rotate", "5"])
        let recorded = try #require(try RunState.recordedOptions(inCheckpoint: dir + "/run/checkpoint.h5")?.preprocessing)
        #expect(recorded == Preprocessing(resize: 22, grayscale: true, rotation: 5))
        // `ddl evaluate`'s augmentation (the recorded resize and grayscale) gives the run's own test accuracy.
        let (model, meta) = try DDM<Float>.load(from: dir + "/run/checkpoint.h5")
        let test = try FaceSet.load(from: dir + "/data/test.h5")
        let logged = try #require(try EpochLog(path: dir + "/run/log.jsonl").records().last?.testAccuracy)
        let again = evaluate(model, on: test, augmentation: Augmentation(crop: meta.config.inputSize, flip: false, preprocessing: recorded))
        #expect(again.accuracy == logged)
        try ddl(["evaluate", "--checkpoint", dir + "/run/checkpoint.h5", "--data", dir + "/data"])
        #expect(try RunState.recordedOptions(inCheckpoint: dir + "/data/test.h5") == nil)
    }
}
