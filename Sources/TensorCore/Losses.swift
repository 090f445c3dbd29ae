import RealModule

/// A class label that no loss may use: outside `[-1, classes)`.
public struct LabelError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The offending label, the sample it belongs to, and the number of classes.
    public let label: Int, index: Int, classes: Int
    /// Creates the error for `label` at sample `index` with `classes` classes.
    public init(label: Int, index: Int, classes: Int) {
        self.label = label; self.index = index; self.classes = classes
    }
    /// The error as printed, naming the label, the sample and the valid range.
    public var description: String {
        "cross_entropy: label \(label) at sample \(index) is outside 0..<\(classes) (−1 marks a " +
        "missing label)"
    }
}

extension Tensor {
    /// Checks labels against `classes`; −1 means missing and is allowed.
    public static func validateLabels(_ labels: [Int], classes: Int) throws(LabelError) {
        for (i, l) in labels.enumerated() where l < -1 || l >= classes {
            throw LabelError(label: l, index: i, classes: classes)
        }
    }

    /// Softmax cross-entropy of `logits[N, K]` against labels, mean over the labelled samples.
    ///
    /// Eq. 2/4. A label of −1 leaves that sample out (Eq. 1's missing labels); when no sample is
    /// labelled the loss is 0 and so is every gradient (PyTorch would give NaN here).
    /// Returns the loss, the number of labelled samples and the log-probabilities.
    static func crossEntropyKernel(logits: Tensor, labels: [Int]) -> (
        loss: Scalar, labelled: Int, logProbabilities: Tensor
    ) {
        requireShapes { () throws(ShapeError) in
            guard logits.rank == 2, logits.shape[0] == labels.count else {
                throw ShapeError(
                    "cross_entropy",
                    "logits \(describe(logits.shape)) need [N, K] with N = \(labels.count) labels")
            }
        }
        do { try validateLabels(labels, classes: logits.shape[1]) } catch {
            preconditionFailure(error.description)
        }
        let logp = softmaxKernel(logits, axis: 1, log: true)
        let k = logits.shape[1]
        var total = 0.0, labelled = 0
        for (i, l) in labels.enumerated() where l >= 0 {
            total -= Double(logp.scalars[i * k + l])
            labelled += 1
        }
        return (labelled > 0 ? Scalar(total / Double(labelled)) : 0, labelled, logp)
    }

    /// Logits gradient of `crossEntropy` scaled by the upstream scalar `g`:
    /// `(softmax − onehot)·g / labelled` on labelled rows, 0 elsewhere.
    static func crossEntropyBackwardKernel(
        logProbabilities logp: Tensor, labels: [Int], upstream g: Scalar
    ) -> Tensor {
        let k = logp.shape[1]
        let labelled = labels.filter { $0 >= 0 }.count
        var dx = [Scalar](repeating: 0, count: logp.count)
        guard labelled > 0 else { return Tensor(shape: logp.shape, scalars: dx) }
        let scale = g / Scalar(labelled)
        for (i, l) in labels.enumerated() where l >= 0 {
            for j in 0..<k { dx[i * k + j] = Scalar.exp(logp.scalars[i * k + j]) * scale }
            dx[i * k + l] -= scale
        }
        return Tensor(shape: logp.shape, scalars: dx)
    }

    /// Binary cross-entropy with logits, mean over all elements, in the stable form
    /// `max(x, 0) − x·t + log(1 + e^{−|x|})`.
    static func binaryCrossEntropyWithLogitsKernel(_ x: Tensor, targets t: Tensor) -> Scalar {
        requireShapes { () throws(ShapeError) in
            guard x.shape == t.shape else {
                throw ShapeError(
                    "bce_with_logits",
                    "logits \(describe(x.shape)) and targets \(describe(t.shape)) differ")
            }
        }
        var total = 0.0
        for i in 0..<x.count {
            let v = x.scalars[i]
            total += Double(
                Swift.max(v, 0) - v * t.scalars[i] + Scalar.log(onePlus: Scalar.exp(-abs(v))))
        }
        return Scalar(total / Double(Swift.max(x.count, 1)))
    }

    /// Gradients of `binaryCrossEntropyWithLogits` scaled by `g`: logits `(σ(x) − t)·g/n`,
    /// targets `−x·g/n`.
    static func binaryCrossEntropyWithLogitsBackwardKernel(
        _ x: Tensor, targets t: Tensor, upstream g: Scalar
    ) -> (logits: Tensor, targets: Tensor) {
        let scale = g / Scalar(Swift.max(x.count, 1))
        let dx = x.zip(t) { v, y in (sigmoid(v) - y) * scale }
        let dt = x.map { -$0 * scale }
        return (dx, dt)
    }
}
