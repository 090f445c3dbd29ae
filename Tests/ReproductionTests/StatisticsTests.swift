import Foundation
import Reproduction
import Testing

/// |a − b| ≤ atol + rtol·|b|, with `a` finite.
private func near(_ a: Double, _ b: Double, atol: Double = 1e-9, rtol: Double = 1e-9) -> Bool {
    a.isFinite && abs(a - b) <= atol + rtol * abs(b)
}

/// The optional is present and near `b`.
private func near(_ a: Double?, _ b: Double, atol: Double = 1e-9, rtol: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return near(a, b, atol: atol, rtol: rtol)
}

@Suite("Statistics")
struct StatisticsTests {
    @Test func meanAndSampleStandardDeviation() {
        #expect(near(Statistics.mean([1, 2, 3, 4, 5]), 3))
        #expect(near(Statistics.standardDeviation([1, 2, 3, 4, 5]), 1.5811388300841898))
        #expect(near(Statistics.standardDeviation([2, 1, 0, 3]), 1.2909944487358056))
        #expect(Statistics.standardDeviation([7]) == 0)
        #expect(Statistics.standardDeviation([]) == 0)
        #expect(Statistics.mean([]).isNaN)
        // Shifted far from zero the spread is unchanged.
        let shifted = [1, 2, 3, 4, 5].map { 1e9 + Double($0) }
        #expect(near(Statistics.standardDeviation(shifted), 1.5811388300841898, rtol: 1e-6))
    }

    @Test func studentTQuantilesMatchTables() {
        // scipy.stats.t.ppf
        let cases: [(p: Double, nu: Double, t: Double)] = [
            (0.975, 1, 12.706204736174694),
            (0.975, 2, 4.302652729749462),
            (0.975, 4, 2.7764451051977934),
            (0.975, 9, 2.262157162798205),
            (0.975, 29, 2.045229642132703),
            (0.995, 3, 5.840909309733355),
            (0.9, 2.5, 1.7302509288071766),
            (0.025, 5, -2.5705818356363155),
            (0.6, 10, 0.2601848294920803),
            (0.999999, 7, 14.241469651921154),
            (0.975, 1000, 1.9623390808264083),
        ]
        for c in cases {
            let t = Statistics.studentTQuantile(c.p, degreesOfFreedom: c.nu)
            #expect(near(t, c.t), "p \(c.p), nu \(c.nu): \(t) vs \(c.t)")
        }
        #expect(Statistics.studentTQuantile(0.5, degreesOfFreedom: 3) == 0)
        #expect(Statistics.studentTQuantile(1, degreesOfFreedom: 3) == .infinity)
        #expect(Statistics.studentTQuantile(0, degreesOfFreedom: 3) == -.infinity)
        #expect(Statistics.studentTQuantile(1.5, degreesOfFreedom: 3).isNaN)
        #expect(Statistics.studentTQuantile(0.9, degreesOfFreedom: 0).isNaN)
    }

    @Test func studentTCDFMatchesScipy() {
        // scipy.stats.t.cdf; small lower tails are compared relatively.
        let cases: [(t: Double, nu: Double, cdf: Double)] = [
            (0.0, 1, 0.5),
            (1.0, 1, 0.75),
            (-2.0, 1, 0.14758361765043326),
            (-40.0, 1, 0.007956089912025812),
            (0.5, 2.5, 0.6711510400651426),
            (-1.3, 2.5, 0.15024339463535416),
            (2.32379000772445, 3, 0.9486359605708005),
            (3.0, 4, 0.9800290159641406),
            (-0.7, 9, 0.2508095196080725),
            (10.0, 2, 0.9950737714883372),
            (50.0, 5, 0.9999999697612119),
            (-8.0, 29, 4.006287824815844e-09),
            (0.001, 30, 0.5003956321167575),
            (2.0, 100, 0.9758939106344332),
            (1.5, 0.5, 0.7460491046759459),
        ]
        for c in cases {
            let p = Statistics.studentTCDF(c.t, degreesOfFreedom: c.nu)
            #expect(near(p, c.cdf, atol: 1e-12, rtol: 1e-10), "t \(c.t), nu \(c.nu): \(p)")
        }
        // Symmetry, the limits and the normal limit.
        #expect(near(Statistics.studentTCDF(-1.7, degreesOfFreedom: 6)
                         + Statistics.studentTCDF(1.7, degreesOfFreedom: 6), 1, atol: 1e-15))
        #expect(Statistics.studentTCDF(.infinity, degreesOfFreedom: 4) == 1)
        #expect(Statistics.studentTCDF(-.infinity, degreesOfFreedom: 4) == 0)
        #expect(near(Statistics.studentTCDF(1.959963984540054, degreesOfFreedom: .infinity), 0.975))
        #expect(Statistics.studentTCDF(1, degreesOfFreedom: -1).isNaN)
    }

    @Test func incompleteBetaMatchesScipy() {
        // scipy.special.betainc
        let cases: [(a: Double, b: Double, x: Double, value: Double)] = [
            (0.5, 0.5, 0.3, 0.36901011956554536),
            (2, 3, 0.4, 0.5248),
            (10, 0.5, 0.9, 0.15164090963470994),
            (1, 1, 0.25, 0.25),
            (50, 60, 0.45, 0.4642352914306031),
            (0.1, 5, 0.01, 0.7690889207843462),
        ]
        for c in cases {
            let v = Statistics.regularizedIncompleteBeta(a: c.a, b: c.b, x: c.x)
            #expect(near(v, c.value, atol: 1e-12, rtol: 1e-10), "a \(c.a), b \(c.b), x \(c.x)")
        }
        #expect(Statistics.regularizedIncompleteBeta(a: 2, b: 3, x: 0) == 0)
        #expect(Statistics.regularizedIncompleteBeta(a: 2, b: 3, x: 1) == 1)
    }

    @Test func confidenceIntervalOfFiveValues() throws {
        let ci = Statistics.confidenceInterval95([1, 2, 3, 4, 5])
        #expect(ci.n == 5)
        #expect(near(ci.mean, 3))
        #expect(near(ci.std, 1.5811388300841898))
        // t(0.975, 4) · s / √5
        #expect(near(ci.halfWidth, 1.9632431614775572))
        #expect(near(ci.low, 3 - 1.9632431614775572))
        #expect(near(ci.high, 3 + 1.9632431614775572))
        // One value: no spread, no interval, and still encodable as JSON.
        let single = Statistics.confidenceInterval95([0.8])
        #expect(single.halfWidth == nil && single.low == nil && single.high == nil)
        #expect(single.std == 0 && single.n == 1)
        let json = try JSONEncoder().encode(single)
        #expect(try JSONDecoder().decode(Statistics.Interval.self, from: json) == single)
        let round = try JSONDecoder().decode(Statistics.Interval.self,
                                             from: try JSONEncoder().encode(ci))
        #expect(round == ci)
    }

    @Test func pairedTTestMatchesScipy() {
        // scipy.stats.ttest_rel([10, 12, 9, 11], [8, 11, 9, 8])
        let r = Statistics.pairedTTest([10, 12, 9, 11], [8, 11, 9, 8])
        #expect(r.n == 4)
        #expect(near(r.meanDifference, 1.5))
        #expect(near(r.std, 1.2909944487358056))
        #expect(near(r.tStatistic, 2.32379000772445))
        #expect(near(r.pValue, 0.10272807885839899, atol: 1e-12, rtol: 1e-9))
        // t(0.975, 3) · s / √4
        #expect(near(r.halfWidth, 2.0542602567605206))
        // Swapping the samples flips t and keeps p.
        let swapped = Statistics.pairedTTest([8, 11, 9, 8], [10, 12, 9, 11])
        #expect(near(swapped.tStatistic, -2.32379000772445))
        #expect(near(swapped.pValue, 0.10272807885839899, atol: 1e-12, rtol: 1e-9))
    }

    @Test func pairedTTestDegenerateCases() {
        let same = Statistics.pairedTTest([1, 2, 3], [1, 2, 3])
        #expect(same.tStatistic == 0 && same.pValue == 1 && same.std == 0)
        #expect(same.halfWidth == 0)
        let up = Statistics.pairedTTest([2, 3, 4], [1, 2, 3])
        #expect(up.tStatistic == .infinity && up.pValue == 0 && up.meanDifference == 1)
        let down = Statistics.pairedTTest([1, 2, 3], [2, 3, 4])
        #expect(down.tStatistic == -.infinity && down.pValue == 0)
        let one = Statistics.pairedTTest([0.9], [0.7])
        #expect(one.n == 1 && one.tStatistic == nil && one.pValue == nil && one.halfWidth == nil)
        #expect(near(one.meanDifference, 0.2, atol: 1e-15))
    }
}
