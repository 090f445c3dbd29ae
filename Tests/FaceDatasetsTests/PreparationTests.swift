import FaceData
import FaceDatasets
import Foundation
import HDF5Files
import Testing

@Suite("prepared caches and inspection")
struct PreparationTests {
    @Test func ckplusCacheHoldsImagesLabelsSubjects() throws {
        let root = scratchFolder()
        try Tiny.ckplus(root, landmarks: true)
        let out = root + "/cache/ckplus.h5"
        let result = try FacePreparation.prepareCache(layout: .ckplus, root: root, side: 20, output: out)
        let set = try FaceSet.load(from: out)
        #expect(set == result.set)
        #expect(set.count == 8 && set.size == 20)
        #expect(set.expressions == [1, 1, 1, 6, 6, 6, 5, 5])
        #expect(set.subjects == [5, 5, 5, 10, 10, 10, 11, 11])
        #expect(set.expressionClassNames.last == "contempt")
        #expect(result.subjectNames == [5: "S005", 10: "S010", 11: "S011"])
        // Each cached image is the aligned crop of its decoded frame.
        let frame = try ImageCodecs.read(root + "/cohn-kanade-images/S005/001/S005_001_00000003.png")
        let crop = FaceAligner(side: 20).crop(frame, .eyes(left: ImagePoint(x: 12.5, y: 10), right: ImagePoint(x: 28.5, y: 10)))
        #expect(Array(set.image(0)) == crop)
    }

    @Test func multiPIECacheHasFactorsAndMissingExpressions() throws {
        let root = scratchFolder()
        try Tiny.multiPIE(root)
        let set = try FacePreparation.prepareCache(layout: .multiPIE, root: root, side: 12, output: root + "/pie.h5").set
        #expect(set.factorClasses == ["identity": 3, "pose": 15, "illumination": 20])
        #expect(set.factors["pose"] == [6, 14, 0, 5] && set.factors["identity"] == [0, 0, 1, 2])
        #expect(set.expressions == [-1, -1, -1, -1] && set.subjects == [1, 1, 2, 3])
    }

    @Test func rafdbCacheMarksNothingMissingWhenAnnotated() throws {
        let root = scratchFolder()
        try Tiny.rafdb(root)
        try FileManager.default.removeItem(atPath: root + "/Annotation/manual/test_0001_manu_attri.txt")
        let set = try FacePreparation.prepareCache(layout: .rafdb, root: root, side: 16, output: root + "/raf.h5").set
        #expect(set.factors["gender"] == [0, 1, 2, -1, 0])
        #expect(set.subjects == [-1, -1, -1, -1, -1])
    }

    @Test func inspectCountsClassesSubjectsFactors() throws {
        let root = scratchFolder()
        try Tiny.oulu(root)
        let manifest = try FaceLayout.ouluCASIA.manifest(root: root)
        #expect(DatasetSummary(manifest: manifest).lines == [
            "oulu-casia at \(root): 12 faces, 6 expression classes",
            "expressions:",
            "  anger       3", "  disgust     3", "  fear        0", "  happiness   3", "  sadness     0", "  surprise    3",
            "subjects: 2",
            "  P001  6", "  P002  6",
        ])
        let pie = scratchFolder()
        try Tiny.multiPIE(pie)
        let set = try FacePreparation.prepare(try FaceLayout.multiPIE.manifest(root: pie), aligner: FaceAligner(side: 8)).set
        let lines = DatasetSummary(set: set, title: "pie.h5").lines
        #expect(lines.first == "pie.h5: 4 faces, 8×8, 7 expression classes")
        #expect(lines.contains("  no label    4"))
        #expect(lines.contains("  identity (3 classes): 0: 2, 1: 1, 2: 1; missing 0"))
    }

    @Test func cachesKeepClassNamesAndOlderFilesGetTheDefaults() throws {
        let dir = scratchFolder()
        var set = FaceSet(size: 2, expressionClasses: 2, expressionClassNames: ["calm", "storm"])
        set.append(image: [UInt8](repeating: 1, count: 12), expression: 1, subject: 4)
        try set.save(to: dir + "/named.h5")
        #expect(try FaceSet.load(from: dir + "/named.h5").expressionClassNames == ["calm", "storm"])
        // A file written before `expression_names` existed.
        try HDF5File.write(to: dir + "/old.h5") { root in
            try root.setAttribute("format", FaceSet.format)
            try root.setAttribute("expression_classes", Int64(7))
            try root.setAttribute("factor_classes", "{}")
            try root.setAttribute("source", "")
            try root.write("images", shape: [1, 3, 2, 2], values: [UInt8](repeating: 0, count: 12))
            try root.write("expressions", shape: [1], values: [Int64(6)])
            try root.write("subjects", shape: [1], values: [Int64(-1)])
            _ = try root.createGroup("factors")
        }
        let old = try FaceSet.load(from: dir + "/old.h5")
        #expect(old.expressionClassNames == expressionNames && old.expressions == [6])
    }
}
