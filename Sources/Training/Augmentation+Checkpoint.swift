import DDLModel

extension Augmentation {
    /// How evaluation feeds faces to a checkpoint's model: the centred crop of its input size
    /// after the resize and grayscale its run recorded (`CheckpointMetadata.input`; none for
    /// a checkpoint without the record). Rotation and jitter are training-only.
    public static func evaluation(of metadata: CheckpointMetadata) -> Augmentation {
        let steps = Preprocessing(
            resize: metadata.input?.resize, grayscale: metadata.input?.grayscale ?? false)
        return Augmentation(crop: metadata.config.inputSize, flip: false, preprocessing: steps)
    }

    /// Whether faces of side `side` are large enough for the crop after the resize.
    public func fits(side: Int) -> Bool { preprocessing.side(after: side) >= crop }
}
