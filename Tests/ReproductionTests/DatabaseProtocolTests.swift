import DDLModel
import FaceData
import Foundation
import Reproduction
import Testing
import Training

/// Each database's batch size and preprocessing in the settings the runner builds.
@Suite("Per-database protocol")
struct DatabaseProtocolTests {
    /// `tinyDatabase`'s faces under a paper database's name.
    func named(_ name: String?) -> Table2Database {
        let tiny = tinyDatabase()
        return Table2Database(name: name ?? "tiny", paperRow: name, evaluation: .trainTest, synthetic: name == nil,
                              load: tiny.load, disturbance: tiny.disturbance)
    }

    @Test func paperScaleBatchesAre16ForRAFDBAnd8Elsewhere() {
        let out = scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let paper = ExperimentRunner(databases: [], arms: [], preset: .paper, scale: .paper, seeds: [0], out: out)
        let sizes = ["RAF-DB", "CK+", "MMI", "Oulu-CASIA", "SFEW", nil].map { paper.trainingOptions(for: named($0), imageSize: 100, seed: 0).batchSize }
        #expect(sizes == [16, 8, 8, 8, 8, 16])
        let quick = ExperimentRunner(databases: [], arms: [], preset: .paper, scale: .quick, seeds: [0], out: out)
        #expect(quick.trainingOptions(for: named("CK+"), imageSize: 100, seed: 0).batchSize == 16)
        // The paper preset keeps 100 → crop 90 with no other step.
        let o = paper.trainingOptions(for: named("SFEW"), imageSize: 100, seed: 3)
        #expect(o.preprocessing == nil && o.crop == 90 && o.seed == 3 && o.epochs == 40)
    }

    @Test func officialPresetPreprocessesByDatabase() {
        let out = scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = ExperimentRunner(databases: [], arms: [], preset: .official, scale: .paper, seeds: [0], out: out)
        func p(_ name: String?) -> Preprocessing? { r.trainingOptions(for: named(name), imageSize: 100, seed: 0).preprocessing }
        #expect(p("CK+") == Preprocessing(resize: 110, grayscale: true))
        #expect(p("MMI") == Preprocessing(resize: 110, grayscale: true))
        #expect(p("Oulu-CASIA") == Preprocessing(resize: 110))
        #expect(p("RAF-DB") == Preprocessing(resize: 110))
        #expect(p("SFEW") == Preprocessing(resize: 110, rotation: 30, colorJitter: 0.4))
        #expect(r.trainingOptions(for: named("SFEW"), imageSize: 100, seed: 0).crop == 90)
    }

    @Test func theRunsSettingsRecordBatchAndPreprocessing() throws {
        let out = scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        var scale = tinyScale
        scale.batchSizes = ["SFEW": 8]
        let r = ExperimentRunner(databases: [named("SFEW")], arms: [Arm(.baseline)], preset: .official, scale: scale, seeds: [1], out: out)
        let results = try r.run()
        let settings = try #require(results.runs.first?.settings)
        #expect(settings["batch_size"] == "8")
        #expect(settings["preprocessing"] == "resize 22, rotation ±30°, colour jitter 0.4")
        let options = try TrainingOptions.parse(try #require(settings["options"]))
        #expect(options.batchSize == 8 && options.preprocessing?.resize == 22 && options.crop == 18)
        // The paper preset's run of the same data has neither step, and another key.
        let plain = try ExperimentRunner(databases: [named("SFEW")], arms: [Arm(.baseline)], preset: .paper, scale: scale, seeds: [1],
                                         out: out).run()
        #expect(plain.runs.first?.settings["preprocessing"] == nil)
        #expect(plain.runs.first?.key != results.runs.first?.key)
    }

    @Test func theDFEMSeesItsDatabasesDeterministicSteps() throws {
        let out = scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = ExperimentRunner(databases: [named("CK+")], arms: [Arm(.ddlG)], preset: .official, scale: tinyScale, seeds: [1], out: out)
        let results = try r.run()
        #expect(results.runs.first?.settings["preprocessing"] == "resize 22, grayscale")
        let found = FileManager.default.enumerator(atPath: out + "/dfems")?.compactMap { $0 as? String }
            .filter { $0.hasSuffix("checkpoint.h5") } ?? []
        let dfem = try #require(found.first)
        #expect(found.count == 1)
        #expect(try RunState.recordedOptions(inCheckpoint: out + "/dfems/" + dfem)?.preprocessing == Preprocessing(resize: 22, grayscale: true))
        #expect(Preprocessing(resize: 110, rotation: 30, colorJitter: 0.4).deterministicSteps == Preprocessing(resize: 110))
        #expect(Preprocessing(rotation: 30).deterministicSteps == nil)
    }
}

@Suite("The plan's settings lines")
struct PlanSettingsTests {
    @Test func settingsAreNamedAsInTheJSONWithThePreprocessingInWords() {
        var o = TrainingOptions()
        o.batchSize = 8
        o.preprocessing = Preprocessing(resize: 110, grayscale: true)
        let settings = Dictionary(uniqueKeysWithValues: ExperimentRunner.settings(o).map { ($0.name, $0.value) })
        #expect(settings["batch_size"] == "8")
        #expect(settings["milestones"] == "[10, 18, 25, 32]")
        #expect(settings["flip"] == "true")
        #expect(settings["learning_rate"] == "0.0001")
        #expect(settings["preprocessing"] == "resize 110, grayscale")
        #expect(settings["seed"] == nil && settings["epochs"] == nil)
        #expect(ExperimentRunner.settings(TrainingOptions()).last?.value == "none")
    }
}
