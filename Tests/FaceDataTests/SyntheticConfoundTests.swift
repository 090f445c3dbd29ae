import FaceData
import Foundation
import Testing

/// The confound of a synthetic training split: measured co-occurrence of expression and
/// preferred factor values equals ρ within sampling error; the test split is independent.
@Suite("Synthetic faces: confound")
struct SyntheticConfoundTests {
    let spec = SyntheticFaceSpec(size: 16, identities: 35, poses: 5, illuminations: 5, strength: 0.6)
    let range = 0..<28  // 4 identities per class group

    /// The fraction of images whose pose, light and identity group are the class's preferred.
    func matches(_ set: FaceSet) -> (pose: Double, light: Double, identity: Double) {
        var pose = 0, light = 0, identity = 0
        for i in 0..<set.count {
            let c = set.expressions[i]
            if set.factors["pose"]?[i] == SyntheticConfound.preferredPose(expression: c, classes: 7, poses: 5) { pose += 1 }
            if set.factors["illumination"]?[i]
                == SyntheticConfound.preferredIllumination(expression: c, classes: 7, illuminations: 5) { light += 1 }
            if let id = set.factors["identity"]?[i], SyntheticConfound.identityGroup(identity: id, range: range, classes: 7) == c {
                identity += 1
            }
        }
        let n = Double(set.count)
        return (Double(pose) / n, Double(light) / n, Double(identity) / n)
    }

    /// ρ̂ from a match fraction: P(match) = ρ + (1 − ρ)/K.
    func rhoHat(_ match: Double, classes k: Double) -> Double { (match - 1 / k) / (1 - 1 / k) }

    @Test(arguments: [0.0, 0.3, 0.7, 1.0])
    func measuredCoOccurrenceEqualsRho(rho: Double) {
        let n = 1400
        let set = SyntheticFaces.labelledSet(spec: spec, count: n, seed: 4, identities: range,
                                             confound: SyntheticConfound(rho: rho))
        let m = matches(set)
        // Four standard errors of ρ̂ (binomial), at most 0.05 here.
        for (match, k) in [(m.pose, 5.0), (m.light, 5.0), (m.identity, 7.0)] {
            let p = rho + (1 - rho) / k
            let tolerance = 4 * (p * (1 - p) / Double(n)).squareRoot() / (1 - 1 / k) + 1e-12
            #expect(abs(rhoHat(match, classes: k) - rho) <= tolerance, "ρ \(rho), K \(k): match \(match)")
        }
        if rho == 1 { #expect(m.pose == 1 && m.light == 1 && m.identity == 1) }
        // Identities stay inside the set's range whatever ρ.
        #expect(set.subjects.allSatisfy { range.contains($0) })
    }

    @Test func testSplitIsIndependentOfTheExpression() {
        // The default (test-split) draw, ρ = 0: expression and pose in a 7 × 5 table, χ² with 24
        // degrees of freedom below its 99.9% point 51.18.
        let full = SyntheticFaces.labelledSet(spec: spec, count: 1400, seed: 8, identities: range)
        var table = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 7)
        for i in 0..<full.count { table[full.expressions[i]][full.factors["pose"]?[i] ?? 0] += 1 }
        let n = Double(full.count)
        var chi2 = 0.0
        for c in 0..<7 {
            for p in 0..<5 {
                let expected = table[c].reduce(0, +) * table.map { $0[p] }.reduce(0, +) / n
                chi2 += (table[c][p] - expected) * (table[c][p] - expected) / expected
            }
        }
        #expect(chi2.isFinite && chi2 < 51.18, "χ² \(chi2)")
        let m = matches(full)
        for (match, k) in [(m.pose, 5.0), (m.light, 5.0), (m.identity, 7.0)] {
            #expect(abs(match - 1 / k) <= 4 * ((1 / k) * (1 - 1 / k) / n).squareRoot(), "match \(match) of 1/\(k)")
        }
    }

    @Test func rhoZeroGivesTheUnconfoundedImages() {
        let plain = SyntheticFaces.labelledSet(spec: spec, count: 40, seed: 2, identities: range)
        let zero = SyntheticFaces.labelledSet(spec: spec, count: 40, seed: 2, identities: range, confound: SyntheticConfound(rho: 0))
        let half = SyntheticFaces.labelledSet(spec: spec, count: 40, seed: 2, identities: range, confound: SyntheticConfound(rho: 0.5))
        #expect(plain == zero)
        #expect(plain.expressions == half.expressions)
        #expect(plain.pixels != half.pixels)
    }

    @Test func preferredValuesSpreadTheClasses() {
        #expect((0..<7).map { SyntheticConfound.preferredPose(expression: $0, classes: 7, poses: 5) } == [0, 1, 1, 2, 3, 3, 4])
        #expect((0..<7).map { SyntheticConfound.preferredIllumination(expression: $0, classes: 7, illuminations: 5) }
                    == [4, 3, 3, 2, 1, 1, 0])
        #expect(SyntheticConfound.identityGroup(identity: 9, range: 2..<30, classes: 7) == 0)
        // A range smaller than the classes: identities shared, all inside the range.
        let small = SyntheticFaces.labelledSet(spec: spec, count: 70, seed: 1, identities: 30..<33, confound: SyntheticConfound(rho: 1))
        #expect(small.subjects.allSatisfy { (30..<33).contains($0) })
    }
}
