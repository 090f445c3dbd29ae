import FaceDatasets
import Testing
import Foundation

/// A fresh empty folder for one test.
func scratchFolder(_ name: String = #function) -> String {
    let tag = name.filter { $0.isLetter || $0.isNumber }
    let path = NSTemporaryDirectory() + "ddl-datasets-\(tag)-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A small image that differs with `seed`: a colour gradient plus a seed-dependent tint.
func testImage(width: Int = 24, height: Int = 20, seed: Int = 0) -> RGBImage {
    RGBImage(width: width, height: height) { x, y in
        (UInt8((x * 255) / max(width - 1, 1)), UInt8((y * 255) / max(height - 1, 1)), UInt8((seed * 37) % 256))
    }
}

/// Writes a text file (creating its folder).
func writeText(_ text: String, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
}

/// Writes a real image file, its format told by the extension (`.png` or JPEG otherwise).
func writeImage(_ path: String, seed: Int = 0, width: Int = 24, height: Int = 20, grey: Bool = false) throws {
    let format: ImageFormat = path.lowercased().hasSuffix(".png") ? .png : .jpeg
    try ImageCodecs.write(testImage(width: width, height: height, seed: seed), to: path, as: format, grey: grey)
}

/// Creates an empty folder.
func makeFolder(_ path: String) throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
}

/// Tiny copies of each database's layout, with real file and folder names and label files.
enum Tiny {
    /// RAF-DB basic: three train and two test faces, aligned and original images, manual
    /// annotations (eyes of image k at (10 + k, 12) and (30 + k, 14)).
    static let rafLines = [("train_00001.jpg", 5), ("train_00002.jpg", 1), ("train_00003.jpg", 7), ("test_0001.jpg", 6), ("test_0002.jpg", 4)]
    static let rafAttributes = [(0, 2, 2), (1, 0, 3), (2, 1, 0), (1, 2, 4), (0, 0, 1)]

    static func rafdb(_ root: String) throws {
        try writeText(rafLines.map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\n", to: root + "/EmoLabel/list_patition_label.txt")
        for (k, (name, _)) in rafLines.enumerated() {
            let stem = String(name.dropLast(4))
            try writeImage(root + "/Image/aligned/\(stem)_aligned.jpg", seed: k, width: 32, height: 32)
            try writeImage(root + "/Image/original/\(name)", seed: k, width: 48, height: 40)
            let (g, r, a) = rafAttributes[k]
            let landmarks = "\(10 + k).5\t12.0\n\(30 + k).5\t14.0\n20.0\t22.0\n14.0\t30.0\n28.0\t30.0\n"
            try writeText(landmarks + "\(g)\n\(r)\n\(a)\n", to: root + "/Annotation/manual/\(stem)_manu_attri.txt")
        }
    }

    /// SFEW 2.0: Train with 2 Angry, 2 Happy and one of each other emotion; Val with one of each.
    static let sfewFolders = ["Angry", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise"]

    static func sfew(_ root: String) throws {
        var seed = 0
        for folder in sfewFolders {
            let extra = folder == "Angry" || folder == "Happy" ? 2 : 1
            for i in 0..<extra {
                try writeImage(root + "/Train/Train_Aligned_Faces/\(folder)/\(folder.lowercased())_\(i).png", seed: seed, width: 30, height: 36)
                seed += 1
            }
            try writeImage(root + "/Val/Val_Aligned_Faces/\(folder)/v_\(folder.lowercased()).png", seed: seed, width: 30, height: 36)
            seed += 1
        }
    }

    /// CK+: S005/001 (5 frames, disgust on frame 5), S005/002 (unlabelled), S010/001 (6
    /// frames, contempt on frame 4), S011/003 (2 frames, surprise on frame 2). With
    /// `landmarks`, a 68-point file per frame.
    static func ckplus(_ root: String, landmarks: Bool = false) throws {
        let sequences: [(String, String, Int, (frame: Int, code: String)?)] = [
            ("S005", "001", 5, (5, "   3.0000000e+00")), ("S005", "002", 4, nil),
            ("S010", "001", 6, (4, "   2.0000000e+00")), ("S011", "003", 2, (2, "7.0000000e+00")),
        ]
        var seed = 0
        for (subject, sequence, frames, label) in sequences {
            for f in 1...frames {
                let stem = "\(subject)_\(sequence)_\(String(format: "%08d", f))"
                try writeImage(root + "/cohn-kanade-images/\(subject)/\(sequence)/\(stem).png", seed: seed, width: 40, height: 30, grey: seed % 2 == 0)
                seed += 1
                if landmarks {
                    let points = (0..<68).map { i -> String in
                        let x = i < 36 ? 20.0 : (i < 42 ? 12.0 + Double(i % 2) : (i < 48 ? 28.0 + Double(i % 2) : 20.0))
                        return String(format: "   %.7e   %.7e", x, i < 48 && i >= 36 ? 10.0 : 20.0)
                    }
                    try writeText(points.joined(separator: "\n") + "\n", to: root + "/Landmarks/\(subject)/\(sequence)/\(stem)_landmarks.txt")
                }
            }
            let folder = root + "/Emotion/\(subject)/\(sequence)"
            try makeFolder(folder)
            if let label {
                try writeText(label.code + "\n", to: folder + "/\(subject)_\(sequence)_\(String(format: "%08d", label.frame))_emotion.txt")
            }
        }
    }

    /// Oulu-CASIA VL/Strong: P001 Anger (5 frames), Happiness (4); P002 Surprise (6),
    /// Disgust (3); and an NI tree that must not be read.
    static func oulu(_ root: String) throws {
        let sequences = [("P001", "Anger", 5), ("P001", "Happiness", 4), ("P002", "Surprise", 6), ("P002", "Disgust", 3)]
        for (k, (subject, emotion, frames)) in sequences.enumerated() {
            for f in 0..<frames {
                try writeImage(root + "/VL/Strong/\(subject)/\(emotion)/\(String(format: "%03d", f)).jpeg", seed: 10 * k + f, width: 32, height: 24)
            }
        }
        try writeImage(root + "/NI/Strong/P001/Fear/000.jpeg")
    }

    /// Multi-PIE: four images of subjects 001, 002, 003 across sessions, cameras and flashes.
    static let multiPIE = [
        "data/session01/multiview/001/01/05_1/001_01_01_051_00.png",
        "data/session01/multiview/001/01/19_1/001_01_01_191_07.png",
        "data/session01/multiview/002/01/11_0/002_01_01_110_19.png",
        "data/session02/multiview/003/01/14_0/003_02_01_140_03.png",
    ]

    static func multiPIE(_ root: String) throws {
        for (k, path) in multiPIE.enumerated() { try writeImage(root + "/" + path, seed: k, width: 40, height: 30) }
    }

    /// AffectNet: training.csv with a header (happy with landmarks, anger with a box and a
    /// `.JPG` file listed as `.jpg`, contempt and none left out), validation.csv without one.
    static func affectNet(_ root: String) throws {
        let points = (0..<68).map { i -> String in
            let (x, y) = i >= 36 && i < 42 ? (14.0, 15.0) : (i >= 42 && i < 48 ? (34.0, 15.0) : (24.0, 30.0))
            return "\(x);\(y)"
        }.joined(separator: ";")
        let header = "subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal"
        let training = [header,
                        "689/a.jpg,4,5,40,38,\(points),1,0.78,0.1",
                        "689/b.jpg,2,3,20,24,,6,-0.5,0.6",
                        "690/c.png,0,0,30,30,,7,0.0,0.0",
                        "690/d.jpg,0,0,30,30,,8,0.0,0.0"]
        try writeText(training.joined(separator: "\n") + "\n", to: root + "/Manually_Annotated_file_lists/training.csv")
        try writeText("691/e.jpg,1,1,20,20,,0,0.0,0.0\n", to: root + "/Manually_Annotated_file_lists/validation.csv")
        for (k, name) in ["689/a.jpg", "689/b.JPG", "690/c.png", "690/d.jpg", "691/e.jpg"].enumerated() {
            try writeImage(root + "/Manually_Annotated_Images/" + name, seed: k, width: 48, height: 48)
        }
    }
}

/// A valid JPEG made corrupt: its frame header says the image has height 0, which the
/// decoder rejects ("Empty JPEG image").
func corruptJPEG() throws -> Data {
    var data = try ImageCodecs.encode(testImage(width: 16, height: 16, seed: 9), as: .jpeg)
    let bytes = [UInt8](data)
    let sof = try #require(bytes.indices.dropLast().first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
    data[sof + 5] = 0
    data[sof + 6] = 0
    return data
}
