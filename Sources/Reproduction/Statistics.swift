import Foundation

/// Summary statistics for the reproduction's tables: means, sample standard deviations,
/// Student-t confidence intervals and paired t-tests over per-fold results.
///
/// The Student-t distribution is evaluated through the regularised incomplete beta
/// function, computed with a continued fraction (modified Lentz) and `lgamma`; the
/// cumulative distribution is accurate to about 1e-10 (relative, in the tails too) for
/// the degrees of freedom seen in cross-validation (up to a few thousand).
public enum Statistics {
    /// A 95% Student-t confidence interval for the mean of a sample.
    ///
    /// `halfWidth` is `nil` when the sample has fewer than two values, because no spread
    /// can be estimated; `low` and `high` are then `nil` as well. Every stored value is
    /// finite for finite input, so the default `JSONEncoder` can write it.
    public struct Interval: Sendable, Equatable, Codable {
        /// The sample mean.
        public var mean: Double
        /// The sample standard deviation (divisor n − 1; 0 for a single value).
        public var std: Double
        /// The half-width t₀.₉₇₅,ₙ₋₁ · s / √n, or `nil` when n < 2.
        public var halfWidth: Double?
        /// The number of values in the sample.
        public var n: Int

        /// Creates an interval from its parts.
        public init(mean: Double, std: Double, halfWidth: Double?, n: Int) {
            self.mean = mean
            self.std = std
            self.halfWidth = halfWidth
            self.n = n
        }

        /// The lower end, mean − halfWidth, or `nil` when n < 2.
        public var low: Double? { halfWidth.map { mean - $0 } }
        /// The upper end, mean + halfWidth, or `nil` when n < 2.
        public var high: Double? { halfWidth.map { mean + $0 } }

        enum CodingKeys: String, CodingKey { case mean, std, n, halfWidth = "ci95" }
    }

    /// The result of a two-sided paired t-test on the differences a − b.
    ///
    /// For n < 2, `halfWidth`, `tStatistic` and `pValue` are `nil`. When every difference is
    /// the same (standard deviation 0) and n ≥ 2: if that difference is 0 then t = 0 and
    /// p = 1; otherwise t = ±infinity (the sign of the difference) and p = 0. An infinite
    /// `tStatistic` cannot be written by a `JSONEncoder` unless its
    /// `nonConformingFloatEncodingStrategy` is set.
    public struct PairedComparison: Sendable, Equatable, Codable {
        /// The number of pairs.
        public var n: Int
        /// The mean of the differences a − b.
        public var meanDifference: Double
        /// The sample standard deviation of the differences (divisor n − 1; 0 for n < 2).
        public var std: Double
        /// The half-width of the 95% t-interval for the mean difference, or `nil` for n < 2.
        public var halfWidth: Double?
        /// The t statistic meanDifference / (std / √n), or `nil` for n < 2.
        public var tStatistic: Double?
        /// The two-sided p-value 2 · P(T > |t|) with n − 1 degrees of freedom, or `nil`
        /// for n < 2.
        public var pValue: Double?

        enum CodingKeys: String, CodingKey {
            case n, std, meanDifference = "mean_difference", halfWidth = "ci95", tStatistic =
                "t_statistic", pValue = "p_value"
        }

        /// Creates a comparison from its parts.
        public init(
            n: Int, meanDifference: Double, std: Double, halfWidth: Double?,
            tStatistic: Double?, pValue: Double?
        ) {
            self.n = n
            self.meanDifference = meanDifference
            self.std = std
            self.halfWidth = halfWidth
            self.tStatistic = tStatistic
            self.pValue = pValue
        }
    }

    // MARK: Sample statistics

    /// The arithmetic mean; `.nan` for an empty array.
    public static func mean(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return .nan }
        return xs.reduce(0, +) / Double(xs.count)
    }

    /// The sample standard deviation with divisor n − 1 (two passes); 0 when n < 2.
    public static func standardDeviation(_ xs: [Double]) -> Double {
        guard xs.count >= 2 else { return 0 }
        let m = mean(xs)
        var squares = 0.0
        var deviations = 0.0
        for x in xs {
            let d = x - m
            squares += d * d
            deviations += d
        }
        // The correction term removes the rounding left in the mean (it is 0 in exact
        // arithmetic).
        let n = Double(xs.count)
        let variance = (squares - deviations * deviations / n) / (n - 1)
        return variance > 0 ? variance.squareRoot() : 0
    }

    /// The 95% Student-t interval mean ± t₀.₉₇₅,ₙ₋₁ · s / √n.
    ///
    /// - Precondition: `xs` is not empty.
    public static func confidenceInterval95(_ xs: [Double]) -> Interval {
        precondition(!xs.isEmpty, "a confidence interval needs at least one value")
        let n = xs.count
        let s = standardDeviation(xs)
        return Interval(mean: mean(xs), std: s, halfWidth: halfWidth95(std: s, n: n), n: n)
    }

    /// A two-sided paired t-test on the differences a[i] − b[i]; see `PairedComparison`
    /// for the degenerate cases.
    ///
    /// - Precondition: `a` and `b` have the same, non-zero, number of values.
    public static func pairedTTest(_ a: [Double], _ b: [Double]) -> PairedComparison {
        precondition(a.count == b.count, "paired samples differ in length: \(a.count), \(b.count)")
        precondition(!a.isEmpty, "a paired t-test needs at least one pair")
        let differences = zip(a, b).map { $0 - $1 }
        let n = differences.count
        let m = mean(differences)
        let s = standardDeviation(differences)
        guard n >= 2 else {
            return PairedComparison(
                n: n, meanDifference: m, std: s, halfWidth: nil, tStatistic: nil, pValue: nil)
        }
        let t: Double
        let p: Double
        if s == 0 {
            if m == 0 {
                (t, p) = (0, 1)
            } else {
                (t, p) = (m > 0 ? .infinity : -.infinity, 0)
            }
        } else {
            t = m / (s / Double(n).squareRoot())
            p = min(1, 2 * studentTUpperTail(abs(t), degreesOfFreedom: Double(n - 1)))
        }
        return PairedComparison(
            n: n, meanDifference: m, std: s, halfWidth: halfWidth95(std: s, n: n),
            tStatistic: t, pValue: p)
    }

    static func halfWidth95(std s: Double, n: Int) -> Double? {
        guard n >= 2 else { return nil }
        let t = studentTQuantile(0.975, degreesOfFreedom: Double(n - 1))
        return t * s / Double(n).squareRoot()
    }

    // MARK: Student's t distribution

    /// P(T ≤ t) for Student's t distribution with `nu` degrees of freedom (any real
    /// ν > 0; ν = +infinity gives the standard normal). `.nan` for ν ≤ 0 or NaN input.
    public static func studentTCDF(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        guard !t.isNaN, !nu.isNaN, nu > 0 else { return .nan }
        let tail = studentTUpperTail(abs(t), degreesOfFreedom: nu)
        return t < 0 ? tail : 1 - tail
    }

    /// P(T > t), computed directly so that small upper tails keep their relative accuracy.
    static func studentTUpperTail(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        if t == .infinity { return 0 }
        if t == -.infinity { return 1 }
        if nu == .infinity { return 0.5 * erfc(t / 2.0.squareRoot()) }
        // With x = ν / (ν + t²), P(|T| > |t|) = I_x(ν/2, 1/2); 1 − x is formed separately.
        let t2 = t * t
        let x = nu / (nu + t2)
        let y = t2 / (nu + t2)
        let both = regularizedIncompleteBeta(a: nu / 2, b: 0.5, x: x, complement: y)
        return t >= 0 ? both / 2 : 1 - both / 2
    }

    /// The p-quantile of Student's t distribution with `nu` degrees of freedom: the t
    /// with P(T ≤ t) = p, found by bisection on the upper tail to about 1e-15 relative.
    /// −infinity for p = 0, +infinity for p = 1, `.nan` outside [0, 1] or for ν ≤ 0.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        guard !p.isNaN, !nu.isNaN, nu > 0, p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        if p < 0.5 { return -upperTailQuantile(p, degreesOfFreedom: nu) }
        return upperTailQuantile(1 - p, degreesOfFreedom: nu)
    }

    /// The t > 0 with P(T > t) = q, for 0 < q < 1/2.
    static func upperTailQuantile(_ q: Double, degreesOfFreedom nu: Double) -> Double {
        var low = 0.0
        var high = 1.0
        while studentTUpperTail(high, degreesOfFreedom: nu) > q {
            low = high
            high *= 2
            if !high.isFinite { return .infinity }
        }
        for _ in 0..<200 {
            let middle = low + (high - low) / 2
            if middle <= low || middle >= high { break }
            if studentTUpperTail(middle, degreesOfFreedom: nu) > q {
                low = middle
            } else {
                high = middle
            }
            if high - low <= 1e-15 * high { break }
        }
        return low + (high - low) / 2
    }

    // MARK: Incomplete beta

    /// The regularised incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b) for
    /// a, b > 0 and 0 ≤ x ≤ 1; `.nan` outside that domain.
    public static func regularizedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
        regularizedIncompleteBeta(a: a, b: b, x: x, complement: 1 - x)
    }

    /// I_x(a, b) where `complement` is 1 − x, given separately by callers that know it
    /// more precisely than `1 - x` would give it.
    static func regularizedIncompleteBeta(
        a: Double, b: Double, x: Double, complement y: Double
    ) -> Double {
        guard a > 0, b > 0, x >= 0, x <= 1, y >= 0, y <= 1 else { return .nan }
        if x == 0 { return 0 }
        if y == 0 { return 1 }
        // The continued fraction converges quickly for x < (a + 1) / (a + b + 2);
        // otherwise use I_x(a, b) = 1 − I_{1−x}(b, a).
        if x < (a + 1) / (a + b + 2) {
            return betaPrefactor(a: a, b: b, x: x, y: y) * betaContinuedFraction(a: a, b: b, x: x)
        }
        return 1 - betaPrefactor(a: b, b: a, x: y, y: x) * betaContinuedFraction(a: b, b: a, x: y)
    }

    /// xᵃ (1 − x)ᵇ / (a · B(a, b)), with y = 1 − x.
    static func betaPrefactor(a: Double, b: Double, x: Double, y: Double) -> Double {
        let logBeta = lgamma(a) + lgamma(b) - lgamma(a + b)
        return exp(a * log(x) + b * log(y) - logBeta) / a
    }

    /// The continued fraction 1 / (1 + d₁ / (1 + d₂ / (1 + …))) of I_x(a, b), where
    /// d₂ₘ₊₁ = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) and
    /// d₂ₘ = m (b − m) x / ((a + 2m − 1)(a + 2m)), evaluated by the modified Lentz method.
    static func betaContinuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        let epsilon = 1e-15
        // The fraction is f = 0 + 1 / (1 + d₁ / (1 + d₂ / …)): partial numerators
        // 1, d₁, d₂, … over partial denominators that are all 1.
        var f = tiny
        var c = f
        var d = 0.0
        func step(_ numerator: Double) -> Double {
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = c * d
            f *= delta
            return delta
        }
        _ = step(1)
        for m in 0..<100_000 {
            let mm = Double(m)
            let odd = -(a + mm) * (a + b + mm) * x / ((a + 2 * mm) * (a + 2 * mm + 1))
            let deltaOdd = step(odd)
            let next = mm + 1
            let even = next * (b - next) * x / ((a + 2 * next - 1) * (a + 2 * next))
            let deltaEven = step(even)
            if abs(deltaOdd - 1) <= epsilon && abs(deltaEven - 1) <= epsilon { break }
        }
        return f
    }
}
