import Autodiff
import FastKernels
import TensorCore

/// The result of checking one catalogue case.
public struct CaseResult: Sendable {
    /// The case that was checked.
    public let opCase: OpCase
    /// Its gradient-check report.
    public let report: GradCheckReport

    /// One line for `ddl gradcheck`: name, shapes, the quantity that decides (the largest
    /// `|analytic − numeric| / (atol + rtol·|numeric|)` over every input, at most 1 to pass),
    /// the largest absolute error, PASS/FAIL.
    public var line: String {
        let shapes =
            report.inputShapes.map(describe).joined(separator: " ") + " → "
            + describe(report.outputShape)
        let status = report.passed ? "PASS" : "FAIL  \(report.failure ?? "")"
        let decides =
            report.worstInput?.comparison.verdictQuantity("a", "n") ?? "no differentiable input"
        return "\(padded(opCase.name, 38)) "
            + "\(padded(shapes, 50)) "
            + "\(padded(decides, 44))  abs \(format(report.maxAbsError))  \(status)"
    }

    private func padded(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    private func format(_ x: Double) -> String {
        guard x.isFinite else { return "\(x)" }
        if x == 0 { return "0.0e+00" }
        let e = Int((Double.log10(abs(x))).rounded(.down))
        let m = x / Double.pow(10, Double(e))
        let mantissa = (m * 10).rounded() / 10
        return "\(mantissa)e\(e < 0 ? "-" : "+")\(abs(e) < 10 ? "0" : "")\(abs(e))"
    }
}

extension OpCase {
    /// Gradient-checks this case in `Double`. A stop-gradient case passes when the value is
    /// the input and every gradient is exactly zero.
    public func check(settings: GradCheckSettings = GradCheckSettings()) -> CaseResult {
        let inputs = makeInputs()
        if case .detach = op {
            return CaseResult(opCase: self, report: checkStopGradient(inputs))
        }
        return CaseResult(opCase: self, report: gradcheck(inputs, settings: settings) { run($0) })
    }

    private func checkStopGradient(_ inputs: [CheckedInput]) -> GradCheckReport {
        let x = Variable(inputs[0].value, requiresGrad: true)
        let y = run([x])
        let valuePassed = compare(y.value, x.value, atol: 0, rtol: 0)
        let flowing = x * y  // d/dx (x · stop(x)) must be stop(x) alone
        flowing.backward(upstream: Tensor.ones(x.shape))
        let gradient = compare(x.grad ?? Tensor.zeros(x.shape), x.value, atol: 0, rtol: 0)
        let passed = valuePassed.passed && gradient.passed && !y.requiresGrad
        let comparison = passed ? gradient : (valuePassed.passed ? gradient : valuePassed)
        return GradCheckReport(
            inputShapes: [x.shape], outputShape: y.shape,
            inputs: [
                InputCheck(
                    name: inputs[0].name, shape: x.shape, comparison: comparison,
                    checkedElements: x.value.count)
            ],
            zeroUpstreamPassed: !y.requiresGrad, backwardTwicePassed: true)
    }

    /// Runs the forward pass in `Float` and in `Double` on the same inputs and compares.
    public func floatForwardComparison(atol: Double = 1e-5, rtol: Double = 1e-4) -> Closeness {
        let inputs = makeInputs()
        let double = run(inputs.map { Variable($0.value) }).value
        let float = run(inputs.map { Variable($0.value.converted(to: Float.self)) }).value
        return compare(float, double, atol: atol, rtol: rtol)
    }
}
