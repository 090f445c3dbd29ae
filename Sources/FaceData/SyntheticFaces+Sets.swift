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
    /// - Precondition: `count ≥ 0`, `spec.problem == nil`, `identities` non-empty inside
    ///   `0..<spec.identities`.
    public static func expressionSet(
        spec: SyntheticFaceSpec = SyntheticFaceSpec(), count: Int, seed: UInt64, identities: Range<Int>? = nil
    ) -> FaceSet {
        makeSet(.expression, spec: spec, count: count, seed: seed, identities: identities)
    }

    /// A disturbance-labelled set (the Multi-PIE / RAF-DB analogue): every factor labelled
    /// (identity, pose, illumination, gender, race, age) and subjects given; expressions
    /// drawn uniformly so they vary, but their labels withheld (−1).
    ///
    /// Parameters and preconditions as for `expressionSet`.
    public static func disturbanceSet(
        spec: SyntheticFaceSpec = SyntheticFaceSpec(), count: Int, seed: UInt64, identities: Range<Int>? = nil
    ) -> FaceSet {
        makeSet(.disturbance, spec: spec, count: count, seed: seed, identities: identities)
    }

    /// A fully labelled set for analysis and tests: expressions balanced as in
    /// `expressionSet`, every factor labelled as in `disturbanceSet`.
    ///
    /// Parameters and preconditions as for `expressionSet`.
    public static func labelledSet(
        spec: SyntheticFaceSpec = SyntheticFaceSpec(), count: Int, seed: UInt64, identities: Range<Int>? = nil
    ) -> FaceSet {
        makeSet(.labelled, spec: spec, count: count, seed: seed, identities: identities)
    }

    /// The images of one set. The per-image stream is seeded by the seed, the kind and the
    /// identity range, so sets of different kinds or ranges never repeat an image.
    static func makeSet(
        _ kind: SetKind, spec: SyntheticFaceSpec, count: Int, seed: UInt64, identities: Range<Int>?
    ) -> FaceSet {
        if let problem = spec.problem { preconditionFailure("SyntheticFaces: \(problem)") }
        precondition(count >= 0, "SyntheticFaces: count \(count) is negative")
        let range = identities ?? 0..<spec.identities
        precondition(!range.isEmpty && range.lowerBound >= 0 && range.upperBound <= spec.identities,
                     "SyntheticFaces: identities \(range) must be a non-empty part of 0..<\(spec.identities)")
        var streamSeed = mixSeed(seed, kind.rawValue)
        streamSeed = mixSeed(mixSeed(streamSeed, UInt64(range.lowerBound)), UInt64(range.upperBound))
        var g = RandomGenerator(seed: streamSeed)

        let classes = expressionNames.count
        var expressions = (0..<count).map { $0 % classes }
        if kind == .disturbance {
            for i in 0..<count { expressions[i] = g.drawIndex(classes) }
        } else {
            for i in stride(from: count - 1, to: 0, by: -1) { expressions.swapAt(i, g.drawIndex(i + 1)) }
        }

        var set = FaceSet(size: spec.size, expressionClasses: classes, factorClasses: spec.factorClasses)
        for i in 0..<count {
            let identity = range.lowerBound + g.drawIndex(range.count)
            let pose = g.drawIndex(spec.poses)
            let illumination = g.drawIndex(spec.illuminations)
            let image = render(
                expression: expressions[i], identity: identity, pose: pose, illumination: illumination,
                spec: spec, seed: seed, generator: &g)
            let who = subject(identity: identity, seed: seed)
            let factors = [
                "identity": identity, "pose": pose, "illumination": illumination,
                "gender": who.gender, "race": who.race, "age": who.age,
            ]
            set.append(
                image: image, expression: kind == .disturbance ? -1 : expressions[i], subject: identity,
                factors: kind == .expression ? [:] : factors)
        }
        return set
    }
}
