import Autodiff
import GradCheck
import Testing
import FastKernels
import TensorCore

/// The checker must catch what it is for: wrong gradients, named by input and index.
@Suite("gradcheck finds wrong gradients")
struct GradCheckTests {
    /// An op whose pullback is deliberately wrong in one element.
    func brokenSquare(_ x: Variable<Double>) -> Variable<Double> {
        let v = x.value
        return Variable.record("broken_square", value: v.map { $0 * $0 }, parents: [x]) { g, _ in
            var d = g.zip(v) { a, b in 2 * a * b }
            d[flat: 3] += 0.5
            return [d]
        }
    }

    @Test func correctOpPasses() {
        let r = gradcheck([CheckedInput("x", Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))]) { $0[0].squared() }
        #expect(r.passed)
        #expect(r.maxAbsError < 1e-6)
    }

    @Test func wrongElementIsNamed() {
        let r = gradcheck([
            CheckedInput("weight", Tensor<Double>.ones([2])),
            CheckedInput("x", Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])),
        ]) { v in brokenSquare(v[1]) + v[0].sum() }
        #expect(!r.passed)
        let failure = r.failure ?? ""
        #expect(failure.contains("'x'"))
        #expect(failure.contains("[1, 0]"))
        #expect(r.inputs.first { $0.name == "weight" }?.comparison.passed == true)
    }

    @Test func nonDeterministicBackwardIsCaught() {
        final class Counter { var n = 0.0 }
        let counter = Counter()
        let r = gradcheck([CheckedInput("x", Tensor<Double>.ones([2]))]) { v in
            let x = v[0]
            return Variable.record("drifting", value: x.value, parents: [x]) { g, _ in
                counter.n += 1e-12  // below the tolerance, but not the same bits twice
                return [g + counter.n]
            }
        }
        #expect(!r.backwardTwicePassed)
        #expect(!r.passed)
    }

    @Test func nonZeroGradientForZeroUpstreamIsCaught() {
        let r = gradcheck([CheckedInput("x", Tensor<Double>.ones([2]))]) { v in
            let x = v[0]
            return Variable.record("leaky_grad", value: x.value, parents: [x]) { g, _ in [g + 1e-9] }
        }
        #expect(!r.zeroUpstreamPassed)
    }

    @Test func constantsAreNotDifferentiated() {
        let r = gradcheck([
            CheckedInput("x", Tensor<Double>.ones([3])),
            CheckedInput("c", Tensor<Double>(shape: [3], scalars: [1, 2, 3]), differentiable: false),
        ]) { $0[0] * $0[1] }
        #expect(r.passed)
        #expect(r.inputs.map(\.name) == ["x"])
    }
}
