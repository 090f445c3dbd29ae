import DDLCommands
import FaceData
import FaceDatasets
import Foundation
import Testing

/// The README's "From RAF-DB to a Table 2 row", on a tiny RAF-DB copy at the quick scale.
@Suite("README walkthrough: RAF-DB to a Table 2 row", .serialized)
struct WalkthroughTests {
    /// A RAF-DB (basic) tree with `train` and `test` faces: list file, aligned images, annotations.
    func tinyRAFDB(train: Int, test: Int) throws -> String {
        let root = scratchDirectory() + "/RAF-DB-copy"
        let names = (1...train).map { String(format: "train_%05d", $0) } + (1...test).map { String(format: "test_%04d", $0) }
        var list = ""
        for (k, stem) in names.enumerated() {
            list += "\(stem).jpg \(k % 7 + 1)\n"
            let image = RGBImage(width: 32, height: 32) { x, y in (UInt8((x * 8 + k * 13) % 256), UInt8((y * 8 + k * 29) % 256), UInt8(k * 7 % 256)) }
            try ImageCodecs.write(image, to: root + "/Image/aligned/\(stem)_aligned.jpg", as: .jpeg, grey: false)
            let annotation = root + "/Annotation/manual/\(stem)_manu_attri.txt"
            try FileManager.default.createDirectory(atPath: root + "/Annotation/manual", withIntermediateDirectories: true)
            try "10.5\t12.0\n22.5\t12.0\n16.0\t18.0\n11.0\t24.0\n21.0\t24.0\n\(k % 3)\n\(k % 3)\n\(k % 5)\n"
                .write(toFile: annotation, atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(atPath: root + "/EmoLabel", withIntermediateDirectories: true)
        try list.write(toFile: root + "/EmoLabel/list_patition_label.txt", atomically: true, encoding: .utf8)
        return root
    }

    @Test func prepareMergeReproduce() throws {
        let copy = try tinyRAFDB(train: 28, test: 14)
        let data = scratchDirectory() + "/data"
        try FileManager.default.createDirectory(atPath: data + "/RAF-DB", withIntermediateDirectories: true)
        let size = ["--size", "20"]
        try ddl(["data", "prepare", "--layout", "rafdb", "--root", copy, "--split", "train", "--out", data + "/RAF-DB/train.h5"] + size)
        try ddl(["data", "prepare", "--layout", "rafdb", "--root", copy, "--split", "test", "--out", data + "/RAF-DB/test.h5"] + size)
        try ddl(["data", "prepare", "--layout", "rafdb-attributes", "--root", copy, "--split", "train", "--out", data + "/raf-attributes.h5"] + size)
        try ddl(["data", "merge", data + "/raf-attributes.h5", "--out", data + "/disturbance.h5"])
        let disturbance = try FaceSet.load(from: data + "/disturbance.h5")
        #expect(disturbance.count == 28 && Set(disturbance.factorClasses.keys) == ["gender", "race", "age"])
        let out = data + "/../runs"
        try ddl(["reproduce", "table2", "--data-root", data, "--databases", "RAF-DB", "--variants", "baseline_mat,ddl_g,ddl_gar_id",
                 "--trunk", "scratch", "--seeds", "1", "--out", out])
        let runs = try String(contentsOfFile: out + "/table2-runs.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(runs.map { $0.split(separator: ",")[1] } == ["\"baseline_mat\"", "\"ddl_g\""])
        #expect(FileManager.default.fileExists(atPath: out + "/table2.md"))
    }
}
