import FaceData

/// Any other database: folder-per-class `<class>/[<subject>/]<image>`, or a list file of
/// lines `path label [subject]`. Class names that are all expressions (any spelling, and
/// contempt) keep the canonical order (see `ExpressionVocabulary.classes(for:)`); other
/// names become classes in natural order. In a list file, labels that are all integers are
/// class indices (0-based, canonical names when there are at most seven).
enum GenericLayout {
    static func manifest(
        root: String, options: LayoutOptions, policy: inout BadInputPolicy
    ) throws(DatasetError) -> FaceManifest {
        guard let list = options.list else {
            let found = Set(try Files.folders(in: root))
            let (index, names) = ExpressionVocabulary.classes(for: found)
            let records = try ClassFolders.read(
                root, classOf: { index[$0] }, expected: "one folder per class", subjects: true,
                policy: &policy)
            return FaceManifest(
                layout: .generic, root: root, expressionNames: names, records: records)
        }
        let entries = try LabelList.read(list, root: root, subjectRequired: false, policy: &policy)
        let numbers = entries.map { Int($0.label) }
        var records: [FaceRecord] = []
        var names: [String] = []
        if !entries.isEmpty && numbers.allSatisfy({ $0 != nil }) {
            let classes = (numbers.compactMap { $0 }.max() ?? 0) + 1
            names = FaceData.defaultExpressionClassNames(classes)
            for (entry, label) in zip(entries, numbers.compactMap { $0 }) {
                guard label >= 0 else {
                    try policy.handle(
                        DatasetError(
                            .unknownLabel, at: entry.at,
                            "class index \(label) is negative (indices count from 0)"))
                    continue
                }
                records.append(
                    FaceRecord(
                        path: entry.path, expression: label, subject: entry.subject,
                        listedAt: entry.at))
            }
        } else {
            let (index, found) = ExpressionVocabulary.classes(for: Set(entries.map(\.label)))
            names = found
            records = entries.compactMap { entry in
                index[entry.label].map {
                    FaceRecord(
                        path: entry.path, expression: $0, subject: entry.subject, listedAt: entry.at
                    )
                }
            }
        }
        return FaceManifest(layout: .generic, root: root, expressionNames: names, records: records)
    }
}
