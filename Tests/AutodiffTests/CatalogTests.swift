import Autodiff
import GradCheck
import Testing
import FastKernels
import TensorCore

@Suite("Every op: Double gradcheck and Float forward")
struct CatalogTests {
    @Test("gradcheck", arguments: OpCase.all.map(\.name))
    func gradcheckPasses(name: String) throws {
        let c = try #require(OpCase.all.first { $0.name == name })
        let r = c.check()
        #expect(r.report.passed, "\(r.line)")
        #expect(!r.report.inputs.isEmpty)
    }

    @Test("Float forward matches Double", arguments: OpCase.all.map(\.name))
    func floatMatchesDouble(name: String) throws {
        let c = try #require(OpCase.all.first { $0.name == name })
        let r = c.floatForwardComparison()
        #expect(r.passed, "\(r)")
    }

    @Test func everyOpFamilyOfTheFoundationIsCatalogued() {
        let families = Set(OpCase.all.map(\.family))
        let required = [
            "add", "sub", "mul", "div", "matmul", "linear", "conv2d", "max_pool2d", "avg_pool2d",
            "adaptive_avg_pool2d", "batch_norm2d", "batch_norm1d", "relu", "prelu", "leaky_relu", "sigmoid",
            "softmax", "log_softmax", "cross_entropy", "bce_with_logits", "concat", "sum", "mean", "square",
            "pow", "sqrt", "exp", "log", "l2_normalize", "dropout", "detach",
        ]
        #expect(Set(required).subtracting(families).isEmpty)
    }
}

@Suite("Shape mismatches stop with a message instead of reading out of bounds")
struct ShapeMismatchTests {
    @Test func mismatchedAddTraps() async {
        await #expect(processExitsWith: .failure) {
            let a = Variable(Tensor<Float>.zeros([2, 3])), b = Variable(Tensor<Float>.zeros([4]))
            _ = a + b
        }
    }

    @Test func mismatchedConvTraps() async {
        await #expect(processExitsWith: .failure) {
            let x = Variable(Tensor<Float>.zeros([1, 3, 8, 8])), w = Variable(Tensor<Float>.zeros([4, 2, 3, 3]))
            _ = conv2d(x, weight: w, bias: nil)
        }
    }

    @Test func mismatchedLinearTraps() async {
        await #expect(processExitsWith: .failure) {
            let x = Variable(Tensor<Float>.zeros([2, 5])), w = Variable(Tensor<Float>.zeros([3, 4]))
            _ = linear(x, weight: w, bias: nil)
        }
    }

    @Test func unknownLabelTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = crossEntropy(logits: Variable(Tensor<Float>.zeros([2, 3])), labels: [0, 3])
        }
    }
}
