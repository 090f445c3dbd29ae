import Autodiff
import DDLModel
import Layers
import Testing
import FastKernels
import TensorCore
import Training

/// Every parameter and buffer of a container as bit patterns, by name.
func bits<C: StateContainer>(_ c: C) -> [String: [UInt32]] where C.Scalar == Float {
    var out: [String: [UInt32]] = [:]
    for entry in c.stateEntries() {
        switch entry {
        case .parameter(let n, let v): out["p." + n] = v.value.scalars.map(\.bitPattern)
        case .buffer(let n, let b): out["b." + n] = b.value.scalars.map(\.bitPattern)
        case .counter: break
        }
    }
    return out
}

/// Only the parameters of `bits`.
func parameterBits(_ all: [String: [UInt32]]) -> [String: [UInt32]] { all.filter { $0.key.hasPrefix("p.") } }

@Suite("Each stage-2 step updates only its own model")
struct StepIsolationTests {
    @Test("the D step leaves the DDM bit-identical, the DDM step leaves D and the DFEMs",
          arguments: [Preset.paper, .official])
    func stepsAreIsolated(_ preset: Preset) {
        let config = DDLConfig(preset: preset, variant: .ddlGARIDILP, width: 2, inputSize: 20, classes: 3)
        let groups = config.dfemFactorGroups
        #expect(groups.count == (preset == .official ? 2 : 1))
        let ddm = DDM<Float>(config, seed: 1)
        let dfems = groups.enumerated().map { DFEM<Float>(width: 2, factors: $0.element, finalPReLU: config.finalPReLU, seed: UInt64(10 + $0.offset)) }
        var g = RandomGenerator(seed: 3)
        let d = Discriminator<Float>(generator: &g)
        let optimizer = Adam(ddm.namedParameters(), learningRate: 1e-2)
        let dOptimizer = Adam(d.namedParameters(), learningRate: 1e-2)
        let x = Variable(Tensor<Float>.normal([4, 3, 20, 20], generator: &g))
        let dfemsBefore = dfems.map(bits)
        let ddmBefore = parameterBits(bits(ddm))
        for _ in 0..<2 {  // the second step starts from moments and gradients the first left behind
            var ddmAtD: [String: [UInt32]] = [:], dAtD: [String: [UInt32]] = [:], dAfterD: [String: [UInt32]] = [:]
            let (losses, _) = DDLStep.run(
                ddm: ddm, dfems: dfems, discriminator: d, optimizer: optimizer, discriminatorOptimizer: dOptimizer,
                x: x, labels: [0, 1, 2, 0], mode: Mode(training: true, dropout: false, random: nil)
            ) { _, name in
                if name == "L_AD" {
                    ddmAtD = bits(ddm)
                    dAtD = bits(d)
                } else {
                    #expect(bits(ddm) == ddmAtD, "the D step changed the DDM")
                    dAfterD = bits(d)
                    #expect(dAfterD != dAtD, "the D step did not change D, so the check cannot fail")
                }
            }
            #expect(losses["loss_ad"] != nil && losses["loss_adv"] != nil)
            #expect(bits(d) == dAfterD, "the DDM step changed D")
            #expect(dfems.map(bits) == dfemsBefore, "a step changed a DFEM's parameters or buffers")
        }
        #expect(parameterBits(bits(ddm)) != ddmBefore, "the DDM did not learn, so the checks above cannot fail")
    }
}
