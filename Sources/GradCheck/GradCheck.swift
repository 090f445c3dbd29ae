import Autodiff
import FastKernels
import TensorCore

/// One input of a checked function: a name for reports, a value, and whether it is
/// differentiated (labels and other constants are not).
public struct CheckedInput: Sendable {
    /// The input's name in reports.
    public let name: String
    /// The input's value.
    public let value: Tensor<Double>
    /// Whether its gradient is checked.
    public let differentiable: Bool

    /// An input from its parts; differentiable unless said otherwise.
    public init(_ name: String, _ value: Tensor<Double>, differentiable: Bool = true) {
        self.name = name
        self.value = value
        self.differentiable = differentiable
    }
}

/// The settings of a gradient check (PyTorch's `gradcheck` defaults for eps and atol).
public struct GradCheckSettings: Sendable {
    /// Central-difference step.
    public var eps: Double = 1e-6
    /// Absolute tolerance of `|analytic − numeric| ≤ atol + rtol·|numeric|`.
    public var atol: Double = 1e-5
    /// Relative tolerance.
    public var rtol: Double = 1e-3
    /// Seed of the random upstream gradient (and of the sampled elements).
    public var seed: UInt64 = 0x5EED
    /// At most this many elements of each tensor are perturbed (a seeded sample, always
    /// including the first and last element); nil checks every element.
    public var maxElementsPerTensor: Int?

    /// Settings from their parts, defaulting to PyTorch's eps and atol.
    public init(
        eps: Double = 1e-6, atol: Double = 1e-5, rtol: Double = 1e-3, seed: UInt64 = 0x5EED,
        maxElementsPerTensor: Int? = nil
    ) {
        self.eps = eps
        self.atol = atol
        self.rtol = rtol
        self.seed = seed
        self.maxElementsPerTensor = maxElementsPerTensor
    }

    /// The element offsets of a tensor of `count` elements that a check perturbs.
    func elements(count: Int, salt: Int) -> [Int] {
        guard let limit = maxElementsPerTensor, count > limit, limit >= 2 else {
            return Array(0..<count)
        }
        var g = RandomGenerator(seed: seed &+ UInt64(salt))
        var picked = Set([0, count - 1])
        while picked.count < limit { picked.insert(Int(g.next() % UInt64(count))) }
        return picked.sorted()
    }
}

/// The outcome for one input of a gradient check.
public struct InputCheck: Sendable {
    /// The input's name.
    public let name: String
    /// The input's shape.
    public let shape: [Int]
    /// The comparison of the analytic gradient with the numeric one.
    public let comparison: Closeness
    /// How many elements were perturbed.
    public let checkedElements: Int

    /// An outcome from its parts.
    public init(name: String, shape: [Int], comparison: Closeness, checkedElements: Int) {
        self.name = name
        self.shape = shape
        self.comparison = comparison
        self.checkedElements = checkedElements
    }
}

/// The outcome of a gradient check of one function.
public struct GradCheckReport: Sendable, CustomStringConvertible {
    /// Input shapes, in order, and the output shape.
    public let inputShapes: [[Int]]
    /// The output shape.
    public let outputShape: [Int]
    /// One entry per differentiable input.
    public let inputs: [InputCheck]
    /// Whether a zero upstream gradient gave exactly zero gradients.
    public let zeroUpstreamPassed: Bool
    /// Whether a second forward and backward gave the same gradients, bit for bit.
    public let backwardTwicePassed: Bool

    /// Whether every part of the check passed.
    public var passed: Bool {
        inputs.allSatisfy(\.comparison.passed) && zeroUpstreamPassed && backwardTwicePassed
    }
    /// Largest absolute error over all inputs.
    public var maxAbsError: Double { inputs.map(\.comparison.maxAbsError).max() ?? 0 }
    /// Largest relative error over all inputs.
    public var maxRelError: Double { inputs.map(\.comparison.maxRelError).max() ?? 0 }
    /// The input whose gradient is furthest from its tolerance (largest
    /// `|analytic − numeric| / (atol + rtol·|numeric|)`); nil without differentiable inputs.
    public var worstInput: InputCheck? {
        inputs.max { $0.comparison.toleranceRatio < $1.comparison.toleranceRatio }
    }

    /// What failed, naming the input and index; nil when everything passed.
    public var failure: String? {
        if let bad = inputs.first(where: { !$0.comparison.passed }) {
            return "gradient of input '\(bad.name)' \(describe(bad.shape)): \(bad.comparison)"
        }
        if !zeroUpstreamPassed { return "a zero upstream gradient gave non-zero gradients" }
        if !backwardTwicePassed { return "a second backward gave different gradients" }
        return nil
    }

    /// `PASS` with the largest errors, or `FAIL:` and what failed.
    public var description: String {
        passed ? "PASS (max abs \(maxAbsError), max rel \(maxRelError))" : "FAIL: \(failure ?? "")"
    }
}

/// Checks the analytic gradients of `f` against central finite differences, in `Double`.
///
/// The function's output is projected on a fixed random upstream `R` (seeded), so the
/// objective is `⟨f(x), R⟩`; every element of every differentiable input and of every
/// parameter is perturbed by `±eps` (or a seeded sample of them, see
/// `maxElementsPerTensor`) and the difference quotient compared with the backward pass's
/// gradient for upstream `R`. Also checks that a zero upstream gives zero gradients and that
/// a second forward + backward gives identical gradients. `f` must be deterministic: draw
/// any randomness from a generator it creates from a fixed seed.
///
/// - Parameters:
///   - inputs: fresh leaves are made of these for every call of `f`.
///   - parameters: leaves that `f` uses directly (a layer's weights); they are perturbed
///     in place with `assign` and restored.
public func gradcheck(
    _ inputs: [CheckedInput], parameters: [(name: String, variable: Variable<Double>)] = [],
    settings: GradCheckSettings = GradCheckSettings(),
    _ f: ([Variable<Double>]) -> Variable<Double>
) -> GradCheckReport {
    func analytic(upstream: Tensor<Double>?) -> (output: Tensor<Double>, grads: [Tensor<Double>]) {
        let vars = inputs.map { Variable($0.value, requiresGrad: $0.differentiable) }
        for p in parameters { p.variable.zeroGrad() }
        let y = f(vars)
        var generator = RandomGenerator(seed: settings.seed)
        let r = upstream ?? Tensor<Double>.normal(y.shape, generator: &generator)
        y.backward(upstream: r)
        var grads = zip(inputs, vars).filter { $0.0.differentiable }.map {
            $0.1.grad ?? Tensor.zeros($0.0.value.shape)
        }
        grads += parameters.map { $0.variable.grad ?? Tensor.zeros($0.variable.shape) }
        for p in parameters { p.variable.zeroGrad() }
        return (y.value, grads)
    }

    let (output, grads) = analytic(upstream: nil)
    var generator = RandomGenerator(seed: settings.seed)
    let upstream = Tensor<Double>.normal(output.shape, generator: &generator)

    func objective(_ values: [Tensor<Double>]) -> Double {
        let y = withoutGradients { f(values.map { Variable($0) }) }
        var acc = 0.0
        for i in 0..<y.value.count { acc += y.value.scalars[i] * upstream.scalars[i] }
        return acc
    }

    var checks: [InputCheck] = []
    var gradIndex = 0
    func record(_ name: String, _ shape: [Int], _ indices: [Int], _ numeric: [Double]) {
        let a = Tensor(
            shape: [indices.count], scalars: indices.map { grads[gradIndex].scalars[$0] })
        let n = Tensor(shape: [indices.count], scalars: numeric)
        var comparison = compare(a, n, atol: settings.atol, rtol: settings.rtol)
        if let bad = comparison.firstFailure?.first {
            let index = Tensor<Double>.zeros(shape).multiIndex(indices[bad])
            comparison = Closeness(
                passed: false, maxAbsError: comparison.maxAbsError,
                maxRelError: comparison.maxRelError, firstFailure: index,
                reason:
                    "first mismatch at \(index): analytic \(a.scalars[bad]) vs numeric "
                        + "\(numeric[bad]) "
                    + "(atol \(settings.atol), rtol \(settings.rtol)); max abs "
                    + "\(comparison.maxAbsError), max rel \(comparison.maxRelError)",
                toleranceRatio: comparison.toleranceRatio, tolerance: comparison.tolerance)
        }
        checks.append(
            InputCheck(
                name: name, shape: shape, comparison: comparison, checkedElements: indices.count))
        gradIndex += 1
    }

    let values = inputs.map(\.value)
    for (i, input) in inputs.enumerated() where input.differentiable {
        var perturbed = values
        let indices = settings.elements(count: input.value.count, salt: i)
        let numeric = indices.map { e -> Double in
            let original = perturbed[i][flat: e]
            perturbed[i][flat: e] = original + settings.eps
            let plus = objective(perturbed)
            perturbed[i][flat: e] = original - settings.eps
            let minus = objective(perturbed)
            perturbed[i][flat: e] = original
            return (plus - minus) / (2 * settings.eps)
        }
        record(input.name, input.value.shape, indices, numeric)
    }
    for (k, p) in parameters.enumerated() {
        let original = p.variable.value
        let indices = settings.elements(count: original.count, salt: 1000 + k)
        let numeric = indices.map { e -> Double in
            var t = original
            t[flat: e] = original[flat: e] + settings.eps
            p.variable.assign(t)
            let plus = objective(values)
            t[flat: e] = original[flat: e] - settings.eps
            p.variable.assign(t)
            let minus = objective(values)
            p.variable.assign(original)
            return (plus - minus) / (2 * settings.eps)
        }
        record(p.name, original.shape, indices, numeric)
    }

    let zero = analytic(upstream: Tensor.zeros(output.shape))
    let zeroPassed = zero.grads.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } }
    let again = analytic(upstream: nil)
    let twicePassed = again.grads == grads

    return GradCheckReport(
        inputShapes: inputs.map(\.value.shape) + parameters.map(\.variable.shape),
        outputShape: output.shape, inputs: checks,
        zeroUpstreamPassed: zeroPassed, backwardTwicePassed: twicePassed)
}
