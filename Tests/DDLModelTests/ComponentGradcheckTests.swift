import Autodiff
import DDLModel
import GradCheck
import Layers
import Testing
import FastKernels
import TensorCore

/// Double gradchecks of every DDL component at width 2 and input 16, over every input and
/// every parameter. Blocks, heads and the losses are checked at every element; the trunk,
/// the DFEM, D (73,792 weights) and the whole DDM at a seeded sample of elements of each tensor
/// (`maxElementsPerTensor`, always including the first and last element), whose every
/// element the PyTorch fixtures then cover.
@Suite("DDL components: Double gradcheck of inputs and parameters")
struct ComponentGradcheckTests {
    static let settings = GradCheckSettings()
    static let sampled = GradCheckSettings(maxElementsPerTensor: 8)
    let train = Mode(training: true, dropout: false, random: nil)

    func input(_ name: String, _ shape: [Int], seed: UInt64) -> CheckedInput {
        var g = RandomGenerator(seed: seed)
        return CheckedInput(name, Tensor<Double>.normal(shape, generator: &g))
    }

    /// Every output flattened into one vector, so one random upstream covers all of them.
    func joined(_ outputs: [Variable<Double>]) -> Variable<Double> {
        concat(outputs.map { $0.reshaped([-1]) }, axis: 0)
    }

    /// Perturbs the default initial state so that θ, batch-norm affine parameters and
    /// running statistics take generic values.
    func randomize<C: StateContainer>(_ c: C, seed: UInt64) where C.Scalar == Double {
        var g = RandomGenerator(seed: seed)
        for entry in c.stateEntries() {
            switch entry {
            case .parameter(let n, let v):
                if n.hasSuffix("theta") || n.contains("bn") { v.assign(Tensor.normal(v.shape, generator: &g)) }
            case .buffer(let n, let b):
                b.value = n.hasSuffix("running_var") ? .uniform(b.value.shape, low: 0.5, high: 2, generator: &g) : .normal(b.value.shape, generator: &g)
            case .counter: break
            }
        }
    }

    func expectPass<C: StateContainer>(
        _ c: C, _ inputs: [CheckedInput], settings: GradCheckSettings = Self.settings,
        _ f: @escaping ([Variable<Double>]) -> Variable<Double>
    ) where C.Scalar == Double {
        let r = gradcheck(inputs, parameters: c.namedParameters(), settings: settings, f)
        #expect(r.passed, "\(r.failure ?? "")")
        #expect(r.inputs.count == inputs.filter(\.differentiable).count + c.namedParameters().count)
    }

    @Test(arguments: [(2, 4, 2), (2, 2, 1)])
    func preActBlock(cin: Int, cout: Int, stride: Int) {
        var g = RandomGenerator(seed: 1)
        let block = PreActBlock<Double>(cin, cout, stride: stride, generator: &g)
        randomize(block, seed: 2)
        expectPass(block, [input("x", [2, cin, 7, 7], seed: 3)]) { block($0[0], mode: train) }
    }

    @Test func trunk() {
        var g = RandomGenerator(seed: 4)
        let trunk = Trunk<Double>(width: 2, generator: &g)
        randomize(trunk, seed: 5)
        expectPass(trunk, [input("x", [2, 3, 16, 16], seed: 6)], settings: Self.sampled) { joined(trunk($0[0], mode: train)) }
    }

    @Test(arguments: [Preset.paper, .official], [0, 2, 4])
    func attentionBlock(preset: Preset, j: Int) {
        var g = RandomGenerator(seed: 7)
        let c = [2, 2, 4, 8, 16, 16], size = [16, 8, 4, 2, 1][j]
        let block = AttentionBlock<Double>(c[j], c[j + 1], first: j == 0, pool: j < 4, preactivation: preset == .official, generator: &g)
        randomize(block, seed: 8)
        var inputs = [input("u", [2, c[j], size, size], seed: 9)]
        if j > 0 { inputs.append(input("a_prev", [2, c[j], size, size], seed: 10)) }
        expectPass(block, inputs) { v in
            let (z, a) = block(v[0], previous: v.count > 1 ? v[1] : nil, mode: train)
            return joined([z, a])
        }
    }

    @Test func multilevelConcatenation() {
        let shapes = [[2, 2, 8, 8], [2, 2, 4, 4], [2, 4, 2, 2], [2, 8, 1, 1], [2, 8, 1, 1]]
        var g = RandomGenerator(seed: 11)
        let inputs = shapes.enumerated().map { i, s in
            CheckedInput("a\(i + 1)", Tensor<Double>(shape: s, scalars: (0..<Shape.count(s)).map { _ in g.nextUnit() }.enumerated().map { Double($0.offset) * 0.01 + $0.element * 0.001 }))
        }
        let r = gradcheck(inputs, settings: Self.settings) { multilevelConcat($0) }
        #expect(r.passed, "\(r.failure ?? "")")
        #expect(r.outputShape == [2, 24, 1, 1])
    }

    @Test(arguments: [Preset.paper, .official])
    func expressionHeadWithDropout(preset: Preset) {
        var g = RandomGenerator(seed: 12)
        let head = ExpressionHead<Double>(channels: 6, classes: 7, finalPReLU: preset == .official, generator: &g)
        // A fresh source with a fixed seed per call: the same masks every time.
        expectPass(head, [input("x", [3, 6, 3, 3], seed: 13)]) { head($0[0], mode: .train(RandomSource(seed: 99))) }
    }

    @Test func disturbanceHead() {
        var g = RandomGenerator(seed: 14)
        let head = DisturbanceHead<Double>(width: 2, generator: &g)
        expectPass(head, [input("a5", [3, 16, 2, 2], seed: 15)]) { head($0[0], mode: .train(RandomSource(seed: 7))) }
    }

    @Test(arguments: [Preset.paper, .official])
    func dfemWithMissingLabels(preset: Preset) {
        let factors = [Factor("gender", 3), Factor("race", 3), Factor("age", 5)]
        let dfem = DFEM<Double>(width: 2, factors: factors, finalPReLU: preset == .official, seed: 16)
        randomize(dfem, seed: 17)
        let labels = ["gender": [0, -1, 2], "race": [-1, -1, -1], "age": [4, 1, -1]]
        expectPass(dfem, [input("x", [3, 3, 16, 16], seed: 18)], settings: Self.sampled) { v in
            let out = dfem(v[0], mode: train)
            return joined([dfemLoss(out.logits, labels: labels), out.fp])
        }
    }

    @Test func discriminatorAndAdversarialLosses() {
        var g = RandomGenerator(seed: 19)
        let d = Discriminator<Double>(generator: &g)
        let fp0 = input("f_p_0", [4, 128], seed: 20), fp1 = input("f_p_1", [4, 128], seed: 21), fd = input("f_d", [4, 128], seed: 22)
        expectPass(d, [fp0], settings: Self.sampled) { d($0[0], mode: .eval) }
        // f_d is detached inside L_AD, so it enters as a constant here.
        let fdConstant = CheckedInput("f_d", fd.value, differentiable: false)
        expectPass(d, [fp0, fp1, fdConstant], settings: Self.sampled) { v in adversarialDiscriminatorLoss(d, fp: [v[0], v[1]], fd: v[2], mode: .eval) }
        expectPass(d, [fd], settings: Self.sampled) { v in adversarialLoss(d, fd: v[0], mode: .eval) }
        // f_d is detached in L_AD: its gradient is exactly zero.
        let leaf = Variable(fd.value, requiresGrad: true)
        adversarialDiscriminatorLoss(d, fp: [Variable(fp0.value)], fd: leaf, mode: .eval).backward()
        #expect(leaf.grad == nil)
    }

    @Test(arguments: [ATNormalisation.perSample, .batch], [1, 2])
    func attentionTransfer(normalisation: ATNormalisation, dfems: Int) {
        let shapes = [[2, 2, 4, 4], [2, 4, 2, 2], [2, 8, 1, 1], [2, 16, 1, 1], [2, 16, 1, 1]]
        var inputs = shapes.enumerated().map { input("d_\($0.offset)", $0.element, seed: 30 + UInt64($0.offset)) }
        for k in 0..<dfems { inputs += shapes.enumerated().map { input("p_\(k)_\($0.offset)", $0.element, seed: 40 + UInt64(10 * k + $0.offset)) } }
        let r = gradcheck(inputs, settings: Self.settings) { v in
            let groups = (0..<dfems).map { k in Array(v[(5 + 5 * k)..<(10 + 5 * k)]) }
            return attentionTransferLoss(Array(v[0..<5]), groups, normalisation: normalisation)
        }
        #expect(r.passed, "\(r.failure ?? "")")
    }

    @Test func attentionTransferByHand() {
        // One pair, two samples: q_d = (3, 4) → (0.6, 0.8); q_p = (1, 0). Per sample:
        // ‖(−0.4, 0.8)‖ = √0.8 for both samples → mean √0.8. Batch: the 4-vectors
        // (3, 4, 3, 4)/√50 and (1, 0, 1, 0)/√2.
        let d = Variable(Tensor<Double>(shape: [2, 2], scalars: [3, 4, 3, 4]))
        let p = Variable(Tensor<Double>(shape: [2, 2], scalars: [1, 0, 1, 0]))
        let perSample = attentionTransferLoss([d], [[p]], normalisation: .perSample).value.scalar
        #expect(abs(perSample - 0.8.squareRoot()) < 1e-12)
        let batch = attentionTransferLoss([d], [[p]], normalisation: .batch).value.scalar
        let a = [3, 4, 3, 4].map { Double($0) / 50.0.squareRoot() }, b = [1, 0, 1, 0].map { Double($0) / 2.0.squareRoot() }
        let expected = zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        #expect(abs(batch - expected) < 1e-12)
    }

    @Test func attentionTransferOfIdenticalMapsIsZeroWithZeroGradients() {
        // d = p exactly: the distance is 0 and its gradient 0, not NaN.
        let d = Variable(Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), requiresGrad: true)
        let p = Variable(Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        for n in [ATNormalisation.perSample, .batch] {
            let loss = attentionTransferLoss([d], [[p]], normalisation: n)
            #expect(loss.value.scalar == 0)
            loss.backward()
            #expect(d.grad?.scalars.allSatisfy { $0 == 0 } == true)
            d.zeroGrad()
        }
    }

    @Test func jointLossWeights() {
        let r = gradcheck([input("ce", [], seed: 50), input("adv", [], seed: 51), input("at", [], seed: 52)]) { v in
            jointLoss(ce: v[0], adversarial: v[1], attentionTransfer: v[2], lambda1: 1.0, lambda2: 0.05)
        }
        #expect(r.passed)
        let l = jointLoss(ce: Variable(Tensor<Double>(2)), adversarial: Variable(Tensor(3)), attentionTransfer: Variable(Tensor(10)), lambda1: 1, lambda2: 0.05)
        #expect(abs(l.value.scalar - 5.5) < 1e-15)
    }

    @Test func wholeDDMWithJointLoss() {
        let config = DDLConfig(preset: .paper, variant: .ddlGAR, width: 2, inputSize: 16, classes: 7)
        let ddm = DDM<Double>(config, seed: 60)
        randomize(ddm, seed: 61)
        let dfem = DFEM<Double>(width: 2, factors: config.factors, finalPReLU: false, seed: 62)
        var g = RandomGenerator(seed: 63)
        let d = Discriminator<Double>(generator: &g)
        let x = input("x", [2, 3, 16, 16], seed: 64)
        let frozen = withoutGradients { dfem(Variable(x.value), mode: .eval) }
        let r = gradcheck([x], parameters: ddm.namedParameters(), settings: GradCheckSettings(maxElementsPerTensor: 2)) { v in
            let out = ddm(v[0], mode: train)
            guard let fd = out.fd else { return out.logits }
            return jointLoss(
                ce: crossEntropy(logits: out.logits, labels: [3, 6]), adversarial: adversarialLoss(d, fd: fd, mode: .eval),
                attentionTransfer: attentionTransferLoss(out.attentionTransferMaps, [frozen.attentionTransferMaps], normalisation: .perSample),
                lambda1: 1.0, lambda2: 0.05)
        }
        #expect(r.passed, "\(r.failure ?? "")")
    }
}
