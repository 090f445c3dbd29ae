import FastKernels
import TensorCore

extension SyntheticFaces {
    /// Which labels a made set keeps.
    enum SetKind: UInt64 {
        case expression = 0x4558, disturbance = 0x4449, labelled = 0x4C41
    }

    /// An expression set (the FER database analogue): expressions balanced over the seven
    /// classes (counts differ by at most one) in shuffled order; identities, poses and
    /// illuminations drawn uniformly. Expression labels and subjects (identity ids) are
    /// present; every factor label is withheld (−1), though the factor names and class
    /// counts are kept.
    ///
    /// - Parameters:
    ///   - identities: the identities to draw from (default all); give disjoint ranges to
    ///     make subject-independent train and test sets.
    ///   - seed: fixes the identities (shared by every set made with it) and the images.
    ///   - confound: how strongly pose, light and identity go with the expression (a
    ///     training split's shortcut; `SyntheticConfound`); test splits keep `.none`.
    /// - Precondition: `count ≥ 0`, `spec.problem == nil`, `identities` non-empty inside
    ///   `0..<spec.identities`, `confound.rho` in [0, 1].
    public static func expressionSet(
        spec: SyntheticFaceSpec = SyntheticFaceSpec(), count: Int, seed: UInt64,
        identities: Range<Int>? = nil,
        confound: SyntheticConfound = .none
    ) -> FaceSet {
        makeSet(
            .expression, spec: spec, count: count, seed: seed, identities: identities,
            confound: confound)
    }

    /// A disturbance-labelled set (the Multi-PIE / RAF-DB analogue): every factor labelled
    /// (identity, pose, illumination, gender, race, age) and subjects given; expressions
    /// drawn uniformly so they vary, but their labels withheld (−1).
    ///
    /// Parameters and preconditions as for `expressionSet`.
    public static func disturbanceSet(
        spec: SyntheticFaceSpec = SyntheticFaceSpec(), count: Int, seed: UInt64,
        identities: Range<Int>? = nil
    ) -> FaceSet {
        makeSet(.disturbance, spec: spec, count: count, seed: seed, identities: identities)
    }

    /// A fully labelled set for analysis and tests: expressions balanced as in
    /// `expressionSet`, every factor labelled as in `disturbanceSet`.
    ///
    /// Parameters and preconditions as for `expressionSet`.
    public static func labelledSet(
        spec: SyntheticFaceSpec = SyntheticFaceSpec(), count: Int, seed: UInt64,
        identities: Range<Int>? = nil,
        confound: SyntheticConfound = .none
    ) -> FaceSet {
        makeSet(
            .labelled, spec: spec, count: count, seed: seed, identities: identities,
            confound: confound)
    }

    /// An expression set drawn from an explicit list of subjects (e.g. the training subjects
    /// of one cross-validation fold), otherwise as `expressionSet`: the confound's identity
    /// groups deal `subjects` in their given order.
    /// - Precondition: `subjects` non-empty, distinct, inside `0..<spec.identities`.
    public static func expressionSet(
        spec: SyntheticFaceSpec = SyntheticFaceSpec(), count: Int, seed: UInt64, subjects: [Int],
        confound: SyntheticConfound = .none
    ) -> FaceSet {
        makeSet(
            .expression, spec: spec, count: count, seed: seed, pool: subjects, confound: confound)
    }

    /// The images of one set. The per-image stream is seeded by the seed, the kind and the
    /// identity range, so sets of different kinds or ranges never repeat an image; the
    /// confound's coins come from a stream of their own, so `rho = 0` gives the images of
    /// an unconfounded set.
    static func makeSet(
        _ kind: SetKind, spec: SyntheticFaceSpec, count: Int, seed: UInt64, identities: Range<Int>?,
        confound: SyntheticConfound = .none
    ) -> FaceSet {
        let range = identities ?? 0..<spec.identities
        precondition(
            !range.isEmpty && range.lowerBound >= 0 && range.upperBound <= spec.identities,
            "SyntheticFaces: identities \(range) must be a non-empty part of 0..<\(spec.identities)"
        )
        return makeSet(
            kind, spec: spec, count: count, seed: seed, pool: Array(range), confound: confound)
    }

    /// `makeSet` over a list of subjects; a contiguous list seeds the stream as its range.
    static func makeSet(
        _ kind: SetKind, spec: SyntheticFaceSpec, count: Int, seed: UInt64, pool: [Int],
        confound: SyntheticConfound
    ) -> FaceSet {
        if let problem = spec.problem { preconditionFailure("SyntheticFaces: \(problem)") }
        precondition(count >= 0, "SyntheticFaces: count \(count) is negative")
        precondition(
            !pool.isEmpty && pool.allSatisfy { $0 >= 0 && $0 < spec.identities }
                && Set(pool).count == pool.count,
            "SyntheticFaces: subjects \(pool) must be distinct, non-empty and inside "
                + "0..<\(spec.identities)"
        )
        var streamSeed = mixSeed(seed, kind.rawValue)
        if let first = pool.first, pool == Array(first..<(first + pool.count)) {
            streamSeed = mixSeed(mixSeed(streamSeed, UInt64(first)), UInt64(first + pool.count))
        } else {
            streamSeed = mixSeed(streamSeed, 0x504F_4F4C)
            for id in pool { streamSeed = mixSeed(streamSeed, UInt64(id)) }
        }
        var g = RandomGenerator(seed: streamSeed)
        precondition(
            confound.rho >= 0 && confound.rho <= 1,
            "SyntheticFaces: confound \(confound.rho) outside [0, 1]")
        var coins = RandomGenerator(seed: mixSeed(streamSeed, 0x434F))

        let classes = expressionNames.count
        var expressions = (0..<count).map { $0 % classes }
        if kind == .disturbance {
            for i in 0..<count { expressions[i] = g.drawIndex(classes) }
        } else {
            for i in stride(from: count - 1, to: 0, by: -1) {
                expressions.swapAt(i, g.drawIndex(i + 1))
            }
        }

        var set = FaceSet(
            size: spec.size, expressionClasses: classes, factorClasses: spec.factorClasses)
        for i in 0..<count {
            let drawn = (identity: pool[g.drawIndex(pool.count)], pose: g.drawIndex(spec.poses),
                         illumination: g.drawIndex(spec.illuminations))
            let (identity, pose, illumination) = confound.apply(
                to: drawn, expression: expressions[i], classes: classes, pool: pool, spec: spec,
                generator: &coins)
            let image = render(
                expression: expressions[i], identity: identity, pose: pose,
                illumination: illumination,
                spec: spec, seed: seed, generator: &g)
            let who = subject(identity: identity, seed: seed)
            let factors = [
                "identity": identity, "pose": pose, "illumination": illumination,
                "gender": who.gender, "race": who.race, "age": who.age,
            ]
            set.append(
                image: image, expression: kind == .disturbance ? -1 : expressions[i],
                subject: identity,
                factors: kind == .expression ? [:] : factors)
        }
        return set
    }
}
