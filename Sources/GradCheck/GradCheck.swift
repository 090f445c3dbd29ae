import Autodiff
import TensorCore

/// One input of a checked function: a name for reports, a value, and whether it is
/// differentiated (labels and other constants are not).
public struct CheckedInput: Sendable {
    public let name: String
    public let value: Tensor<Double>
    public let differentiable: Bool

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
    /// Seed of the random upstream gradient.
    public var seed: UInt64 = 0x5EED

    public init(eps: Double = 1e-6, atol: Double = 1e-5, rtol: Double = 1e-3, seed: UInt64 = 0x5EED) {
        self.eps = eps
        self.atol = atol
        self.rtol = rtol
        self.seed = seed
    }
}

/// The outcome for one input of a gradient check.
public struct InputCheck: Sendable {
    public let name: String
    public let shape: [Int]
    public let comparison: Closeness
}

/// The outcome of a gradient check of one function.
public struct GradCheckReport: Sendable, CustomStringConvertible {
    /// Input shapes, in order, and the output shape.
    public let inputShapes: [[Int]]
    public let outputShape: [Int]
    /// One entry per differentiable input.
    public let inputs: [InputCheck]
    /// Whether a zero upstream gradient gave exactly zero gradients.
    public let zeroUpstreamPassed: Bool
    /// Whether a second forward and backward gave the same gradients, bit for bit.
    public let backwardTwicePassed: Bool

    /// Whether every part of the check passed.
    public var passed: Bool { inputs.allSatisfy(\.comparison.passed) && zeroUpstreamPassed && backwardTwicePassed }
    /// Largest absolute error over all inputs.
    public var maxAbsError: Double { inputs.map(\.comparison.maxAbsError).max() ?? 0 }
    /// Largest relative error over all inputs.
    public var maxRelError: Double { inputs.map(\.comparison.maxRelError).max() ?? 0 }

    /// What failed, naming the input and index; nil when everything passed.
    public var failure: String? {
        if let bad = inputs.first(where: { !$0.comparison.passed }) {
            return "gradient of input '\(bad.name)' \(describe(bad.shape)): \(bad.comparison)"
        }
        if !zeroUpstreamPassed { return "a zero upstream gradient gave non-zero gradients" }
        if !backwardTwicePassed { return "a second backward gave different gradients" }
        return nil
    }

    public var description: String {
        passed ? "PASS (max abs \(maxAbsError), max rel \(maxRelError))" : "FAIL: \(failure ?? "")"
    }
}

/// Checks the analytic gradients of `f` against central finite differences, in `Double`.
///
/// The function's output is projected on a fixed random upstream `R` (seeded), so the
/// objective is `⟨f(x), R⟩`; every element of every differentiable input is perturbed by
/// `±eps` and the difference quotient compared with the backward pass's gradient for
/// upstream `R`. Also checks that a zero upstream gives zero gradients and that a second
/// forward + backward gives identical gradients. `f` must be deterministic: draw any
/// randomness from a generator it creates from a fixed seed.
public func gradcheck(
    _ inputs: [CheckedInput], settings: GradCheckSettings = GradCheckSettings(),
    _ f: ([Variable<Double>]) -> Variable<Double>
) -> GradCheckReport {
    func analytic(upstream: Tensor<Double>?) -> (output: Tensor<Double>, grads: [Tensor<Double>]) {
        let vars = inputs.map { Variable($0.value, requiresGrad: $0.differentiable) }
        let y = f(vars)
        var generator = RandomGenerator(seed: settings.seed)
        let r = upstream ?? Tensor<Double>.normal(y.shape, generator: &generator)
        y.backward(upstream: r)
        let grads = zip(inputs, vars).filter { $0.0.differentiable }.map { $0.1.grad ?? Tensor.zeros($0.0.value.shape) }
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
    for (i, input) in inputs.enumerated() where input.differentiable {
        var values = inputs.map(\.value)
        var numeric = Tensor<Double>.zeros(input.value.shape)
        for e in 0..<input.value.count {
            let original = values[i][flat: e]
            values[i][flat: e] = original + settings.eps
            let plus = objective(values)
            values[i][flat: e] = original - settings.eps
            let minus = objective(values)
            values[i][flat: e] = original
            numeric[flat: e] = (plus - minus) / (2 * settings.eps)
        }
        let comparison = compare(grads[gradIndex], numeric, atol: settings.atol, rtol: settings.rtol)
        checks.append(InputCheck(name: input.name, shape: input.value.shape, comparison: comparison))
        gradIndex += 1
    }

    let zero = analytic(upstream: Tensor.zeros(output.shape))
    let zeroPassed = zero.grads.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } }
    let again = analytic(upstream: nil)
    let twicePassed = again.grads == grads

    return GradCheckReport(
        inputShapes: inputs.map(\.value.shape), outputShape: output.shape, inputs: checks,
        zeroUpstreamPassed: zeroPassed, backwardTwicePassed: twicePassed)
}
