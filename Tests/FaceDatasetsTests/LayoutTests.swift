import FaceData
import FaceDatasets
import Foundation
import Testing

/// The file names of a manifest's records, in order.
func names(_ m: FaceManifest) -> [String] { m.records.map { ($0.path as NSString).lastPathComponent } }

@Suite("each layout read from a tiny copy of it")
struct LayoutTests {
    @Test func rafdbExpressionsAndAttributes() throws {
        let root = scratchFolder()
        try Tiny.rafdb(root)
        let m = try FaceLayout.rafdb.manifest(root: root)
        #expect(names(m) == ["train_00001_aligned.jpg", "train_00002_aligned.jpg", "train_00003_aligned.jpg", "test_0001_aligned.jpg", "test_0002_aligned.jpg"])
        // 5 sadness → 4, 1 surprise → 5, 7 neutral → 6, 6 anger → 0, 4 happiness → 3.
        #expect(m.records.map(\.expression) == [4, 5, 6, 0, 3])
        #expect(m.expressionNames == expressionNames)
        #expect(m.factorClasses == ["gender": 3, "race": 3, "age": 5])
        #expect(m.records.map { $0.factors["gender"] } == Tiny.rafAttributes.map { $0.0 })
        #expect(m.records.map { $0.factors["race"] } == Tiny.rafAttributes.map { $0.1 })
        #expect(m.records.map { $0.factors["age"] } == Tiny.rafAttributes.map { $0.2 })
        #expect(m.records.allSatisfy { $0.subject == nil && $0.alignment == .centre })
        #expect(m.records[1].listedAt == SourceLine(root + "/EmoLabel/list_patition_label.txt", 2))

        var split = LayoutOptions()
        split.split = "test"
        #expect(try FaceLayout.rafdb.manifest(root: root, options: split).records.map(\.expression) == [0, 3])
        split.split = "train"
        #expect(try FaceLayout.rafdb.manifest(root: root, options: split).records.count == 3)

        let attributes = try FaceLayout.rafdbAttributes.manifest(root: root)
        #expect(attributes.records.count == 5 && attributes.records.allSatisfy { $0.expression == -1 })
        #expect(attributes.records.map { $0.factors["age"] } == [2, 3, 0, 4, 1])
    }

    @Test func rafdbOriginalImagesAlignByTheAnnotatedEyes() throws {
        let root = scratchFolder()
        try Tiny.rafdb(root)
        var options = LayoutOptions()
        options.rafdbOriginal = true
        let m = try FaceLayout.rafdb.manifest(root: root, options: options)
        #expect(names(m).first == "train_00001.jpg")
        #expect(m.records[2].alignment == .eyes(left: ImagePoint(x: 12.5, y: 12), right: ImagePoint(x: 32.5, y: 14)))
    }

    @Test func sfewTrainAndVal() throws {
        let root = scratchFolder()
        try Tiny.sfew(root)
        let all = try FaceLayout.sfew.manifest(root: root)
        #expect(all.records.count == 16)
        let summary = DatasetSummary(manifest: all)
        // anger, disgust, fear, happiness, sadness, surprise, neutral.
        #expect(summary.expressionCounts == [3, 2, 2, 3, 2, 2, 2])
        #expect(summary.unknownSubjects == 16)
        var val = LayoutOptions()
        val.split = "val"
        let v = try FaceLayout.sfew.manifest(root: root, options: val)
        #expect(names(v) == ["v_angry.png", "v_disgust.png", "v_fear.png", "v_happy.png", "v_neutral.png", "v_sad.png", "v_surprise.png"])
        #expect(v.records.map(\.expression) == [0, 1, 2, 3, 6, 4, 5])
        val.split = "train"
        #expect(try FaceLayout.sfew.manifest(root: root, options: val).records.count == 9)
    }

    @Test func ckplusPeakFramesOfLabelledSequences() throws {
        let root = scratchFolder()
        try Tiny.ckplus(root)
        let m = try FaceLayout.ckplus.manifest(root: root)
        #expect(names(m) == ["S005_001_00000003.png", "S005_001_00000004.png", "S005_001_00000005.png",
                             "S010_001_00000002.png", "S010_001_00000003.png", "S010_001_00000004.png",
                             "S011_003_00000001.png", "S011_003_00000002.png"])
        // 3 disgust → 1, 2 contempt → 6, 7 surprise → 5.
        #expect(m.records.map(\.expression) == [1, 1, 1, 6, 6, 6, 5, 5])
        #expect(m.expressionNames == ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "contempt"])
        #expect(m.records.map(\.subject) == ["S005", "S005", "S005", "S010", "S010", "S010", "S011", "S011"])
        #expect(m.subjectIDs == ["S005": 5, "S010": 10, "S011": 11])
        #expect(m.records.allSatisfy { $0.alignment == .centre })
        var one = LayoutOptions()
        one.peakFrames = 1
        #expect(names(try FaceLayout.ckplus.manifest(root: root, options: one)) == ["S005_001_00000005.png", "S010_001_00000004.png", "S011_003_00000002.png"])
    }

    @Test func ckplusLandmarksGiveEyeAlignment() throws {
        let root = scratchFolder()
        try Tiny.ckplus(root, landmarks: true)
        let m = try FaceLayout.ckplus.manifest(root: root)
        #expect(m.records.count == 8)
        #expect(m.records.allSatisfy { $0.alignment == .eyes(left: ImagePoint(x: 12.5, y: 10), right: ImagePoint(x: 28.5, y: 10)) })
    }

    @Test func ouluLastFramesOfVLStrong() throws {
        let root = scratchFolder()
        try Tiny.oulu(root)
        let m = try FaceLayout.ouluCASIA.manifest(root: root)
        #expect(m.records.map { URL(fileURLWithPath: $0.path).pathComponents.suffix(3).joined(separator: "/") } == [
            "P001/Anger/002.jpeg", "P001/Anger/003.jpeg", "P001/Anger/004.jpeg",
            "P001/Happiness/001.jpeg", "P001/Happiness/002.jpeg", "P001/Happiness/003.jpeg",
            "P002/Disgust/000.jpeg", "P002/Disgust/001.jpeg", "P002/Disgust/002.jpeg",
            "P002/Surprise/003.jpeg", "P002/Surprise/004.jpeg", "P002/Surprise/005.jpeg",
        ])
        #expect(m.records.map(\.expression) == [0, 0, 0, 3, 3, 3, 1, 1, 1, 5, 5, 5])
        #expect(m.expressionNames == Array(expressionNames.prefix(6)))
        #expect(m.subjectIDs == ["P001": 1, "P002": 2])
        var ni = LayoutOptions()
        ni.ouluFolder = "NI/Strong"
        #expect(try FaceLayout.ouluCASIA.manifest(root: root, options: ni).records.map(\.expression) == [2])
    }

    @Test func mmiListFileAndFolders() throws {
        let root = scratchFolder()
        for (k, name) in ["frames/S001 s1/a.png", "frames/S001 s1/b.png", "frames/S002/c.png", "frames/S003/d.png"].enumerated() {
            try writeImage(root + "/" + name, seed: k)
        }
        try writeText("""
            # MMI peak frames
            frames/S001 s1/a.png 1 S001
            frames/S001 s1/b.png Happiness S001
            frames/S002/c.png\tsurprised\tS002
            \(root)/frames/S003/d.png 5 S003
            """, to: root + "/mmi.txt")
        var options = LayoutOptions()
        options.list = root + "/mmi.txt"
        let m = try FaceLayout.mmi.manifest(root: root, options: options)
        #expect(names(m) == ["a.png", "b.png", "c.png", "d.png"])
        #expect(m.records.map(\.expression) == [0, 3, 5, 4])
        #expect(m.records.map(\.subject) == ["S001", "S001", "S002", "S003"])
        #expect(m.records.map { $0.listedAt?.line } == [2, 3, 4, 5])
        #expect(m.expressionClasses == 6)

        let folders = scratchFolder()
        try writeImage(folders + "/Anger/S001/x.png")
        try writeImage(folders + "/Anger/S002/y.png")
        try writeImage(folders + "/Fear/S001/z.png")
        try writeImage(folders + "/Sadness/loose.png")
        let f = try FaceLayout.mmi.manifest(root: folders)
        #expect(names(f) == ["x.png", "y.png", "z.png", "loose.png"])
        #expect(f.records.map(\.expression) == [0, 0, 2, 4])
        #expect(f.records.map(\.subject) == ["S001", "S002", "S001", nil])
    }

    @Test func multiPIEFileNamesGiveIdentityPoseIllumination() throws {
        let root = scratchFolder()
        try Tiny.multiPIE(root)
        let m = try FaceLayout.multiPIE.manifest(root: root)
        #expect(names(m) == Tiny.multiPIE.map { ($0 as NSString).lastPathComponent })
        #expect(m.factorClasses == ["identity": 3, "pose": 15, "illumination": 20])
        #expect(m.records.map { $0.factors["identity"] } == [0, 0, 1, 2])
        // Cameras 051 (frontal, 6), 191 (elevated, 14), 110 (profile, 0), 140 (5).
        #expect(m.records.map { $0.factors["pose"] } == [6, 14, 0, 5])
        #expect(m.records.map { $0.factors["illumination"] } == [0, 7, 19, 3])
        #expect(m.records.allSatisfy { $0.expression == -1 })
        #expect(m.subjectIDs == ["001": 1, "002": 2, "003": 3])
    }

    @Test func affectNetListsWithCodesLandmarksAndBoxes() throws {
        let root = scratchFolder()
        try Tiny.affectNet(root)
        let m = try FaceLayout.affectNet.manifest(root: root)
        #expect(names(m) == ["a.jpg", "b.JPG", "e.jpg"])
        // 1 happy → 3, 6 anger → 0, 0 neutral → 6.
        #expect(m.records.map(\.expression) == [3, 0, 6])
        #expect(m.records[0].alignment == .eyes(left: ImagePoint(x: 14, y: 15), right: ImagePoint(x: 34, y: 15)))
        #expect(m.records[1].alignment == .box(x: 2, y: 3, width: 20, height: 24))
        #expect(m.notes == ["left out 1 rows of code 7 (contempt), 1 rows of code 8 (none)"])
        var validation = LayoutOptions()
        validation.split = "validation"
        #expect(names(try FaceLayout.affectNet.manifest(root: root, options: validation)) == ["e.jpg"])
    }

    @Test func genericFoldersAndLists() throws {
        let root = scratchFolder()
        try writeImage(root + "/happy/s1/a.png")
        try writeImage(root + "/happy/s2/b.png")
        try writeImage(root + "/Sad/c.png")
        try writeImage(root + "/neutral/s1/d.png")
        let m = try FaceLayout.generic.manifest(root: root)
        #expect(names(m) == ["c.png", "a.png", "b.png", "d.png"])
        #expect(m.records.map(\.expression) == [4, 3, 3, 6])
        #expect(m.records.map(\.subject) == [nil, "s1", "s2", "s1"])
        #expect(m.expressionNames == expressionNames)

        let pets = scratchFolder()
        try writeImage(pets + "/dogs/a.png")
        try writeImage(pets + "/cats/b.png")
        let p = try FaceLayout.generic.manifest(root: pets)
        #expect(p.expressionNames == ["cats", "dogs"] && p.records.map(\.expression) == [0, 1])

        try writeText("happy/s1/a.png 2 7\nSad/c.png 0\n", to: root + "/list.txt")
        var options = LayoutOptions()
        options.list = root + "/list.txt"
        let l = try FaceLayout.generic.manifest(root: root, options: options)
        #expect(l.records.map(\.expression) == [2, 0] && l.records.map(\.subject) == ["7", nil])
        #expect(l.expressionNames == ["anger", "disgust", "fear"])
    }

    @Test func optionsALayoutDoesNotTakeAreRejected() throws {
        let root = scratchFolder()
        try Tiny.ckplus(root)
        var options = LayoutOptions()
        options.split = "train"
        #expect(throws: DatasetError.self) { try FaceLayout.ckplus.manifest(root: root, options: options) }
        #expect(FaceLayout(name: "CK+") == .ckplus && FaceLayout(name: "oulu") == .ouluCASIA && FaceLayout(name: "x") == nil)
        #expect(throws: DatasetError(.missingFile, file: root + "/EmoLabel/list_patition_label.txt",
                                     "no such RAF-DB label file (EmoLabel/list_patition_label.txt below the root)")) {
            try FaceLayout.rafdb.manifest(root: root)
        }
    }
}
