/// Folder-per-class trees: `<base>/<class>/<image>` and, where subjects are wanted,
/// `<base>/<class>/<subject>/<image>`.
enum ClassFolders {
    /// The faces of every class folder of `base`, class folders and images in natural order.
    /// - Parameters:
    ///   - classOf: the class of a folder name, or nil for a folder that is not a class.
    ///   - expected: what the class folders should be called, for the error about others.
    ///   - required: folder names that must be present (compared case-insensitively).
    ///   - subjects: take images in sub-folders too, with the sub-folder name as the subject.
    static func read(
        _ base: String, classOf: (String) -> Int?, expected: String, required: [String] = [],
        subjects: Bool, policy: inout BadInputPolicy
    ) throws(DatasetError) -> [FaceRecord] {
        let folders = try Files.folders(in: base)
        let present = Set(folders.map { $0.lowercased() })
        for name in required where !present.contains(name.lowercased()) {
            try policy.handle(
                DatasetError(
                    .missingFile, file: Files.join(base, name),
                    "no such class folder (expected \(expected))"))
        }
        var records: [FaceRecord] = []
        for name in folders {
            let folder = Files.join(base, name)
            guard let expression = classOf(name) else {
                try policy.handle(
                    DatasetError(
                        .layout, file: folder,
                        "not a class folder of this layout (expected \(expected))"))
                continue
            }
            var found = try Files.images(in: folder).map {
                FaceRecord(path: Files.join(folder, $0), expression: expression)
            }
            if subjects {
                for subject in try Files.folders(in: folder) {
                    let inner = Files.join(folder, subject)
                    found += try Files.images(in: inner).map {
                        FaceRecord(
                            path: Files.join(inner, $0), expression: expression, subject: subject)
                    }
                }
            }
            guard !found.isEmpty else {
                try policy.handle(
                    DatasetError(
                        .emptyFolder, file: folder,
                        "no images (.jpg, .jpeg, .png) in this class folder"))
                continue
            }
            records += found
        }
        return records
    }
}
