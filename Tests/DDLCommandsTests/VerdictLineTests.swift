import DDLCommands
import Foundation
import FastKernels
import TensorCore
import Testing

@Suite("Lines that say what decides PASS")
struct VerdictLineTests {
    @Test func gradcheckLinesShowTheToleranceRatio() {
        var lines: [String] = []
        _ = GradcheckCommand.check(filter: "max_pool2d (2") { lines.append($0.line) }
        #expect(lines.count == 1)
        #expect(lines[0].contains("max |a−n|/(1e-05 + 0.001·|n|) = ") && lines[0].contains(" ≤ 1 "), "\(lines[0])")
        #expect(!lines[0].contains("rel "))
    }

    @Test func theRatioIsTheLargestErrorOverItsTolerance() {
        let a = Tensor<Double>(shape: [3], scalars: [1.0, 2.0, 10.5])
        let b = Tensor<Double>(shape: [3], scalars: [1.0, 2.1, 10.0])
        let c = compare(a, b, atol: 0.1, rtol: 0.1)
        // Element 2: 0.5 / (0.1 + 1.0) = 0.4545…; element 1: 0.1 / 0.31 = 0.32.
        #expect(c.passed && abs(c.toleranceRatio - 0.5 / 1.1) < 1e-12)
        #expect(c.verdictQuantity() == "max |a−b|/(0.1 + 0.1·|b|) = 0.455 ≤ 1")
        let failing = compare(a, b, atol: 0.1, rtol: 0.01)
        #expect(!failing.passed && failing.toleranceRatio > 1)
        #expect(failing.verdictQuantity().hasSuffix("> 1"))
    }

    @Test func aFilterThatMatchesNothingIsAnError() {
        #expect(throws: (any Error).self) { try GradcheckCommand.parse(["--filter", "zzz"]) }
        let message = failure(["gradcheck", "--filter", "zzz"])
        #expect(message.contains("--filter 'zzz' matches none of the"), "\(message)")
    }

    @Test func fixtureLinesShowTheToleranceRatio() throws {
        let file = repositoryRoot.appendingPathComponent("fixtures/ops/adaptive_avg_pool2d_7x5_3x2.h5").path
        var lines: [String] = []
        _ = FixturesCommand.Verify.verify([file]) { lines.append($0) }
        #expect(lines.count == 1)
        #expect(lines[0].contains("out max |swift−torch|/(1e-12 + 1e-10·|torch|) = "), "\(lines[0])")
        #expect(lines[0].contains("grad max |swift−torch|/(") && lines[0].contains("(max abs "))
        #expect(lines[0].hasSuffix("PASS"))
    }
}
