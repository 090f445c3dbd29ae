import FaceData
import FaceDatasets
import Foundation
import Testing

/// The error `body` throws, if it is a `DatasetError`.
func datasetError(_ body: () throws -> Void) -> DatasetError? {
    do {
        try body()
        return nil
    } catch let error as DatasetError {
        return error
    } catch {
        return nil
    }
}

@Suite("bad input: an error naming the file and line, or skipped with --skip-bad")
struct BadInputTests {
    @Test func corruptJPEGNamesTheImageAndTheLabelLine() throws {
        let root = scratchFolder()
        try Tiny.rafdb(root)
        let image = root + "/Image/aligned/train_00002_aligned.jpg"
        try corruptJPEG().write(to: URL(fileURLWithPath: image))
        let manifest = try FaceLayout.rafdb.manifest(root: root)
        let error = try #require(datasetError { _ = try FacePreparation.prepare(manifest, aligner: FaceAligner(side: 16)) })
        #expect(error.kind == .unreadableImage && error.file == image)
        #expect(error.description.hasPrefix("\(image): corrupt JPEG: "))
        #expect(error.description.hasSuffix("(listed at \(root)/EmoLabel/list_patition_label.txt:2)"))

        let skipped = try FacePreparation.prepare(manifest, aligner: FaceAligner(side: 16), skipBad: true)
        #expect(skipped.set.count == 4 && skipped.skipped == [error])
        #expect(skipped.set.expressions == [4, 6, 0, 3])
    }

    @Test func truncatedPNGInACKPlusSequence() throws {
        let root = scratchFolder()
        try Tiny.ckplus(root)
        let frame = root + "/cohn-kanade-images/S010/001/S010_001_00000003.png"
        let data = try Data(contentsOf: URL(fileURLWithPath: frame))
        try data.prefix(data.count - 20).write(to: URL(fileURLWithPath: frame))
        let manifest = try FaceLayout.ckplus.manifest(root: root)
        let error = try #require(datasetError { _ = try FacePreparation.prepare(manifest, aligner: FaceAligner(side: 16)) })
        #expect(error.file == frame && error.reason.hasPrefix("truncated PNG"))
        #expect(error.reason.hasSuffix("(listed at \(root)/Emotion/S010/001/S010_001_00000004_emotion.txt:1)"))
        let skipped = try FacePreparation.prepare(manifest, aligner: FaceAligner(side: 16), skipBad: true)
        #expect(skipped.set.count == 7 && skipped.skipped.map(\.file) == [frame])
    }

    @Test func unknownCodesInLabelFiles() throws {
        let root = scratchFolder()
        try Tiny.rafdb(root)
        let list = root + "/EmoLabel/list_patition_label.txt"
        try writeText("train_00001.jpg 5\n\ntrain_00002.jpg 9\ntrain_00003.jpg 7\n", to: list)
        let error = try #require(datasetError { _ = try FaceLayout.rafdb.manifest(root: root) })
        #expect(error == DatasetError(.unknownLabel, file: list, line: 3,
                                      "unknown RAF-DB expression code '9' (1 surprise, 2 fear, 3 disgust, 4 happiness, 5 sadness, 6 anger, 7 neutral)"))
        let m = try FaceLayout.rafdb.manifest(root: root, skipBad: true)
        #expect(m.records.count == 2 && m.skipped == [error])

        let ck = scratchFolder()
        try Tiny.ckplus(ck)
        let emotion = ck + "/Emotion/S011/003/S011_003_00000002_emotion.txt"
        try writeText("   8.0000000e+00\n", to: emotion)
        let e = try #require(datasetError { _ = try FaceLayout.ckplus.manifest(root: ck) })
        #expect(e.description == "\(emotion):1: unknown CK+ emotion code 8.0000000e+00 (1 anger, 2 contempt, 3 disgust, 4 fear, 5 happy, 6 sadness, 7 surprise)")

        try writeText("train_00003.jpg 7\n", to: list)
        let annotation = root + "/Annotation/manual/train_00003_manu_attri.txt"
        try writeText("1 2\n3 4\n5 6\n7 8\n9 10\n0\n3\n1\n", to: annotation)
        let a = try #require(datasetError { _ = try FaceLayout.rafdbAttributes.manifest(root: root, skipBad: false) })
        #expect(a.description == "\(annotation):7: unknown RAF-DB race code '3' (0 Caucasian, 1 African-American, 2 Asian)")
    }

    @Test func missingImageNamedInALabelFile() throws {
        let root = scratchFolder()
        try Tiny.rafdb(root)
        let list = root + "/EmoLabel/list_patition_label.txt"
        try writeText(Tiny.rafLines.map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\ntest_0003.jpg 2\n", to: list)
        let error = try #require(datasetError { _ = try FaceLayout.rafdb.manifest(root: root) })
        #expect(error.description == "\(list):6: names test_0003.jpg, but \(root)/Image/aligned/test_0003_aligned.jpg does not exist")
        #expect(error.kind == .missingFile)
        #expect(try FaceLayout.rafdb.manifest(root: root, skipBad: true).records.count == 5)

        let ck = scratchFolder()
        try Tiny.ckplus(ck)
        try FileManager.default.removeItem(atPath: ck + "/cohn-kanade-images/S005/001/S005_001_00000005.png")
        let e = try #require(datasetError { _ = try FaceLayout.ckplus.manifest(root: ck) })
        #expect(e.file == ck + "/Emotion/S005/001/S005_001_00000005_emotion.txt" && e.line == 1)
        #expect(e.reason == "labels frame S005_001_00000005, but \(ck)/cohn-kanade-images/S005/001/S005_001_00000005.png does not exist")
    }

    @Test func emptyClassFolder() throws {
        let root = scratchFolder()
        try Tiny.sfew(root)
        let fear = root + "/Train/Train_Aligned_Faces/Fear"
        try FileManager.default.removeItem(atPath: fear)
        try makeFolder(fear)
        let error = try #require(datasetError { _ = try FaceLayout.sfew.manifest(root: root) })
        #expect(error.description == "\(fear): no images (.jpg, .jpeg, .png) in this class folder")
        #expect(error.kind == .emptyFolder)
        let m = try FaceLayout.sfew.manifest(root: root, skipBad: true)
        #expect(m.records.count == 15 && m.skipped == [error])

        let oulu = scratchFolder()
        try Tiny.oulu(oulu)
        try makeFolder(oulu + "/VL/Strong/P002/Fear")
        let o = try #require(datasetError { _ = try FaceLayout.ouluCASIA.manifest(root: oulu) })
        #expect(o.kind == .emptyFolder && o.file == oulu + "/VL/Strong/P002/Fear")
    }

    @Test func malformedLinesAndUnknownFolders() throws {
        let root = scratchFolder()
        try writeImage(root + "/a.png")
        try writeText("a.png\n", to: root + "/mmi.txt")
        var options = LayoutOptions()
        options.list = root + "/mmi.txt"
        let e = try #require(datasetError { _ = try FaceLayout.mmi.manifest(root: root, options: options) })
        #expect(e.kind == .malformedLine && e.line == 1 && e.file == root + "/mmi.txt")
        try writeText("a.png neutral S1\n", to: root + "/mmi.txt")
        let n = try #require(datasetError { _ = try FaceLayout.mmi.manifest(root: root, options: options) })
        #expect(n.kind == .unknownLabel && n.reason.hasPrefix("unknown MMI label 'neutral'"))

        let sfew = scratchFolder()
        try Tiny.sfew(sfew)
        try writeImage(sfew + "/Train/Train_Aligned_Faces/Contempt/x.png")
        let u = try #require(datasetError { _ = try FaceLayout.sfew.manifest(root: sfew) })
        #expect(u.kind == .layout && u.file == sfew + "/Train/Train_Aligned_Faces/Contempt")

        let pie = scratchFolder()
        try Tiny.multiPIE(pie)
        try writeImage(pie + "/data/001_01_01_999_00.png")
        try writeImage(pie + "/data/001_01_01_051_25.png")
        try writeImage(pie + "/data/notes.png")
        let m = try FaceLayout.multiPIE.manifest(root: pie, skipBad: true)
        #expect(m.records.count == 4)
        #expect(m.skipped.map(\.kind) == [.unknownLabel, .unknownLabel, .layout])
    }

    @Test func nothingFoundIsAnError() {
        let root = scratchFolder()
        let error = datasetError { _ = try FaceLayout.generic.manifest(root: root) }
        #expect(error?.reason.hasPrefix("no faces found by the generic layout") == true)
        #expect(datasetError { _ = try FaceLayout.generic.manifest(root: root + "/none") }?.kind == .missingFile)
    }
}
