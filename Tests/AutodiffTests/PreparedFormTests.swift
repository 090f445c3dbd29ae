import Testing
import FastKernels
import TensorCore

@testable import Autodiff

/// A convolution weight keeps one prepared form per map size, stride and padding, reuses it
/// across batch sizes and calls, and drops them all when its value changes.
@Suite("Prepared forms of a weight")
struct PreparedFormTests {
    @Test func oneFormPerMapSizeKeptUntilTheWeightChanges() {
        var g = RandomGenerator(seed: 34)
        let w = Variable(Tensor<Float>.normal([3, 32, 3, 3], generator: &g), requiresGrad: true)
        func run(_ shape: [Int]) {
            let x = Variable(Tensor<Float>.normal(shape, generator: &g))
            _ = conv2d(x, weight: w, bias: nil, stride: 1, padding: 1).value
        }
        #expect(w.preparedFormCount == 0)
        run([1, 32, 12, 12])  // F(4×4, 3×3)
        #expect(w.preparedFormCount == 1)
        run([3, 32, 12, 12])  // the same map, another batch size: the same form
        #expect(w.preparedFormCount == 1)
        run([2, 32, 18, 18])  // F(2×2, 3×3)
        run([1, 32, 5, 5])  // unfolded: nil, kept as such
        #expect(w.preparedFormCount == 3)
        run([1, 32, 12, 12])
        #expect(w.preparedFormCount == 3)
        let delta = Tensor<Float>.normal(w.shape, generator: &g)
        w.update { $0 = $0 + delta }
        run([2, 32, 18, 18])
        #expect(w.preparedFormCount == 1)
    }
}
