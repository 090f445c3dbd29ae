import Autodiff
import DDLModel
import FaceData
import FaceDatasets
import Foundation
import FastKernels
import TensorCore
import Training

/// A trained DDM applied to image files as training fed it: each image aligned to the
/// training faces' side (by the eyes when landmarks are given, else the largest centred
/// square), the centred input crop, the checkpoint's scaling, evaluation mode, softmax.
struct Predictor {
    let ddm: DDM<Float>
    let metadata: CheckpointMetadata
    /// The checkpoint's preprocessing, or the documented default for older checkpoints.
    let preprocessing: InputSpec
    /// Whether `preprocessing` was assumed (the checkpoint did not store it).
    let assumed: Bool

    /// Loads a DDM checkpoint.
    /// - Throws: the checkpoint's errors (not a DDM, mismatched entries, non-finite weights).
    init(checkpoint: String) throws {
        (ddm, metadata) = try DDM<Float>.load(from: checkpoint)
        if let stored = metadata.input {
            guard stored.inputSize == metadata.config.inputSize,
                stored.classNames.count == metadata.config.classes,
                (stored.resize ?? stored.imageSize) >= stored.inputSize
            else {
                throw CheckpointError(
                    file: checkpoint,
                    reason:
                        "/@preprocessing (\(stored.json)) disagrees with /@config (input_size "
                            + "\(metadata.config.inputSize), classes \(metadata.config.classes))"
                )
            }
            preprocessing = stored
            assumed = false
        } else {
            preprocessing = .assumed(
                inputSize: metadata.config.inputSize,
                classNames: defaultExpressionClassNames(metadata.config.classes))
            assumed = true
        }
    }

    /// A note for checkpoints without stored preprocessing, saying what is assumed.
    var assumption: String? {
        guard assumed else { return nil }
        return "the checkpoint does not record its preprocessing (written before it was stored); "
            + "assuming faces of \(preprocessing.imageSize)×\(preprocessing.imageSize) (the input "
            + "\(preprocessing.inputSize) is the default 90% crop), scaling "
            + "\(preprocessing.scaling.rawValue), classes "
            + "\(preprocessing.classNames.joined(separator: ", "))"
    }

    /// The faces of `paths` aligned to the training side, as an unlabelled face set.
    /// - Throws: `DatasetError` naming an image that cannot be read or decoded.
    func faces(_ paths: [String], landmarks: EyeLandmarks?) throws -> FaceSet {
        let aligner = FaceAligner(side: preprocessing.imageSize)
        var set = FaceSet(
            size: preprocessing.imageSize, expressionClasses: metadata.config.classes,
            expressionClassNames: preprocessing.classNames)
        for path in paths {
            let image = try ImageCodecs.read(path)
            set.append(
                image: aligner.crop(image, landmarks?.alignment(of: path) ?? .centre),
                expression: -1)
        }
        return set
    }

    /// The class probabilities of every face of `set`, `batchSize` at a time; `progress`
    /// gets (faces done, faces in all) after each batch.
    func probabilities(
        _ set: FaceSet, batchSize: Int, progress: (Int, Int) -> Void = { _, _ in }
    ) -> [[Double]] {
        let augmentation: Augmentation
        switch preprocessing.scaling {
        case .symmetric: augmentation = .evaluation(of: metadata)
        }
        var unused = RandomGenerator(seed: 0)
        var rows: [[Double]] = []
        rows.reserveCapacity(set.count)
        let k = metadata.config.classes
        for batch in EpochOrder(
            count: set.count, batchSize: batchSize, seed: 0, epoch: 0, shuffle: false
        ).batches {
            let x = augmentation.batch(
                set, indices: batch, training: false, generator: &unused, as: Float.self)
            let logits = withoutGradients { ddm(Variable(x), mode: .eval).logits.value }
            // Softmax in Double, so that each row sums to 1 within rounding.
            for i in 0..<batch.count {
                let row = (0..<k).map { Double(logits.scalars[i * k + $0]) }
                let top = row.max() ?? 0
                let e = row.map { Foundation.exp($0 - top) }
                let z = e.reduce(0, +)
                rows.append(e.map { $0 / z })
            }
            progress(rows.count, set.count)
        }
        return rows
    }
}
