import Testing
import FaceData
import FastKernels
import TensorCore

/// The set makers: determinism, labels, withholding, balance and subject-independent splits.
@Suite("Synthetic faces: sets")
struct SyntheticFaceSetTests {
    let spec = SyntheticFaceSpec(size: 20, identities: 12, poses: 3, illuminations: 4, strength: 1)

    @Test func sameSeedSameBytesDifferentSeedDifferentBytes() {
        let a = SyntheticFaces.labelledSet(spec: spec, count: 30, seed: 5)
        let b = SyntheticFaces.labelledSet(spec: spec, count: 30, seed: 5)
        let c = SyntheticFaces.labelledSet(spec: spec, count: 30, seed: 6)
        #expect(a == b)
        #expect(a.pixels != c.pixels)
        var g1 = RandomGenerator(seed: 9), g2 = RandomGenerator(seed: 9)
        let one = SyntheticFaces.render(expression: 2, identity: 3, pose: 1, illumination: 0, spec: spec, seed: 1, generator: &g1)
        let two = SyntheticFaces.render(expression: 2, identity: 3, pose: 1, illumination: 0, spec: spec, seed: 1, generator: &g2)
        #expect(one == two)
        #expect(g1.next() == g2.next())
    }

    @Test func labelledSetLabelsAreInRangeAndConsistent() {
        let set = SyntheticFaces.labelledSet(spec: spec, count: 47, seed: 3)
        #expect(set.count == 47 && set.size == 20 && set.pixels.count == 47 * 3 * 20 * 20)
        #expect(set.factorClasses == spec.factorClasses)
        #expect(Set(set.factors.keys) == Set(SyntheticFaceSpec.factorNames))
        #expect(spec.factorClasses == ["identity": 12, "pose": 3, "illumination": 4, "gender": 3, "race": 3, "age": 5])
        for (name, labels) in set.factors {
            let classes = spec.factorClasses[name] ?? 0
            #expect(labels.count == 47)
            #expect(labels.allSatisfy { $0 >= 0 && $0 < classes }, "factor \(name)")
        }
        let identities = set.factors["identity"] ?? []
        #expect(set.subjects == identities)
        for i in 0..<set.count {
            // Gender, race and age belong to the subject.
            let who = SyntheticFaces.subject(identity: identities[i], seed: 3)
            #expect(set.factors["gender"]?[i] == who.gender)
            #expect(set.factors["race"]?[i] == who.race)
            #expect(set.factors["age"]?[i] == who.age)
        }
        let counts = set.expressionCounts
        #expect(counts.reduce(0, +) == 47 && (counts.max() ?? 0) - (counts.min() ?? 0) <= 1)
    }

    @Test func expressionSetWithholdsFactors() {
        let set = SyntheticFaces.expressionSet(spec: spec, count: 35, seed: 4)
        #expect(set.expressionCounts == [5, 5, 5, 5, 5, 5, 5])
        #expect(set.factorClasses == spec.factorClasses)
        for (name, labels) in set.factors { #expect(labels == [Int](repeating: -1, count: 35), "factor \(name)") }
        #expect(set.subjects.allSatisfy { $0 >= 0 && $0 < 12 })
        // The expressions come shuffled, not in class order.
        #expect(set.expressions != set.expressions.sorted())
    }

    @Test func disturbanceSetWithholdsExpressions() {
        let set = SyntheticFaces.disturbanceSet(spec: spec, count: 40, seed: 4)
        #expect(set.expressions == [Int](repeating: -1, count: 40))
        #expect(set.expressionCounts == [0, 0, 0, 0, 0, 0, 0])
        for (name, labels) in set.factors {
            let classes = spec.factorClasses[name] ?? 0
            #expect(labels.allSatisfy { $0 >= 0 && $0 < classes }, "factor \(name)")
        }
        // Every pose and illumination class occurs.
        #expect(Set(set.factors["pose"] ?? []) == Set(0..<3))
        #expect(Set(set.factors["illumination"] ?? []) == Set(0..<4))
        // Different kinds made with one seed share the people but not the images.
        let other = SyntheticFaces.labelledSet(spec: spec, count: 40, seed: 4)
        #expect(set.pixels != other.pixels)
    }

    @Test func disjointIdentityRangesGiveSubjectIndependentSplits() {
        let train = SyntheticFaces.expressionSet(spec: spec, count: 60, seed: 8, identities: 0..<9)
        let test = SyntheticFaces.expressionSet(spec: spec, count: 30, seed: 8, identities: 9..<12)
        #expect(Set(train.subjects).isDisjoint(with: Set(test.subjects)))
        #expect(train.subjects.allSatisfy { (0..<9).contains($0) })
        #expect(Set(test.subjects) == Set(9..<12))
        let labelled = SyntheticFaces.labelledSet(spec: spec, count: 20, seed: 8, identities: 4..<5)
        #expect(labelled.factors["identity"] == [Int](repeating: 4, count: 20))
    }

    @Test func subjectAttributesAreBalancedAndFixedBySeed() {
        let subjects = (0..<30).map { SyntheticFaces.subject(identity: $0, seed: 11) }
        for g in 0..<3 { #expect(subjects.filter { $0.gender == g }.count == 10) }
        for r in 0..<3 { #expect(subjects.filter { $0.race == r }.count == 10) }
        for a in 0..<5 { #expect(subjects.filter { $0.age == a }.count == 6) }
        #expect(subjects == (0..<30).map { SyntheticFaces.subject(identity: $0, seed: 11) })
        let others = (0..<30).map { SyntheticFaces.subject(identity: $0, seed: 12) }
        #expect(subjects.map(\.age) != others.map(\.age))
    }

    @Test func specValidationNamesTheSetting() {
        #expect(SyntheticFaceSpec().problem == nil)
        #expect(SyntheticFaceSpec(size: 15).problem == "image size 15 is below 16")
        #expect(throws: SyntheticFaceSpecError(message: "strength 1.5 is outside [0, 1]")) {
            try SyntheticFaceSpec(strength: 1.5).validate()
        }
        #expect(SyntheticFaceSpec(poses: 0).problem != nil)
    }
}
