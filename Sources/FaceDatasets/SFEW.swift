import FaceData

/// SFEW 2.0 as distributed: `Train/Train_Aligned_Faces/<Emotion>/*.png` and
/// `Val/Val_Aligned_Faces/<Emotion>/*.png` (or the emotion folders directly in `Train/`
/// and `Val/`). The faces are already aligned; they are centre-cropped and resized.
enum SFEW {
    /// Folder names → canonical classes.
    static let folders = [
        "angry": 0, "disgust": 1, "fear": 2, "happy": 3, "sad": 4, "surprise": 5, "neutral": 6
    ]
    static let folderNames = ["Angry", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise"]

    static func manifest(
        root: String, options: LayoutOptions, policy: inout BadInputPolicy
    ) throws(DatasetError) -> FaceManifest {
        let parts = options.split.map { [FaceLayout.sfew.splits[$0.lowercased()] ?? $0] }
            ?? ["Train", "Val"]
        var records: [FaceRecord] = []
        var read = 0
        for part in parts {
            let aligned = Files.join(root, part, "\(part)_Aligned_Faces")
            let base = Files.isFolder(aligned) ? aligned : Files.join(root, part)
            guard Files.isFolder(base) else {
                if options.split != nil {
                    throw DatasetError(
                        .missingFile, file: aligned, "no such folder (SFEW's \(part) part)")
                }
                continue
            }
            read += 1
            records += try ClassFolders.read(
                base, classOf: { folders[$0.lowercased()] },
                expected: folderNames.joined(separator: ", "),
                required: folderNames, subjects: false, policy: &policy)
        }
        guard read > 0 else {
            throw DatasetError(
                .missingFile, file: Files.join(root, "Train/Train_Aligned_Faces"),
                "no such folder, nor Val/Val_Aligned_Faces: not an SFEW 2.0 copy")
        }
        return FaceManifest(
            layout: .sfew, root: root, expressionNames: expressionNames, records: records)
    }
}
