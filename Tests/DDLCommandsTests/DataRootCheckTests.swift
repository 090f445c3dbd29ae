import DDLCommands
import DDLModel
import FaceData
import Foundation
import Reproduction
import Testing

/// `ddl reproduce table2 --data-root`: what the prepared data supports, checked before training.
@Suite("Data root pre-check", .serialized)
struct DataRootCheckTests {
    let spec = SyntheticFaceSpec(size: 20, identities: 12, strength: 0.6)

    /// A root with RAF-DB (train and test), SFEW's train.h5 only, and a disturbance set with
    /// gender, race and age labels and an identity factor whose labels are all −1.
    func tinyRoot() throws -> String {
        let root = scratchDirectory()
        for name in ["RAF-DB", "SFEW"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true)
        }
        try SyntheticFaces.expressionSet(spec: spec, count: 28, seed: 1, identities: 0..<8).save(to: root + "/RAF-DB/train.h5")
        try SyntheticFaces.expressionSet(spec: spec, count: 14, seed: 1, identities: 8..<12).save(to: root + "/RAF-DB/test.h5")
        try SyntheticFaces.expressionSet(spec: spec, count: 14, seed: 2, identities: 0..<8).save(to: root + "/SFEW/train.h5")
        let all = SyntheticFaces.disturbanceSet(spec: spec, count: 40, seed: 1, identities: 0..<8)
        let attributes = all.keepingFactorLabels { factor, _ in ["gender", "race", "age"].contains(factor) }
        try attributes.save(to: root + "/disturbance.h5")
        return root
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func findsWhatEachVariantAndDatabaseLacks() throws {
        let root = try tinyRoot()
        let check = DataRootCheck(root: root, variants: [.baselineMAT, .ddlGAR, .ddlGARID, .ddlGARIDILP])
        #expect(check.databases == ["RAF-DB"])
        #expect(check.runnable == [.baselineMAT, .ddlGAR])
        #expect(check.unsupported.map(\.name) == ["ddl_gar_id", "ddl_gar_id_il_p"])
        #expect(check.unsupported[0].reason == "needs identity labels: no labelled face under factors/identity in \(root)/disturbance.h5")
        #expect(check.unsupported[1].reason.contains("identity, illumination, pose labels"))
        let sfew = try #require(check.missingDatabases.first { $0.name == "SFEW" })
        #expect(sfew.reason.hasPrefix("no \(root)/SFEW/test.h5 "))
        #expect(check.missingDatabases.first { $0.name == "CK+" }?.reason.hasPrefix("no \(root)/CK+/faces.h5") == true)
        #expect(check.disturbance?.factors["gender"]?.labelled == 40 && check.disturbance?.factors["identity"]?.labelled == 0)
        #expect(check.lines.contains("  cannot run ddl_gar_id: \(check.unsupported[0].reason)"))
        #expect(check.canRun && check.nothingRunnable == nil)
    }

    @Test func failsEarlyWhenNothingCanRun() throws {
        let empty = scratchDirectory()
        let none = message { try ddl(["reproduce", "table2", "--data-root", empty, "--out", empty + "/out"]) }
        #expect(none.contains("no expression database under \(empty)") && none.contains("\(empty)/RAF-DB/train.h5"))
        let root = try tinyRoot()
        try FileManager.default.removeItem(atPath: root + "/disturbance.h5")
        let ddlOnly = message { try ddl(["reproduce", "table2", "--data-root", root, "--variants", "ddl_g,ddl_gar", "--out", root + "/out"]) }
        #expect(ddlOnly.contains("no requested variant can run") && ddlOnly.contains("no \(root)/disturbance.h5"))
        let unknown = message { try ddl(["reproduce", "table2", "--data-root", root, "--databases", "fer2013", "--out", root + "/out"]) }
        #expect(unknown.contains("--databases: unknown fer2013"))
        let absent = message { try ddl(["reproduce", "table2", "--data-root", root, "--databases", "sfew", "--out", root + "/out"]) }
        #expect(absent.contains("no expression database under \(root): SFEW: no \(root)/SFEW/test.h5"))
        #expect(!FileManager.default.fileExists(atPath: root + "/out"))
        // The ablation needs its one DDL variant.
        let withAttributes = try tinyRoot()
        let ablation = message { try ddl(["reproduce", "ablation", "--data-root", withAttributes, "--variant", "ddl_gar_id",
                                          "--out", withAttributes + "/out"]) }
        #expect(ablation.contains("ddl_gar_id cannot run: needs identity labels"))
        #expect(!FileManager.default.fileExists(atPath: withAttributes + "/out"))
    }

    @Test func runsTheSupportableVariantsOnly() throws {
        let root = try tinyRoot()
        let out = root + "/out"
        try ddl(["reproduce", "table2", "--data-root", root, "--databases", "rafdb", "--variants", "baseline,ddl_gar_id",
                 "--trunk", "scratch", "--seeds", "1", "--out", out])
        let runs = try String(contentsOfFile: out + "/table2-runs.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(runs.count == 1)
        #expect(runs.first?.hasPrefix("\"RAF-DB\",\"baseline\"") == true)
    }
}
