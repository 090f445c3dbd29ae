import Autodiff
import DDLModel
import FaceData
import Foundation
import FastKernels
import TensorCore

/// How well a DFEM has learnt each of its factors, on faces it was not trained on.
public struct FactorAccuracy: Codable, Sendable, Equatable {
    /// The factor (`identity`, `pose`, …).
    public var factor: String
    /// Fraction of the held-out labelled faces classified correctly.
    public var accuracy: Double
    /// Held-out faces with a label for this factor.
    public var count: Int
    /// The accuracy of always answering the most frequent held-out class.
    public var chance: Double

    /// A factor's held-out result.
    public init(factor: String, accuracy: Double, count: Int, chance: Double) {
        self.factor = factor
        self.accuracy = accuracy
        self.count = count
        self.chance = chance
    }

    /// Whether the accuracy is above chance by more than two binomial standard errors of
    /// chance (`chance + 2·√(chance·(1 − chance)/count)`); false without held-out faces.
    public var betterThanChance: Bool {
        guard count > 0 else { return false }
        return accuracy > chance + 2 * (chance * (1 - chance) / Double(count)).squareRoot()
    }

    enum CodingKeys: String, CodingKey { case factor, accuracy, count, chance }
}

/// Stage 1's held-out check: part of the disturbance-labelled faces is kept out of
/// training and each factor head is scored on it.
public enum DFEMHeldOut {
    /// Splits a disturbance-labelled set into a training part and a held-out part.
    ///
    /// A seeded `fraction` of the subjects (at least one, and at least one kept) is held out
    /// whole: their faces score every factor but identity, which is a subject's own and
    /// cannot be recognised on unseen subjects. Identity is scored on a `fraction` of the
    /// faces of the kept subjects instead (their other labels withheld there, −1, since those
    /// subjects are seen in training). Faces without a subject id are treated as one subject
    /// each. The same set and seed give the same split.
    public static func split(
        _ set: FaceSet, fraction: Double, seed: UInt64
    ) -> (train: FaceSet, heldOut: FaceSet) {
        precondition(
            fraction > 0 && fraction < 1, "DFEMHeldOut.split: fraction \(fraction) outside (0, 1)")
        let subjectOf = set.subjects.indices.map {
            set.subjects[$0] >= 0 ? set.subjects[$0] : -1 - $0
        }
        var subjects = Array(Set(subjectOf)).sorted()
        var g = RandomGenerator(seed: deriveSeed(seed, "dfem-held-out", 0))
        for i in stride(from: subjects.count - 1, to: 0, by: -1) {
            subjects.swapAt(i, Int(g.next() % UInt64(i + 1)))
        }
        let heldCount =
            subjects.count < 2
            ? 0
            : min(max(1, Int((Double(subjects.count) * fraction).rounded())), subjects.count - 1)
        let heldSubjects = Set(subjects.prefix(heldCount))
        var train: [Int] = [], unseen: [Int] = [], seen: [Int] = []
        for i in 0..<set.count {
            if heldSubjects.contains(subjectOf[i]) { unseen.append(i); continue }
            if g.nextUnit() < fraction { seen.append(i) } else { train.append(i) }
        }
        let heldOut = set.subset(unseen + seen)
        let firstSeen = unseen.count
        let labelled = heldOut.keepingFactorLabels { factor, i in
            (factor == "identity") == (i >= firstSeen)
        }
        return (set.subset(train), labelled)
    }

    /// Each factor head's accuracy on `set` (evaluation mode, centre crops of `crop` after
    /// the deterministic steps of `preprocessing`), in the DFEM's factor order; faces
    /// without a label for a factor are left out of its score.
    public static func evaluate<S: TensorScalar>(
        _ dfem: DFEM<S>, on set: FaceSet, crop: Int, preprocessing: Preprocessing = .plain,
        batchSize: Int = 64
    ) -> [FactorAccuracy] {
        let augmentation = Augmentation(crop: crop, flip: false, preprocessing: preprocessing)
        var predicted: [String: [Int]] = [:]
        var unused = RandomGenerator(seed: 0)
        for batch in EpochOrder(
            count: set.count, batchSize: batchSize, seed: 0, epoch: 0, shuffle: false
        ).batches {
            let x = augmentation.batch(
                set, indices: batch, training: false, generator: &unused, as: S.self)
            let out = withoutGradients { dfem(Variable(x), mode: .eval) }
            for (f, logits) in out.logits {
                predicted[f.name, default: []] += argmaxRows(logits.value)
            }
        }
        return dfem.factors.map { f in
            let truth = set.factors[f.name] ?? []
            let guesses = predicted[f.name] ?? []
            var counts = [Int](repeating: 0, count: max(f.classes, 1)), correct = 0, n = 0
            for (t, p) in zip(truth, guesses) where t >= 0 {
                n += 1
                if t < counts.count { counts[t] += 1 }
                if t == p { correct += 1 }
            }
            let chance = n > 0 ? Double(counts.max() ?? 0) / Double(n) : 0
            return FactorAccuracy(
                factor: f.name, accuracy: n > 0 ? Double(correct) / Double(n) : 0, count: n,
                chance: chance)
        }
    }

    /// One line per factor: `pose 0.82 (chance 0.22, 120 faces)`, and `NOT better than
    /// chance` where it is not.
    public static func describe(_ results: [FactorAccuracy]) -> [String] {
        results.map { r in
            let verdict =
                r.count == 0
                ? " — no held-out label" : (r.betterThanChance ? "" : " — NOT better than chance")
            return "\(r.factor) "
                + String(
                    format: "%.1f%% (chance %.1f%%, %d held-out faces)", r.accuracy * 100,
                    r.chance * 100, r.count)
                + verdict
        }
    }
}
