import DDLCommands
import FaceData
import Foundation
import HDF5Files
import Testing
import Training

/// `ddl data merge`: caches joined into one disturbance set.
@Suite("ddl data merge")
struct DataMergeTests {
    /// A RAF-DB-like cache: expressions and gender/race/age, no subject ids.
    func attributes(size: Int = 8, count: Int = 4, subjects: [Int] = []) -> FaceSet {
        var s = FaceSet(size: size, expressionClasses: 7, factorClasses: ["gender": 3, "race": 3, "age": 5])
        for i in 0..<count {
            s.append(image: [UInt8](repeating: UInt8(10 + i), count: 3 * size * size), expression: i % 7,
                     subject: i < subjects.count ? subjects[i] : -1,
                     factors: ["gender": i % 3, "race": (i + 1) % 3, "age": i % 5])
        }
        return s
    }

    /// A Multi-PIE-like cache: identity/pose/illumination, no expressions, subjects 0, 2, 2.
    func multiPIE(identities: Int = 4) -> FaceSet {
        var s = FaceSet(size: 8, expressionClasses: 7, factorClasses: ["identity": identities, "pose": 3, "illumination": 2])
        for (i, subject) in [0, 2, 2].enumerated() {
            s.append(image: [UInt8](repeating: UInt8(200 + i), count: 192), expression: -1, subject: subject,
                     factors: ["identity": subject, "pose": i, "illumination": i % 2])
        }
        return s
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func joinsFactorsWithMissingLabelsAndRecordsProvenance() throws {
        let dir = scratchDirectory()
        let raf = attributes(subjects: [0, 1, -1, 1])
        try raf.save(to: dir + "/raf.h5")
        try multiPIE().save(to: dir + "/pie.h5")
        try ddlData(["merge", dir + "/raf.h5", dir + "/pie.h5", "--out", dir + "/disturbance.h5"])
        let m = try FaceSet.load(from: dir + "/disturbance.h5")
        #expect(m.count == 7 && m.size == 8 && m.expressionClasses == 7)
        #expect(m.factorClasses == ["gender": 3, "race": 3, "age": 5, "identity": 4, "pose": 3, "illumination": 2])
        #expect(m.factors["gender"] == [0, 1, 2, 0, -1, -1, -1])
        #expect(m.factors["identity"] == [-1, -1, -1, -1, 0, 2, 2])
        #expect(m.factors["pose"] == [-1, -1, -1, -1, 0, 1, 2])
        #expect(m.expressions == [0, 1, 2, 3, -1, -1, -1])
        // Multi-PIE's subjects 0, 2 are shifted past RAF-DB's 0, 1.
        #expect(m.subjects == [0, 1, -1, 1, 2, 4, 4])
        #expect(Array(m.image(4)) == [UInt8](repeating: 200, count: 192) && Array(m.image(0)) == [UInt8](repeating: 10, count: 192))
        let source = try HDF5File.open(dir + "/disturbance.h5").root.stringAttribute("source")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(source.utf8)) as? [String: Any])
        let sources = try #require(json["sources"] as? [[String: Any]])
        #expect(sources.map { $0["file"] as? String } == [dir + "/raf.h5", dir + "/pie.h5"])
        #expect(sources[0]["sha256"] as? String == (try SHA256Digest.hexOfFile(atPath: dir + "/raf.h5")))
        #expect(sources[1]["sha256"] as? String == (try SHA256Digest.hexOfFile(atPath: dir + "/pie.h5")))
        #expect(sources.map { $0["subject_offset"] as? Int } == [0, 2] && sources.map { $0["faces"] as? Int } == [4, 3])
    }

    @Test func refusesDifferentImageSidesNamingBothFiles() throws {
        let dir = scratchDirectory()
        try attributes(size: 8).save(to: dir + "/a.h5")
        try attributes(size: 10).save(to: dir + "/b.h5")
        try Data("keep".utf8).write(to: URL(fileURLWithPath: dir + "/out.h5"))
        let text = message { try ddlData(["merge", dir + "/a.h5", dir + "/b.h5", "--out", dir + "/out.h5"]) }
        #expect(text.contains(dir + "/a.h5 has 8×8 images") && text.contains(dir + "/b.h5 10×10"))
        // Nothing is written over the output.
        #expect(FileManager.default.contents(atPath: dir + "/out.h5") == Data("keep".utf8))
    }

    @Test func refusesConflictingClassCountsOfAFactor() throws {
        let dir = scratchDirectory()
        try multiPIE(identities: 4).save(to: dir + "/a.h5")
        try multiPIE(identities: 5).save(to: dir + "/b.h5")
        let text = message { try ddlData(["merge", dir + "/a.h5", dir + "/b.h5", "--out", dir + "/out.h5"]) }
        #expect(text.contains("factor identity has 4 classes in \(dir)/a.h5 but 5 in \(dir)/b.h5"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.h5"))
    }

    @Test func refusesExpressionsOfDifferentClassesAndMissingInputs() throws {
        var six = FaceSet(size: 8, expressionClasses: 6)
        six.append(image: [UInt8](repeating: 0, count: 192), expression: 5)
        let text = message { _ = try FaceSet.merged([("a.h5", attributes()), ("b.h5", six)]) }
        #expect(text.contains("a.h5 labels 7 expression classes") && text.contains("b.h5 6"))
        // A set without expression labels may have any expression classes.
        let unlabelled = six.withoutExpressions()
        #expect(try FaceSet.merged([("a.h5", attributes()), ("b.h5", unlabelled)]).set.count == 5)
        let missing = message { try ddlData(["merge", "/nonexistent/a.h5", "--out", scratchDirectory() + "/o.h5"]) }
        #expect(missing.contains("no cache at /nonexistent/a.h5"))
        #expect(message { try ddlData(["merge", "--out", "o.h5"]) }.contains("give the caches to merge"))
    }
}
