import DDLModel
import FaceData
import Foundation
import Reproduction
import Testing

func tinyDatabase() -> Table2Database {
    SyntheticDatabases.labLike(size: 20, seed: 3, folds: 2)
}

let tinyScale = ReproductionScale(name: "test", width: 2, epochs: 1, dfemEpochs: 1, batchSize: 16, learningRate: 1e-3,
                                  milestones: [], folds: 2, syntheticSize: 20)

func scratchFolder() -> String {
    let path = NSTemporaryDirectory() + "ddl-reproduce-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("Table 2 reproduction", .serialized)
struct Table2Tests {
    @Test func runsAreStoredSkippedAndCorruptOnesRepeated() throws {
        let out = scratchFolder()
        var messages: [String] = []
        let runner = Table2Runner(databases: [tinyDatabase()], variants: [.baseline, .ddlG], preset: .paper, scale: tinyScale, out: out,
                                  report: { messages.append($0) })
        let first = try runner.run()
        #expect(first.count == 4)  // two variants × two folds
        #expect(first.allSatisfy { (r: RunResult) in r.accuracy >= 0 && r.accuracy <= 1 && r.synthetic })
        #expect(messages.filter { $0.contains("fold") }.count == 4)
        // A second run trains nothing and returns the same results.
        messages = []
        let again = try Table2Runner(databases: [tinyDatabase()], variants: [.baseline, .ddlG], preset: .paper, scale: tinyScale, out: out,
                                     report: { messages.append($0) }).run()
        #expect(messages.isEmpty)
        #expect(Set(again.map { $0.accuracy }) == Set(first.map { $0.accuracy }))
        // A corrupt result file is named and that run repeated.
        let store = ResultStore(directory: out, setting: "test-paper")
        let broken = store.path(database: tinyDatabase().name, variant: "baseline", fold: 1)
        try "{ not json".write(toFile: broken, atomically: true, encoding: .utf8)
        messages = []
        _ = try Table2Runner(databases: [tinyDatabase()], variants: [.baseline, .ddlG], preset: .paper, scale: tinyScale, out: out,
                             report: { messages.append($0) }).run()
        #expect(messages.first?.contains(broken) == true)
        #expect(messages.filter { $0.contains("fold 2/2") }.count == 1)
        if case .done = store.lookup(database: tinyDatabase().name, variant: "baseline", fold: 1) {} else {
            Issue.record("the repeated run was not stored")
        }
    }

    @Test func summaryComparesWithThePaperAndCountsRuns() throws {
        let real = Table2Database(name: "CK+", paperRow: "CK+", evaluation: .folds(10), synthetic: false,
                                  load: { (nil, nil, nil) }, disturbance: { FaceSet(size: 20) })
        let results = [
            RunResult(database: "CK+", variant: "baseline", fold: 0, accuracy: 0.9, bestAccuracy: 0.95, epochs: 1, seconds: 1, synthetic: false),
            RunResult(database: "CK+", variant: "baseline", fold: 1, accuracy: 0.8, bestAccuracy: 0.9, epochs: 1, seconds: 1, synthetic: false),
        ]
        let summary = Table2Summary(results: results, databases: [real], variants: [Variant.baseline, Variant.ddlG], paper: ["CK+": [96.37] + Array(repeating: 0, count: 8)])
        let cell = try #require(summary.rows.first?.cells[Variant.baseline])
        #expect(abs(cell.mean - 85) < 1e-9 && cell.runs == 2 && cell.paper == 96.37)
        let lines = summary.markdown()
        #expect(lines[2] == "| CK+ | 85.00 (n=2) Δ -11.37 | not run |")
        #expect(summary.csv().contains("\"CK+\",false,baseline,85.00,2,96.37,-11.37"))
        let json = try JSONSerialization.jsonObject(with: summary.json()) as? [String: [String: Double]]
        #expect(json?["CK+"]?["baseline"] == 85)
    }
}
