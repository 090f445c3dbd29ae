import FaceData
import Foundation

/// AffectNet's manually annotated part as distributed:
/// `Manually_Annotated_file_lists/{training,validation}.csv` (columns
/// `subDirectory_filePath, face_x, face_y, face_width, face_height, facial_landmarks,
/// expression, valence, arousal`; a file without the header row is read in that order) and
/// the images below `Manually_Annotated_Images/`. Faces are aligned by the eyes of the 68
/// landmarks (`x;y;x;y;…`) when given, else cropped to the face box. Seven classes; rows
/// with codes 7 (contempt), 8 (none), 9 (uncertain) and 10 (no face) are left out and
/// counted in the manifest's notes. No subjects.
enum AffectNet {
    /// AffectNet's codes 0 neutral, 1 happy, 2 sad, 3 surprise, 4 fear, 5 disgust, 6 anger
    /// → the canonical order.
    static let codes = [0: 6, 1: 3, 2: 4, 3: 5, 4: 2, 5: 1, 6: 0]
    static let leftOut = [7: "contempt", 8: "none", 9: "uncertain", 10: "no face"]
    static let columns = [
        "subDirectory_filePath", "face_x", "face_y", "face_width", "face_height",
        "facial_landmarks", "expression", "valence", "arousal"
    ]
    static let lists = "Manually_Annotated_file_lists", images = "Manually_Annotated_Images"

    static func manifest(
        root: String, options: LayoutOptions, policy: inout BadInputPolicy
    ) throws(DatasetError) -> FaceManifest {
        let parts = options.split.map { [FaceLayout.affectNet.splits[$0.lowercased()] ?? $0] }
            ?? ["training", "validation"]
        var records: [FaceRecord] = []
        var counts: [Int: Int] = [:]
        for part in parts {
            let file = Files.join(root, lists, part + ".csv")
            if options.split == nil && !Files.exists(file) && part == "validation" { continue }
            records += try read(file, root: root, leftOut: &counts, policy: &policy)
        }
        var notes: [String] = []
        if !counts.isEmpty {
            notes.append(
                "left out "
                    + counts.keys.sorted().map {
                        "\(counts[$0] ?? 0) rows of code \($0) (\(leftOut[$0] ?? ""))"
                    }.joined(separator: ", "))
        }
        return FaceManifest(
            layout: .affectNet, root: root, expressionNames: expressionNames, records: records,
            notes: notes)
    }

    static func read(
        _ file: String, root: String, leftOut: inout [Int: Int], policy: inout BadInputPolicy
    ) throws(DatasetError) -> [FaceRecord] {
        var lines = try Files.lines(file, what: "AffectNet list")
        var column = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
        if let header = lines.first, header.text.hasPrefix("subDirectory_filePath") {
            let names = csvFields(header.text)
            column = Dictionary(
                names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            for needed in ["subDirectory_filePath", "expression"] where column[needed] == nil {
                throw DatasetError(
                    .malformedLine, at: SourceLine(file, header.number),
                    "the header has no column \(needed)")
            }
            lines.removeFirst()
        }
        var records: [FaceRecord] = []
        for (number, text) in lines {
            let at = SourceLine(file, number)
            let f = csvFields(text)
            func field(_ name: String) -> String? {
                column[name].flatMap { $0 < f.count ? f[$0] : nil }
            }
            guard let path = field("subDirectory_filePath"), !path.isEmpty,
                let codeText = field("expression")
            else {
                try policy.handle(
                    DatasetError(
                        .malformedLine, at: at,
                        "expected the columns \(columns.joined(separator: ",")), found '\(text)'"))
                continue
            }
            guard let code = Int(codeText), (0...10).contains(code) else {
                try policy.handle(DatasetError(.unknownLabel, at: at, "unknown AffectNet "
                    + "expression code '\(codeText)' (0 neutral, 1 happy, 2 sad, 3 surprise, 4 "
                    + "fear, 5 disgust, 6 anger, 7 contempt, 8 none, 9 uncertain, 10 no face)"))
                continue
            }
            guard let expression = codes[code] else {
                leftOut[code, default: 0] += 1
                continue
            }
            guard let image = locate(Files.join(root, images, path)) else {
                try policy.handle(
                    DatasetError(
                        .missingFile, at: at,
                        "names \(path), but \(Files.join(root, images, path)) does not exist"))
                continue
            }
            var record = FaceRecord(path: image, expression: expression, listedAt: at)
            let numbers = (field("facial_landmarks") ?? "").split(separator: ";").compactMap {
                Double($0.trimmingCharacters(in: .whitespaces))
            }
            let points = stride(from: 0, to: numbers.count - 1, by: 2).map {
                ImagePoint(x: numbers[$0], y: numbers[$0 + 1])
            }
            if let eyes = Landmarks.eyes(of68: points) {
                record.alignment = eyes
            } else if let x = field("face_x").flatMap(Double.init),
                let y = field("face_y").flatMap(Double.init),
                let w = field("face_width").flatMap(Double.init),
                let h = field("face_height").flatMap(Double.init)
            {
                record.alignment = .box(x: x, y: y, width: w, height: h)
            }
            records.append(record)
        }
        return records
    }

    /// The file at `path`, or the same name with its extension in another case
    /// (AffectNet mixes `.jpg`, `.JPG` and `.png`).
    static func locate(_ path: String) -> String? {
        if Files.exists(path) { return path }
        let base = (path as NSString).deletingPathExtension, ext = (path as NSString).pathExtension
        for other in [
            ext.lowercased(), ext.uppercased(), "jpg", "JPG", "jpeg", "JPEG", "png", "PNG"
        ] where other != ext {
            if Files.exists(base + "." + other) { return base + "." + other }
        }
        return nil
    }

    /// The fields of a CSV line (commas; double quotes around fields with commas; `""` in
    /// a quoted field is one quote).
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var characters = line.makeIterator()
        while let c = characters.next() {
            if quoted {
                if c == "\"" {
                    // A doubled quote inside a quoted field stands for one quote.
                    var lookahead = characters
                    if lookahead.next() == "\"" {
                        current.append("\""); characters = lookahead
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current.trimmingCharacters(in: .whitespaces))
        return fields
    }
}
