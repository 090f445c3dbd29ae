import FaceData

/// MMI frames. No standard folder layout of MMI frames is published (the database ships
/// videos with XML metadata), so the user's extraction is described by either
/// - a list file of lines `path label subject`, or
/// - folder-per-class `<Emotion>/<subject>/<image>` (images directly in `<Emotion>/` have
///   no subject, so they cannot go into subject-independent folds).
/// Six classes; a label is a name (anger, disgust, fear, happiness, sadness, surprise and
/// the usual spellings) or MMI's own code 1–6 in that order.
enum MMI {
    static let meaning = "a name — anger, disgust, fear, happiness, sadness, surprise — or MMI's "
        + "code 1–6 in that order"

    /// The class of a label, or nil.
    static func classOf(_ label: String) -> Int? {
        if let code = Int(label) { return (1...6).contains(code) ? code - 1 : nil }
        return ExpressionVocabulary.canonicalIndex(of: label).flatMap { $0 < 6 ? $0 : nil }
    }

    static func manifest(
        root: String, options: LayoutOptions, policy: inout BadInputPolicy
    ) throws(DatasetError) -> FaceManifest {
        let names = Array(expressionNames.prefix(6))
        guard let list = options.list else {
            let records = try ClassFolders.read(
                root, classOf: { Int($0) == nil ? classOf($0) : nil },
                expected: "Anger, Disgust, Fear, Happiness, Sadness, Surprise",
                subjects: true, policy: &policy)
            return FaceManifest(layout: .mmi, root: root, expressionNames: names, records: records)
        }
        var records: [FaceRecord] = []
        for entry in try LabelList.read(list, root: root, subjectRequired: true, policy: &policy) {
            guard let expression = classOf(entry.label) else {
                try policy.handle(
                    DatasetError(
                        .unknownLabel, at: entry.at,
                        "unknown MMI label '\(entry.label)' (\(meaning))"))
                continue
            }
            records.append(
                FaceRecord(
                    path: entry.path, expression: expression, subject: entry.subject,
                    listedAt: entry.at))
        }
        return FaceManifest(layout: .mmi, root: root, expressionNames: names, records: records)
    }
}
