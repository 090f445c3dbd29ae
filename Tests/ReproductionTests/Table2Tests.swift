import DDLModel
import FaceData
import Foundation
import Reproduction
import Testing
import Training

/// A tiny train/test database of synthetic faces (fast enough for tests).
func tinyDatabase(name: String = "tiny", confound: Double = 0.5) -> Table2Database {
    let spec = SyntheticFaceSpec(size: 20, identities: 12, strength: 0.6)
    return Table2Database(
        name: name, paperRow: nil, evaluation: .trainTest, synthetic: true,
        load: {
            .trainTest(train: SyntheticFaces.expressionSet(spec: spec, count: 48, seed: 3, identities: 0..<8,
                                                           confound: SyntheticConfound(rho: confound)),
                       test: SyntheticFaces.expressionSet(spec: spec, count: 28, seed: 3, identities: 8..<12))
        },
        disturbance: { SyntheticFaces.disturbanceSet(spec: spec, count: 48, seed: 3, identities: 0..<8) })
}

let tinyScale = ReproductionScale(name: "test", width: 2, epochs: 1, dfemEpochs: 1, batchSize: 16, learningRate: 1e-3,
                                  milestones: [], folds: 2, syntheticSize: 20, seeds: 1, trunkEpochs: 1, evaluateEveryEpoch: false)

func scratchFolder() -> String {
    let path = NSTemporaryDirectory() + "ddl-reproduce-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func runner(_ dbs: [Table2Database], _ arms: [Arm], seeds: [UInt64] = [1], scale: ReproductionScale = tinyScale,
            trunk: TrunkSource = .scratch, out: String, messages: @escaping (String) -> Void = { _ in }) -> ExperimentRunner {
    ExperimentRunner(databases: dbs, arms: arms, preset: .paper, scale: scale, seeds: seeds, trunk: trunk, out: out, report: messages)
}

/// Collects reported lines (the runner reports on the calling thread).
final class Lines: @unchecked Sendable {
    var all: [String] = []
    func add(_ s: String) { all.append(s) }
}

@Suite("Reproduction: runs, keys and reuse", .serialized)
struct Table2Tests {
    @Test func runsAreStoredReusedAndCorruptOnesRepeated() throws {
        let out = scratchFolder()
        let lines = Lines()
        let arms = [Arm(.baseline), Arm(.ddlG)]
        let first = try runner([tinyDatabase()], arms, seeds: [1, 2], out: out, messages: lines.add).run()
        #expect(first.runs.count == 4)  // two arms × two seeds × one split
        #expect(first.reused.isEmpty)
        #expect(first.runs.allSatisfy { $0.accuracy >= 0 && $0.accuracy <= 1 && $0.synthetic && $0.testFaces == 28 })
        #expect(Set(first.runs.map(\.seed)) == [1, 2])
        #expect(lines.all.filter { $0.contains("fold 1/1") }.count == 4)
        // The DFEM is scored on held-out faces and reported.
        #expect(first.dfemQuality["tiny"]?["gender"]?.first?.count ?? 0 > 0)
        #expect(lines.all.contains { $0.contains("DFEM gender held-out") })
        // A second run trains nothing, says what it reused and returns the same results.
        lines.all = []
        let again = try runner([tinyDatabase()], arms, seeds: [1, 2], out: out, messages: lines.add).run()
        #expect(again.reused.count == 4)
        #expect(again.runs.map(\.accuracy) == first.runs.map(\.accuracy))
        #expect(lines.all.contains { $0.contains("reused 4 stored run(s)") })
        #expect(!lines.all.contains { $0.contains("fold 1/1") })
        // A corrupt result file is named and that run repeated.
        let broken = try #require(FileManager.default.enumerator(atPath: out + "/runs")?.compactMap { $0 as? String }
            .first { $0.hasSuffix(".json") && $0.contains("/baseline/") })
        try "{ not json".write(toFile: out + "/runs/" + broken, atomically: true, encoding: .utf8)
        lines.all = []
        let third = try runner([tinyDatabase()], arms, seeds: [1, 2], out: out, messages: lines.add).run()
        #expect(lines.all.contains { $0.contains(broken) && $0.contains("running it again") })
        #expect(third.reused.count == 3)
        #expect(third.runs.map(\.accuracy) == first.runs.map(\.accuracy))  // bit-reproducible by seed
    }

    @Test func changingASettingOrOneByteOfTheDataMakesANewRun() throws {
        let out = scratchFolder()
        let arms = [Arm(.baseline)]
        let first = try runner([tinyDatabase()], arms, out: out).run()
        #expect(first.reused.isEmpty)
        // Same everything: reused.
        #expect(try runner([tinyDatabase()], arms, out: out).run().reused.count == 1)
        // Another epoch count, another loss weight, another confound: new runs.
        var longer = tinyScale
        longer.epochs = 2
        #expect(try runner([tinyDatabase()], arms, scale: longer, out: out).run().reused.isEmpty)
        let weighted = try runner([tinyDatabase()], [Arm(.ddlG, lambda1: 0)], out: out).run()
        #expect(weighted.reused.isEmpty && weighted.runs.first?.lambda1 == 0)
        #expect(try runner([tinyDatabase(confound: 0.6)], arms, out: out).run().reused.isEmpty)

        // Prepared files: one byte of one image changed means a new run.
        let root = scratchFolder()
        try FileManager.default.createDirectory(atPath: root + "/RAF-DB", withIntermediateDirectories: true)
        guard case .trainTest(let train, let test) = try tinyDatabase().load() else { Issue.record("not train/test"); return }
        try train.save(to: root + "/RAF-DB/train.h5")
        try test.save(to: root + "/RAF-DB/test.h5")
        try SyntheticFaces.disturbanceSet(spec: SyntheticFaceSpec(size: 20, identities: 12), count: 20, seed: 1).save(to: root + "/disturbance.h5")
        let files = PreparedDatabases.found(root: root, folds: 2)
        #expect(try runner(files, arms, out: out).run().reused.isEmpty)
        #expect(try runner(files, arms, out: out).run().reused.count == 1)
        var changed = FaceSet(size: train.size, expressionClasses: train.expressionClasses, factorClasses: train.factorClasses,
                              expressionClassNames: train.expressionClassNames)
        for i in 0..<train.count {
            var image = Array(train.image(i))
            if i == 5 { image[17] = image[17] == 255 ? 254 : image[17] + 1 }
            changed.append(image: image, expression: train.expressions[i], subject: train.subjects[i])
        }
        try changed.save(to: root + "/RAF-DB/train.h5")
        #expect(try runner(PreparedDatabases.found(root: root, folds: 2), arms, out: out).run().reused.isEmpty)
    }

    @Test func runKeysAreDigestsOfTheirSettings() {
        let a = RunKey(["epochs": "8", "data": "abc"])
        let b = RunKey(["data": "abc", "epochs": "8"])
        let c = RunKey(["epochs": "9", "data": "abc"])
        #expect(a == b)
        #expect(a.digest != c.digest)
        #expect(a.digest.count == 64 && a.short.count == 16)
        #expect(a.fields["version"] == ReproductionVersion.current && a.fields["epochs"] == "8")
    }

    @Test func aTrunkCheckpointStartsTheRunsAndIsKeyed() throws {
        let out = scratchFolder()
        let pre = try runner([tinyDatabase()], [Arm(.baseline)], trunk: .pretrain(train: nil, test: nil), out: out).run()
        #expect(pre.trunk.contains("/trunks/"))
        let scratch = try runner([tinyDatabase()], [Arm(.baseline)], out: out).run()
        #expect(scratch.reused.isEmpty && scratch.trunk == "scratch")
        #expect(pre.runs.first?.key != scratch.runs.first?.key)
    }
}

@Suite("Reproduction: paired statistics")
struct PairedSummaryTests {
    func run(_ arm: Arm, seed: UInt64, fold: Int, _ accuracy: Double) -> RunResult {
        RunResult(database: "CK+", arm: arm.name, variant: arm.variant.rawValue, lambda1: arm.lambda1, lambda2: arm.lambda2,
                  fold: fold, seed: seed, accuracy: accuracy, bestAccuracy: accuracy, testFaces: 100, epochs: 1, seconds: 1,
                  synthetic: false, key: "k\(seed)\(fold)\(arm.name)", settings: [:])
    }

    @Test func cellsHaveTIntervalsAndPairedDifferences() throws {
        let db = Table2Database(name: "CK+", paperRow: "CK+", evaluation: .folds(2), synthetic: false,
                                load: { .folds(all: FaceSet(size: 20), test: nil) }, disturbance: { FaceSet(size: 20) })
        let reference = Arm(.baselineMAT), ddl = Arm(.ddlG)
        // Pairs (seed, fold): reference 80, 90, 85; ddl 82, 91, 88 → differences 2, 1, 3.
        let results = [
            run(reference, seed: 1, fold: 0, 0.80), run(reference, seed: 1, fold: 1, 0.90), run(reference, seed: 2, fold: 0, 0.85),
            run(ddl, seed: 2, fold: 0, 0.88), run(ddl, seed: 1, fold: 0, 0.82), run(ddl, seed: 1, fold: 1, 0.91),
        ]
        var paper = [Double](repeating: 0, count: 9)
        paper[2] = 96.0
        paper[3] = 97.0
        let summary = PairedSummary(results: results, databases: [db], arms: [reference, ddl], reference: reference,
                                    paper: ["CK+": paper])
        let r = try #require(summary.cell("CK+", reference.name))
        #expect(abs(r.accuracy.mean - 85) <= 1e-9 && r.accuracy.n == 3)
        #expect(abs(r.accuracy.std - 5) <= 1e-9)
        // t(0.975, 2) = 4.302652729749, s = 5, n = 3.
        #expect(abs((r.accuracy.halfWidth ?? .nan) - 4.302652729749 * 5 / 3.0.squareRoot()) <= 1e-9)
        #expect(r.paper == 96 && r.difference == nil)
        let d = try #require(summary.cell("CK+", ddl.name)?.difference)
        // Differences 2, 1, 3: mean 2, s 1, t = 2·√3 = 3.4641, two-sided p(2 df) = 0.074180.
        #expect(d.n == 3 && abs(d.meanDifference - 2) <= 1e-9 && abs(d.std - 1) <= 1e-9)
        #expect(abs((d.tStatistic ?? .nan) - 2 * 3.0.squareRoot()) <= 1e-9)
        #expect(abs((d.pValue ?? .nan) - 0.0741799002) <= 1e-9)
        let lines = summary.markdown()
        #expect(lines[2] == "| CK+ | 85.00 ± 12.42 (n=3) Δ -11.00 | 87.00 ± 11.38 (n=3) Δ -10.00 |")
        #expect(lines.contains("| CK+ | +2.00 ± 2.48, p=0.074 (n=3) |"))
        let csv = summary.csv(scale: "quick", preset: "paper")
        #expect(csv.contains("\"CK+\",false,\"ddl_g\",ddl_g,1.0,0.05,quick,paper,87.0000,"))
        #expect(csv.contains(",3,0.0742\n"))
        #expect(summary.table["CK+"]?["baseline_mat"] == 85)
    }

    @Test func ablationArmsAreNamedByTheirWeights() {
        let arms = Arm.ablation(of: .ddlGARIDILP)
        #expect(arms.map(\.name) == ["ddl_gar_id_il_p", "ddl_gar_id_il_p λ1=0 λ2=0.05", "ddl_gar_id_il_p λ1=1 λ2=0",
                                     "ddl_gar_id_il_p λ1=0 λ2=0"])
        #expect(Arm(.baselineMAT, lambda1: 0).name == "baseline_mat")
    }
}
