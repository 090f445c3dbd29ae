import FaceData

/// Oulu-CASIA as distributed:
/// `VL/Strong/Pxxx/<Anger|Disgust|Fear|Happiness|Sadness|Surprise>/000.jpeg …` (the NI tree
/// and the Weak and Dark lightings have the same shape). Each sequence gives its last
/// `peakFrames` frames, subject `Pxxx`; six classes.
enum OuluCASIA {
    /// Folder names → canonical classes 0–5.
    static let folders = [
        "anger": 0, "disgust": 1, "fear": 2, "happiness": 3, "sadness": 4, "surprise": 5
    ]
    static let expected = "Anger, Disgust, Fear, Happiness, Sadness, Surprise"

    static func manifest(
        root: String, options: LayoutOptions, policy: inout BadInputPolicy
    ) throws(DatasetError) -> FaceManifest {
        let base = Files.join(root, options.ouluFolder)
        guard Files.isFolder(base) else {
            throw DatasetError(
                .missingFile, file: base,
                "no such folder (the --root must hold \(options.ouluFolder)/Pxxx/<Emotion>/)")
        }
        var records: [FaceRecord] = []
        for subject in try Files.folders(in: base) {
            let person = Files.join(base, subject)
            let sequences = try Files.folders(in: person)
            if sequences.isEmpty {
                try policy.handle(
                    DatasetError(
                        .emptyFolder, file: person, "no expression folders (expected \(expected))"))
                continue
            }
            for name in sequences {
                let folder = Files.join(person, name)
                guard let expression = folders[name.lowercased()] else {
                    try policy.handle(
                        DatasetError(
                            .layout, file: folder,
                            "not an Oulu-CASIA expression folder (expected \(expected))"))
                    continue
                }
                let frames = try Files.images(in: folder)
                guard !frames.isEmpty else {
                    try policy.handle(
                        DatasetError(
                            .emptyFolder, file: folder,
                            "no frames (.jpeg, .jpg, .png) in this sequence folder"))
                    continue
                }
                records += frames.suffix(options.peakFrames).map {
                    FaceRecord(
                        path: Files.join(folder, $0), expression: expression, subject: subject)
                }
            }
        }
        return FaceManifest(
            layout: .ouluCASIA, root: root, expressionNames: Array(expressionNames.prefix(6)),
            records: records)
    }
}
