import FaceData
import Foundation

/// RAF-DB (basic) as distributed: `EmoLabel/list_patition_label.txt`, `Image/aligned`
/// (100×100, already aligned), `Image/original`, `Annotation/manual`.
enum RAFDB {
    /// The label list below the root.
    static let listFile = "EmoLabel/list_patition_label.txt"
    /// RAF-DB's codes 1 surprise, 2 fear, 3 disgust, 4 happiness, 5 sadness, 6 anger,
    /// 7 neutral → the canonical order.
    static let codes = [1: 5, 2: 2, 3: 1, 4: 3, 5: 4, 6: 0, 7: 6]
    static let codeMeaning =
        "1 surprise, 2 fear, 3 disgust, 4 happiness, 5 sadness, 6 anger, 7 neutral"
    /// The attribute factors and their codes, in the order of the annotation file's lines.
    static let attributes: [(name: String, classes: Int, meaning: String)] = [
        ("gender", 3, "0 male, 1 female, 2 unsure"),
        ("race", 3, "0 Caucasian, 1 African-American, 2 Asian"),
        ("age", 5, "0: 0–3, 1: 4–19, 2: 20–39, 3: 40–69, 4: 70+"),
    ]

    static func manifest(
        root: String, options: LayoutOptions, attributesOnly: Bool, policy: inout BadInputPolicy
    ) throws(DatasetError) -> FaceManifest {
        let list = Files.join(root, listFile)
        let lines = try Files.lines(list, what: "RAF-DB label file (\(listFile) below the root)")
        let split = options.split?.lowercased()
        let annotations = Files.join(root, "Annotation/manual")
        let annotated = Files.isFolder(annotations)
        if (attributesOnly || options.rafdbOriginal) && !annotated {
            let purpose =
                attributesOnly ? "the attribute-labelled set" : "eye landmarks for --rafdb-original"
            throw DatasetError(.missingFile, file: annotations, "no such folder: the attribute "
                + "annotations (\(purpose)) are read from it")
        }
        var records: [FaceRecord] = []
        for (number, text) in lines {
            let at = SourceLine(list, number)
            let f = Files.fields(text)
            guard f.count == 2 else {
                try policy.handle(
                    DatasetError(
                        .malformedLine, at: at,
                        "expected '<image> <label>' (e.g. 'train_00001.jpg 5'), found '\(text)'"))
                continue
            }
            let name = f[0]
            guard let code = Int(f[1]), let expression = codes[code] else {
                try policy.handle(
                    DatasetError(
                        .unknownLabel, at: at,
                        "unknown RAF-DB expression code '\(f[1])' (\(codeMeaning))"))
                continue
            }
            if let split, !name.lowercased().hasPrefix(split + "_") { continue }
            let stem = (name as NSString).deletingPathExtension
            let image =
                options.rafdbOriginal
                ? Files.join(root, "Image/original", name)
                : Files.join(root, "Image/aligned", stem + "_aligned.jpg")
            guard Files.exists(image) else {
                try policy.handle(
                    DatasetError(.missingFile, at: at, "names \(name), but \(image) does not exist")
                )
                continue
            }
            var record = FaceRecord(
                path: image, expression: attributesOnly ? -1 : expression, listedAt: at)
            let file = Files.join(annotations, stem + "_manu_attri.txt")
            if annotated && Files.exists(file) {
                do {
                    let (eyes, labels) = try annotation(file)
                    record.factors = labels
                    if options.rafdbOriginal { record.alignment = eyes }
                } catch {
                    try policy.handle(error)
                    continue
                }
            } else if attributesOnly || options.rafdbOriginal {
                try policy.handle(
                    DatasetError(
                        .missingFile, at: at,
                        "names \(name), but its annotation \(file) does not exist"))
                continue
            }
            records.append(record)
        }
        return FaceManifest(
            layout: attributesOnly ? .rafdbAttributes : .rafdb, root: root,
            expressionNames: expressionNames,
            factorClasses: Dictionary(
                uniqueKeysWithValues: attributes.map { ($0.name, $0.classes) }), records: records)
    }

    /// An annotation file: five landmark lines (left eye, right eye, nose, mouth corners;
    /// in the original image's coordinates), then the gender, race and age lines.
    static func annotation(
        _ file: String
    ) throws(DatasetError) -> (eyes: FaceAlignment, factors: [String: Int]) {
        let lines = try Files.lines(file, what: "annotation file")
        guard lines.count >= 8 else {
            throw DatasetError(.malformedLine, file: file, line: lines.last?.number,
                               "expected five landmark lines then gender, race and age; the file "
                                   + "has \(lines.count) lines")
        }
        var points: [ImagePoint] = []
        for (number, text) in lines.prefix(5) {
            points.append(try Landmarks.point(text, at: SourceLine(file, number)))
        }
        var factors: [String: Int] = [:]
        for (k, attribute) in attributes.enumerated() {
            let (number, text) = lines[5 + k]
            guard let value = Int(text), (0..<attribute.classes).contains(value) else {
                throw DatasetError(
                    .unknownLabel, at: SourceLine(file, number),
                    "unknown RAF-DB \(attribute.name) code '\(text)' (\(attribute.meaning))")
            }
            factors[attribute.name] = value
        }
        return (.eyes(left: points[0], right: points[1]), factors)
    }
}
