import Autodiff
import Testing
import FastKernels
import TensorCore

@Suite("Reverse-mode graph")
struct GraphTests {
    func scalar(_ v: Double, grad: Bool = true) -> Variable<Double> { Variable(Tensor(shape: [1], scalars: [v]), requiresGrad: grad) }

    @Test func gradientsAccumulateWhenAValueIsUsedTwice() {
        let x = scalar(3)
        let y = x * x + x  // dy/dx = 2x + 1 = 7
        y.backward()
        #expect(x.grad?.scalars == [7])
    }

    @Test func chainRuleThroughSeveralOps() {
        // f(a, b) = exp(a·b) / b at a = 0.5, b = 2: df/da = exp(ab), df/db = (a·b − 1)·exp(ab)/b².
        let a = scalar(0.5), b = scalar(2)
        let f = (a * b).exp() / b
        f.backward()
        let e = Double.exp(1)
        #expect(abs((a.grad?.scalar ?? 0) - e) < 1e-12)
        #expect(abs((b.grad?.scalar ?? 0) - 0) < 1e-12)
    }

    @Test func intermediatesAreFreedUnlessRetained() {
        let x = scalar(2)
        let h = x * x
        let y = h * x
        y.backward()
        #expect(h.grad == nil)
        #expect(x.grad?.scalars == [12])
        let x2 = scalar(2)
        let h2 = x2 * x2
        let y2 = h2 * x2
        y2.backward(retainGraph: true)
        #expect(h2.grad?.scalars == [2])
        y2.backward(retainGraph: true)
        #expect(x2.grad?.scalars == [24])  // accumulated over two backward passes
    }

    @Test func constantsAndNoGradModeRecordNothing() {
        let c = scalar(2, grad: false)
        let x = scalar(3)
        #expect(!(c * c).requiresGrad)
        #expect((c * x).requiresGrad)
        let y = withoutGradients { x * x }
        #expect(!y.requiresGrad)
        #expect(y.isLeaf)
        #expect((x * x).requiresGrad)
    }

    @Test func detachStopsTheGradient() {
        let x = scalar(3)
        let y = x * x.detached()  // d/dx = stop(x) = 3
        y.backward()
        #expect(x.grad?.scalars == [3])
    }

    @Test func deepChainsDoNotOverflowTheStack() {
        // Backward and the release of the chain both run in loops, not by recursion: a chain
        // of 200,000 ops on a test thread's stack.
        var x = scalar(1)
        let leaf = x
        for _ in 0..<200_000 { x = x + 1 }
        x.backward(retainGraph: true)
        #expect(leaf.grad?.scalars == [1])
        #expect(x.value.scalars == [200_001])
        x = scalar(0)  // releases the chain
        #expect(leaf.grad?.scalars == [1] && x.value.scalars == [0])
    }

    @Test func handComputedOpGradients() {
        // Linear: y = x·Wᵀ + b with x = [1, 2], W = [[3, 4]], b = [5]: y = 16; dy/dW = x, dy/dx = W.
        let x = Variable(Tensor<Double>(shape: [1, 2], scalars: [1, 2]), requiresGrad: true)
        let w = Variable(Tensor<Double>(shape: [1, 2], scalars: [3, 4]), requiresGrad: true)
        let b = Variable(Tensor<Double>(shape: [1], scalars: [5]), requiresGrad: true)
        let y = linear(x, weight: w, bias: b)
        #expect(y.value.scalars == [16])
        y.sum().backward()
        #expect(w.grad?.scalars == [1, 2])
        #expect(x.grad?.scalars == [3, 4])
        #expect(b.grad?.scalars == [1])
        // Cross-entropy at equal logits of 4 classes: loss ln 4, gradient 1/4 − onehot.
        let z = Variable(Tensor<Double>.zeros([1, 4]), requiresGrad: true)
        let ce = crossEntropy(logits: z, labels: [2])
        #expect(abs(ce.value.scalar - Double.log(4)) < 1e-12)
        ce.backward()
        #expect(z.grad?.scalars == [0.25, 0.25, -0.75, 0.25])
        // Sum then mean over axes: gradient spreads 1/n.
        let m = Variable(Tensor<Double>.ones([2, 3]), requiresGrad: true)
        m.mean().backward()
        #expect(m.grad?.scalars.allSatisfy { abs($0 - 1.0 / 6) < 1e-15 } == true)
        // Concat routes each slice back.
        let p = Variable(Tensor<Double>.ones([1, 1]), requiresGrad: true), q = Variable(Tensor<Double>.ones([1, 2]), requiresGrad: true)
        (concat([p, q], axis: 1) * Variable(Tensor(shape: [1, 3], scalars: [1, 2, 3]))).sum().backward()
        #expect(p.grad?.scalars == [1])
        #expect(q.grad?.scalars == [2, 3])
    }
}

@Suite("Batch norm and dropout: train vs eval")
struct ModeTests {
    @Test func batchNormTrainUpdatesRunningStatsEvalDoesNot() {
        var g = RandomGenerator(seed: 5)
        let x = Variable(Tensor<Double>.normal([8, 3, 4, 4], mean: 2, std: 3, generator: &g))
        let gamma = Variable(Tensor<Double>.ones([3])), beta = Variable(Tensor<Double>.zeros([3]))
        var rm = Tensor<Double>.zeros([3]), rv = Tensor<Double>.ones([3])
        let y = batchNorm(x, gamma: gamma, beta: beta, runningMean: &rm, runningVariance: &rv, training: true)
        let stats = x.value.channelStatistics()
        for c in 0..<3 {
            #expect(abs(rm.scalars[c] - 0.1 * stats.mean[c]) < 1e-12)
            #expect(abs(rv.scalars[c] - (0.9 + 0.1 * stats.unbiasedVariance[c])) < 1e-12)
        }
        // The training output has zero mean and unit (biased) variance per channel.
        let ys = y.value.channelStatistics()
        #expect(ys.mean.allSatisfy { abs($0) < 1e-12 })
        #expect(ys.variance.allSatisfy { abs($0 - 1) < 1e-5 })
        let (rm0, rv0) = (rm, rv)
        let e1 = batchNorm(x, gamma: gamma, beta: beta, runningMean: &rm, runningVariance: &rv, training: false)
        let e2 = batchNorm(x, gamma: gamma, beta: beta, runningMean: &rm, runningVariance: &rv, training: false)
        #expect(rm == rm0 && rv == rv0)
        #expect(e1.value == e2.value)
        let expected = (x.value[0, 1, 2, 3] - rm.scalars[1]) / (rv.scalars[1] + 1e-5).squareRoot()
        #expect(abs(e1.value[0, 1, 2, 3] - expected) < 1e-12)
    }

    @Test func dropoutIsSeededInTrainingAndIdentityInEval() {
        let x = Variable(Tensor<Double>.ones([100]))
        var g1 = RandomGenerator(seed: 1), g2 = RandomGenerator(seed: 1), g3 = RandomGenerator(seed: 2)
        let a = x.dropout(p: 0.3, training: true, generator: &g1)
        let b = x.dropout(p: 0.3, training: true, generator: &g2)
        let c = x.dropout(p: 0.3, training: true, generator: &g3)
        #expect(a.value == b.value)
        #expect(a.value != c.value)
        #expect(a.value.scalars.allSatisfy { $0 == 0 || abs($0 - 1 / 0.7) < 1e-12 })
        var g4 = RandomGenerator(seed: 1)
        #expect(x.dropout(p: 0.3, training: false, generator: &g4).value == x.value)
    }
}

@Suite("element(at:)")
struct ElementTests {
    @Test func selectsAndRoutesTheGradient() {
        let v = Variable(Tensor<Double>(shape: [3], scalars: [4, 5, 6]), requiresGrad: true)
        let e = v.element(at: 1)
        #expect(e.value.scalars == [5])
        (e * Variable(Tensor(shape: [1], scalars: [2]))).sum().backward()
        #expect(v.grad?.scalars == [0, 2, 0])
    }
}

@Suite("Pullbacks use the values of their forward pass")
struct CapturedValueTests {
    @Test func assigningAParameterAfterTheForwardPassDoesNotChangeItsGradients() {
        let w = Variable(Tensor<Double>(shape: [1, 2], scalars: [1, 2]), requiresGrad: true)
        let x = Variable(Tensor<Double>(shape: [1, 2], scalars: [3, 4]), requiresGrad: true)
        let y = linear(x, weight: w, bias: nil).sum()
        w.assign(Tensor(shape: [1, 2], scalars: [100, 200]))  // e.g. another optimiser stepped
        y.backward()
        #expect(x.grad?.scalars == [1, 2])
        #expect(w.grad?.scalars == [3, 4])
    }

    @Test func aPreparedWeightIsRemadeWhenTheWeightChanges() {
        // Float, 32 channels on 10×10 maps: the kernel layer prepares the weight once and
        // keeps it; after an update the convolution must use the new weight.
        var g = RandomGenerator(seed: 32)
        let x = Variable(Tensor<Float>.normal([2, 32, 10, 10], generator: &g))
        let w = Variable(Tensor<Float>.normal([4, 32, 3, 3], generator: &g), requiresGrad: true)
        let first = conv2d(x, weight: w, bias: nil, stride: 1, padding: 1).value
        #expect(conv2d(x, weight: w, bias: nil, stride: 1, padding: 1).value == first)
        let delta = Tensor<Float>.normal([4, 32, 3, 3], generator: &g)
        w.update { $0 = $0 + delta }
        let after = conv2d(x, weight: w, bias: nil, stride: 1, padding: 1).value
        let fresh = conv2d(x, weight: Variable(w.value), bias: nil, stride: 1, padding: 1).value
        #expect(after == fresh)
        #expect(after != first)
    }

    @Test func aWeightUsedOnInputsOfSeveralSizesGivesWhatAFreshWeightGives() {
        // 32 channels: F(4×4, 3×3) on 12×12 maps, F(2×2, 3×3) on 18×18, unfolding on 5×5.
        // Whatever forms the weight keeps between calls (`PreparedFormTests`), calls in any
        // order must give what a fresh weight gives, bit for bit, forward and backward.
        var g = RandomGenerator(seed: 33)
        let w = Variable(Tensor<Float>.normal([3, 32, 3, 3], generator: &g), requiresGrad: true)
        let inputs = [[1, 32, 12, 12], [2, 32, 18, 18], [1, 32, 5, 5]].map {
            Tensor<Float>.normal($0, generator: &g)
        }
        for x in inputs + inputs.reversed() + inputs {
            let y = conv2d(Variable(x), weight: w, bias: nil, stride: 1, padding: 1)
            let fresh = Variable(w.value, requiresGrad: true)
            let z = conv2d(Variable(x), weight: fresh, bias: nil, stride: 1, padding: 1)
            #expect(y.value == z.value, "\(x.shape)")
            w.setGrad(nil)
            y.backward(upstream: .ones(y.shape))
            z.backward(upstream: .ones(z.shape))
            #expect(w.grad == fresh.grad, "\(x.shape)")
            #expect(w.grad != nil && y.value.scalars.allSatisfy { $0.isFinite })
        }
    }

    @Test func doubleConvolutionsRunTheReferenceKernels() {
        // 32 channels on a 10×10 map: Float would take Winograd here; Double, the type of the
        // gradient checks, must run the reference kernel, bit for bit.
        var g = RandomGenerator(seed: 31)
        let xs = Tensor<Double>.normal([2, 32, 10, 10], generator: &g)
        let ws = Tensor<Double>.normal([4, 32, 3, 3], generator: &g)
        let x = Variable(xs, requiresGrad: true), w = Variable(ws, requiresGrad: true)
        let y = conv2d(x, weight: w, bias: nil, stride: 1, padding: 1)
        let dy = Tensor<Double>.normal(y.shape, generator: &g)
        y.backward(upstream: dy)
        let reference = Double.referenceKernels(split: .serial)
        let c = ConvolutionSettings(stride: 1, padding: 1)
        #expect(y.value == reference.conv2d(xs, ws, nil, c))
        let r = reference.conv2dBackward(xs, ws, dy, c, [.input, .weight])
        #expect(x.grad == r.input)
        #expect(w.grad == r.weight)
        #expect(KernelChoice.convolution(Conv2dGeometry.checked(xs, weight: ws, bias: nil, c)) == .winograd)
    }
}
