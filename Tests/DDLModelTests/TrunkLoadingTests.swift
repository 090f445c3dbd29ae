import DDLModel
import Foundation
import Layers
import FastKernels
import TensorCore
import Testing

/// `--trunk`: a checkpoint's trunk.* entries start another model's trunk.
@Suite("Trunk from a checkpoint")
struct TrunkLoadingTests {
    func path(_ name: String) -> String { NSTemporaryDirectory() + "ddl-trunk-\(UUID().uuidString)-\(name).h5" }

    @Test func loadsTheTrunkOfADDMIntoAnotherModel() throws {
        let config = DDLConfig(variant: .baseline, width: 2, inputSize: 20, classes: 7, factors: [])
        let source = DDM<Float>(config, seed: 1)
        let file = path("ddm")
        try Checkpoint.save(source, metadata: CheckpointMetadata(model: .ddm, config: config, epoch: 1), to: file)
        let target = DDM<Float>(DDLConfig(variant: .baselineMAT, width: 2, inputSize: 20, classes: 7, factors: []), seed: 2)
        let before = target.expression?.stateEntries().first.map { entryValue($0) }
        try target.trunk.load(fromCheckpoint: file)
        for (a, b) in zip(source.trunk.stateEntries(), target.trunk.stateEntries()) {
            #expect(a.name == b.name)
            #expect(entryValue(a) == entryValue(b), "\(a.name)")
        }
        // Only the trunk changes.
        #expect(target.expression?.stateEntries().first.map { entryValue($0) } == before)
        // A DFEM's trunk too.
        let dfem = DFEM<Float>(width: 2, factors: [Factor("pose", 3)], finalPReLU: false, seed: 3)
        try dfem.trunk.load(fromCheckpoint: file)
        #expect(entryValue(dfem.trunk.stateEntries()[0]) == entryValue(source.trunk.stateEntries()[0]))
    }

    @Test func refusesACheckpointOfAnotherWidthNamingTheEntries() throws {
        let config = DDLConfig(variant: .baseline, width: 2, inputSize: 20, classes: 7, factors: [])
        let file = path("w2")
        try Checkpoint.save(DDM<Float>(config, seed: 1), metadata: CheckpointMetadata(model: .ddm, config: config, epoch: 1), to: file)
        let wide = DDM<Float>(DDLConfig(variant: .baseline, width: 4, inputSize: 20, classes: 7, factors: []), seed: 2)
        let before = entryValue(wide.trunk.stateEntries()[0])
        do {
            try wide.trunk.load(fromCheckpoint: file)
            Issue.record("a width-2 trunk loaded into a width-4 one")
        } catch let e as StateDictMismatch {
            #expect(e.file == file)
            #expect(!e.wrongShape.isEmpty)
            #expect(e.wrongShape.allSatisfy { $0.name.hasPrefix("trunk.") })
            #expect(e.description.contains("trunk.stem.conv.weight: model [4, 3, 3, 3], file [2, 3, 3, 3]"))
        }
        #expect(entryValue(wide.trunk.stateEntries()[0]) == before)  // nothing changed
    }

    @Test func refusesACheckpointWithoutATrunk() throws {
        let file = path("notrunk")
        var g = RandomGenerator(seed: 1)
        let d = Discriminator<Float>(generator: &g)
        let config = DDLConfig(variant: .ddlG, width: 2, inputSize: 20, classes: 7)
        try Checkpoint.save(d, metadata: CheckpointMetadata(model: .discriminator, config: config, epoch: 0), to: file)
        let trunk = DDM<Float>(DDLConfig(variant: .baseline, width: 2, inputSize: 20, classes: 7, factors: []), seed: 2).trunk
        #expect(throws: CheckpointError.self) { try trunk.load(fromCheckpoint: file) }
    }
}

func entryValue(_ e: StateEntry<Float>) -> [Float] {
    switch e {
    case .parameter(_, let v): v.value.scalars
    case .buffer(_, let b): b.value.scalars
    case .counter(_, let c): [Float(c.value)]
    }
}
