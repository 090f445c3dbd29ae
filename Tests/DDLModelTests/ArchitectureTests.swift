import Autodiff
import DDLModel
import Layers
import Testing
import FastKernels
import TensorCore

@Suite("Architecture: shapes, parameter counts, variants, presets")
struct ArchitectureTests {
    @Test func paperShapesAtWidth64Input90() {
        let ddm = DDM<Float>(DDLConfig(preset: .paper, variant: .ddlGARIDILP), seed: 1)
        let out = withoutGradients { ddm(Variable(Tensor<Float>.zeros([1, 3, 90, 90])), mode: .eval) }
        #expect(out.us.map(\.shape) == [[1, 64, 90, 90], [1, 64, 45, 45], [1, 128, 23, 23], [1, 256, 12, 12], [1, 512, 6, 6]])
        let attention = [[1, 64, 45, 45], [1, 128, 23, 23], [1, 256, 12, 12], [1, 512, 6, 6], [1, 512, 6, 6]]
        #expect(out.expressionAs.map(\.shape) == attention)
        #expect(out.disturbanceAs.map(\.shape) == attention)
        #expect(out.aOut.shape == [1, 1472, 6, 6])
        #expect(out.logits.shape == [1, 7])
        #expect(out.fd?.shape == [1, 128])
        #expect(out.attentionTransferMaps.map(\.shape) == [[1, 64, 45, 45], [1, 128, 23, 23], [1, 256, 12, 12], [1, 512, 6, 6], [1, 512, 6, 6]])
    }

    /// The counts printed by `python fixtures/ddl_torch.py` for the PyTorch definitions; the
    /// official DDM is the released DDM's 20,294,030 less its unused channel-attention
    /// modules (178,309).
    @Test func parameterCountsMatchThePyTorchDefinitions() {
        func ddm(_ p: Preset, _ v: Variant) -> Int { DDM<Float>(DDLConfig(preset: p, variant: v), seed: 0).parameterCount }
        #expect(ddm(.paper, .ddlGARIDILP) == 20_603_134)
        #expect(ddm(.official, .ddlGARIDILP) == 20_115_721)
        #expect(ddm(.official, .ddlGARIDILP) + 178_309 == 20_294_030)
        #expect(ddm(.paper, .baseline) == 11_433_433)
        #expect(ddm(.paper, .baselineAT) == 15_739_691)
        #expect(ddm(.paper, .baselineMAT) == 16_231_211)
        #expect(ddm(.official, .baselineMAT) == 15_741_745)
        let paper = DDLConfig(preset: .paper)
        #expect(paper.dfemFactorGroups.count == 1)
        #expect(DFEM<Float>(width: 64, factors: paper.dfemFactorGroups[0], finalPReLU: false, seed: 0).parameterCount == 11_481_937)
        let official = DDLConfig(preset: .official)
        let counts = official.dfemFactorGroups.map { DFEM<Float>(width: 64, factors: $0, finalPReLU: true, seed: 0).parameterCount }
        #expect(counts == [11_433_952, 11_480_521])
        var g = RandomGenerator(seed: 0)
        #expect(Discriminator<Float>(generator: &g).parameterCount == 73_792)
    }

    @Test func variantsOfTable1() {
        #expect(Variant.allCases.count == 9)
        #expect(Variant.ddlG.factors.map(\.name) == ["gender"])
        #expect(Variant.ddlGAR.factors.map(\.name) == ["gender", "age", "race"])
        #expect(Variant.ddlGARIDILP.factors == [
            Factor("gender", 3), Factor("age", 5), Factor("race", 3), Factor("identity", 337),
            Factor("illumination", 20), Factor("pose", 15),
        ])
        #expect(!Variant.baseline.usesExpressionBranch && !Variant.baseline.multiLevel)
        #expect(Variant.baselineAT.usesExpressionBranch && !Variant.baselineAT.multiLevel)
        #expect(Variant.baselineMAT.multiLevel && !Variant.baselineMAT.usesDisturbanceBranch)
        #expect(Variant.ddlGARID.usesDisturbanceBranch)
        #expect(DDLConfig(preset: .official, variant: .ddlGAR).dfemFactorGroups.count == 1)
        #expect(DDLConfig(preset: .official, variant: .ddlGARIDIL).dfemFactorGroups.map { $0.map(\.name) }
                == [["gender", "age", "race"], ["identity", "illumination"]])
        #expect(DDLConfig(preset: .paper, variant: .baselineMAT).dfemFactorGroups.isEmpty)
        #expect(DDLConfig(preset: .paper, variant: .baseline).expressionHeadChannels == 512)
        #expect(DDLConfig(preset: .official, variant: .ddlG).expressionHeadChannels == 512)
        #expect(DDLConfig(preset: .paper, variant: .ddlG).expressionHeadChannels == 1472)
    }

    @Test func presetsDifferInEveryTableField() {
        let p = DDLConfig(preset: .paper), o = DDLConfig(preset: .official)
        #expect(!p.hPreactivation && o.hPreactivation)
        #expect(p.headOnMultilevel && !o.headOnMultilevel)
        #expect(!p.finalPReLU && o.finalPReLU)
        #expect(p.atNormalisation == .perSample && o.atNormalisation == .batch)
        #expect(!p.dfemPerSource && o.dfemPerSource)
        // The structural fields show in the state dicts.
        let names = Set(DDM<Float>(DDLConfig(preset: .official, variant: .ddlG, width: 2, inputSize: 16), seed: 0).stateEntries().map(\.name))
        #expect(names.contains("expression.blocks.0.h.bn0.weight"))
        #expect(names.contains("expression_head.prelu2.weight"))
        #expect(!Set(DDM<Float>(DDLConfig(preset: .paper, variant: .ddlG, width: 2, inputSize: 16), seed: 0).stateEntries().map(\.name)).contains("expression_head.prelu2.weight"))
    }

    @Test func configJSONRoundTripsAndReadsPyTorchKeys() throws {
        let c = DDLConfig(preset: .official, variant: .ddlGAR, width: 4, inputSize: 20, classes: 6)
        #expect(try DDLConfig.parse(c.json) == c)
        let fromPython = try DDLConfig.parse(#"{"classes": 7, "input_size": 20, "preset": "paper", "variant": "ddl_gar", "width": 4, "training": true}"#)
        #expect(fromPython.width == 4 && fromPython.inputSize == 20 && fromPython.factors.map(\.name) == ["gender", "age", "race"])
        #expect(throws: (any Error).self) { try DDLConfig.parse(#"{"variant": "ddl_xyz"}"#) }
    }
}
