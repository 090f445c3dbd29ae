import FastKernels
import TensorCore

/// How strongly the disturbing factors of a synthetic training split go with the
/// expression: the shortcut a baseline can take and disentangling should remove.
///
/// For an image of expression class `c`, each of the three confounded factors is, with
/// probability `rho` and independently of the others, set to the class's preferred value,
/// and otherwise drawn uniformly as in an unconfounded set:
/// - pose: the classes are spread over the yaw classes from left to right
///   (`preferredPose`), so anger leans one way and neutral the other;
/// - illumination: the classes are spread over the light directions from right to left
///   (`preferredIllumination`), a different order from the poses;
/// - identity: the identities of the set's range are dealt into one group per class in
///   turn (`identityGroup`), and the subject is drawn from the class's group.
///
/// So `P(pose = preferredPose(c) | c) = rho + (1 − rho)/poses`, and the same for the light
/// and the identity group; `rho = 0` gives today's independent draws (the test splits are
/// always drawn so), `rho = 1` a training split in which every factor predicts the class.
public struct SyntheticConfound: Sendable, Equatable {
    /// The probability, per factor and image, that the factor takes the class's preferred value.
    public var rho: Double

    /// A confound of strength `rho` in [0, 1].
    public init(rho: Double) { self.rho = rho }

    /// No confound: every factor drawn independently of the expression.
    public static let none = SyntheticConfound(rho: 0)

    /// The pose class that expression `expression` (of `classes`) prefers among `poses`.
    public static func preferredPose(expression: Int, classes: Int, poses: Int) -> Int {
        spread(expression, classes, poses)
    }

    /// The illumination class that `expression` prefers: the reverse order of the poses.
    public static func preferredIllumination(
        expression: Int, classes: Int, illuminations: Int
    ) -> Int {
        illuminations - 1 - spread(expression, classes, illuminations)
    }

    /// The identity group (a class index) of `identity` within `range`: identities are dealt
    /// to the classes in turn, so group `c` holds `range.lowerBound + c`, `+ c + classes`, ….
    public static func identityGroup(identity: Int, range: Range<Int>, classes: Int) -> Int {
        (identity - range.lowerBound) % classes
    }

    /// The identity group of `identity` within a list of subjects, dealt in the list's order;
    /// nil when the identity is not in the list.
    public static func identityGroup(identity: Int, subjects: [Int], classes: Int) -> Int? {
        subjects.firstIndex(of: identity).map { $0 % classes }
    }

    /// Class `k` of `n` placed evenly on `0..<m` (0 → 0, n − 1 → m − 1).
    static func spread(_ k: Int, _ n: Int, _ m: Int) -> Int {
        guard n > 1, m > 1 else { return 0 }
        return Int((Double(k) * Double(m - 1) / Double(n - 1)).rounded())
    }

    /// The identity, pose and illumination of one image of `expression`, given the values
    /// drawn independently of it: each is replaced by the class's preferred one (for the
    /// identity, a member of the class's group in `pool`) when its coin with probability `rho`
    /// comes up. Makes the same four draws from `g` whatever the labels and `rho`.
    func apply(
        to drawn: (identity: Int, pose: Int, illumination: Int), expression: Int, classes: Int,
        pool: [Int], spec: SyntheticFaceSpec, generator g: inout RandomGenerator
    ) -> (identity: Int, pose: Int, illumination: Int) {
        let identityCoin = g.nextUnit() < rho, poseCoin = g.nextUnit() < rho,
            lightCoin = g.nextUnit() < rho
        // The class's identity group; a pool smaller than the classes shares identities.
        let offset = expression % min(classes, pool.count)
        let groupSize = (pool.count - offset + classes - 1) / classes
        let member = g.drawIndex(max(groupSize, 1))
        let identity = identityCoin ? pool[offset + member * classes] : drawn.identity
        let pose =
            poseCoin
            ? Self.preferredPose(expression: expression, classes: classes, poses: spec.poses)
            : drawn.pose
        let light =
            lightCoin
            ? Self.preferredIllumination(
                expression: expression, classes: classes, illuminations: spec.illuminations)
            : drawn.illumination
        return (identity, pose, light)
    }
}
