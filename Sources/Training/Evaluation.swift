import Autodiff
import DDLModel
import FaceData
import Layers
import FastKernels
import TensorCore

/// Accuracy, per-class accuracy and the confusion matrix of a set of predictions.
public struct ClassificationReport: Sendable, Equatable, Codable {
    /// `confusion[true][predicted]`.
    public let confusion: [[Int]]

    /// Counts `truth` against `predicted` over `classes` classes (out-of-range labels skipped).
    public init(classes: Int, truth: [Int], predicted: [Int]) {
        var m = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (t, p) in zip(truth, predicted) where t >= 0 && t < classes && p >= 0 && p < classes {
            m[t][p] += 1
        }
        confusion = m
    }

    /// Samples counted.
    public var total: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }
    /// Fraction predicted correctly (0 for no samples).
    public var accuracy: Double {
        let correct = confusion.indices.reduce(0) { $0 + confusion[$1][$1] }
        return total > 0 ? Double(correct) / Double(total) : 0
    }
    /// Accuracy of each true class (nil for a class with no sample).
    public var perClass: [Double?] {
        confusion.indices.map { c in
            let n = confusion[c].reduce(0, +)
            return n > 0 ? Double(confusion[c][c]) / Double(n) : nil
        }
    }
}

/// Predicts the expression of every image of a set with a DDM in evaluation mode.
public func predictExpressions<S: TensorScalar>(
    _ ddm: DDM<S>, _ set: FaceSet, augmentation: Augmentation, batchSize: Int = 64
) -> [Int] {
    var predictions: [Int] = []
    predictions.reserveCapacity(set.count)
    var unused = RandomGenerator(seed: 0)
    for batch in EpochOrder(
        count: set.count, batchSize: batchSize, seed: 0, epoch: 0, shuffle: false
    ).batches {
        let x = augmentation.batch(
            set, indices: batch, training: false, generator: &unused, as: S.self)
        let logits = withoutGradients { ddm(Variable(x), mode: .eval).logits.value }
        predictions += argmaxRows(logits)
    }
    return predictions
}

/// The index of the largest entry of each row of a `[N, K]` tensor.
public func argmaxRows<S: TensorScalar>(_ t: Tensor<S>) -> [Int] {
    let k = t.shape[1]
    return (0..<t.shape[0]).map { i in
        var best = 0
        for j in 1..<k where t.scalars[i * k + j] > t.scalars[i * k + best] { best = j }
        return best
    }
}

/// Evaluates a DDM on a labelled set.
public func evaluate<S: TensorScalar>(
    _ ddm: DDM<S>, on set: FaceSet, augmentation: Augmentation
) -> ClassificationReport {
    let predicted = predictExpressions(ddm, set, augmentation: augmentation)
    return ClassificationReport(
        classes: ddm.config.classes, truth: set.expressions, predicted: predicted)
}
