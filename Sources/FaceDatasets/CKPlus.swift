import FaceData
import Foundation

/// CK+ as distributed: `cohn-kanade-images/Sxxx/yyy/Sxxx_yyy_nnnnnnnn.png`,
/// `Emotion/Sxxx/yyy/Sxxx_yyy_nnnnnnnn_emotion.txt` for the labelled sequences (one number,
/// the code of the sequence's last frame), optional `Landmarks/…/*_landmarks.txt` (68
/// points per frame). Each labelled sequence gives its last `peakFrames` frames (ending at
/// the labelled one), subject `Sxxx`.
enum CKPlus {
    /// CK+ codes 1 anger, 2 contempt, 3 disgust, 4 fear, 5 happy, 6 sadness, 7 surprise →
    /// classes 0 anger, 1 disgust, 2 fear, 3 happiness, 4 sadness, 5 surprise, 6 contempt:
    /// the six basic ones keep the canonical indices, contempt takes neutral's place (CK+
    /// labels no neutral sequence).
    static let codes = [1: 0, 2: 6, 3: 1, 4: 2, 5: 3, 6: 4, 7: 5]
    static let codeMeaning =
        "1 anger, 2 contempt, 3 disgust, 4 fear, 5 happy, 6 sadness, 7 surprise"
    /// The class names of the CK+ set.
    static let names = Array(expressionNames.prefix(6)) + ["contempt"]

    static func manifest(
        root: String, options: LayoutOptions, policy: inout BadInputPolicy
    ) throws(DatasetError) -> FaceManifest {
        let images = Files.join(root, "cohn-kanade-images"), emotion = Files.join(root, "Emotion")
        let landmarks = Files.join(root, "Landmarks")
        guard Files.isFolder(images) else {
            throw DatasetError(.missingFile, file: images, "no such folder (CK+'s frames)")
        }
        guard Files.isFolder(emotion) else {
            throw DatasetError(.missingFile, file: emotion, "no such folder (CK+'s emotion labels)")
        }
        let aligned = Files.isFolder(landmarks)
        var records: [FaceRecord] = []
        for subject in try Files.folders(in: emotion) {
            for sequence in try Files.folders(in: Files.join(emotion, subject)) {
                let folder = Files.join(emotion, subject, sequence)
                let labels = try Files.list(folder).filter { $0.hasSuffix("_emotion.txt") }
                if labels.isEmpty { continue }  // an unlabelled sequence
                guard labels.count == 1 else {
                    try policy.handle(
                        DatasetError(
                            .layout, file: folder,
                            "holds \(labels.count) emotion files; a sequence has one"))
                    continue
                }
                do {
                    records += try sequenceRecords(
                        label: Files.join(folder, labels[0]), subject: subject, sequence: sequence,
                        images: images, landmarks: aligned ? landmarks : nil,
                        frames: options.peakFrames)
                } catch {
                    try policy.handle(error)
                }
            }
        }
        return FaceManifest(layout: .ckplus, root: root, expressionNames: names, records: records)
    }

    /// The peak frames of one labelled sequence.
    static func sequenceRecords(
        label file: String, subject: String, sequence: String, images: String,
        landmarks: String?, frames: Int
    ) throws(DatasetError) -> [FaceRecord] {
        let lines = try Files.lines(file, what: "emotion file")
        guard let first = lines.first,
            let value = Files.fields(first.text).first.flatMap(Double.init)
        else {
            throw DatasetError(
                .malformedLine, file: file, line: lines.first?.number ?? 1,
                "expected one number (e.g. 3.0000000e+00)")
        }
        let (at, text) = (SourceLine(file, first.number), first.text)
        guard let code = Int(exactly: value), let expression = codes[code] else {
            throw DatasetError(
                .unknownLabel, at: at, "unknown CK+ emotion code \(text) (\(codeMeaning))")
        }
        let frame = String((file as NSString).lastPathComponent.dropLast("_emotion.txt".count))
        let folder = Files.join(images, subject, sequence)
        guard Files.isFolder(folder) else {
            throw DatasetError(
                .missingFile, at: at,
                "labels a sequence whose frames folder \(folder) does not exist")
        }
        let all = try Files.images(in: folder)
        guard let last = all.firstIndex(where: { ($0 as NSString).deletingPathExtension == frame })
        else {
            throw DatasetError(
                .missingFile, at: at,
                "labels frame \(frame), but \(Files.join(folder, frame + ".png")) does not exist")
        }
        var records: [FaceRecord] = []
        for name in all[max(0, last - frames + 1)...last] {
            var record = FaceRecord(
                path: Files.join(folder, name), expression: expression, subject: subject,
                listedAt: at)
            if let landmarks {
                let points = Files.join(
                    landmarks, subject, sequence,
                    (name as NSString).deletingPathExtension + "_landmarks.txt")
                let read = try Landmarks.read(points)
                guard let eyes = Landmarks.eyes(of68: read) else {
                    throw DatasetError(
                        .malformedLine, file: points,
                        "has \(read.count) points; the 68-point markup has 68")
                }
                record.alignment = eyes
            }
            records.append(record)
        }
        return records
    }
}
