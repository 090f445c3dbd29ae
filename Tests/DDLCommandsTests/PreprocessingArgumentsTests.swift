import ArgumentParser
import DDLCommands
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
}
