import Autodiff
import DDLModel
import Foundation
import HDF5Files
import Layers
import Testing
import FastKernels
import TensorCore

let checkpointFixtures: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("fixtures/checkpoints").path
}()

func scratchFolder() -> String {
    let path = NSTemporaryDirectory() + "ddl-checkpoints-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("Checkpoints")
struct CheckpointTests {
    let config = DDLConfig(preset: .paper, variant: .ddlGAR, width: 4, inputSize: 20, classes: 7)

    @Test func saveThenLoadGivesIdenticalBits() throws {
        let path = scratchFolder() + "/ddm.h5"
        let a = DDM<Float>(config, seed: 1)
        // Move the running statistics and counters away from their initial values.
        var g = RandomGenerator(seed: 2)
        _ = a(Variable(Tensor<Float>.normal([2, 3, 20, 20], generator: &g)), mode: Mode(training: true, dropout: false, random: nil))
        try Checkpoint.save(a, metadata: CheckpointMetadata(model: .ddm, config: config, epoch: 3), to: path)
        let (b, meta) = try DDM<Float>.load(from: path)
        #expect(meta.epoch == 3 && meta.config == config && meta.model == .ddm)
        let left = a.stateEntries(), right = b.stateEntries()
        #expect(left.map(\.name) == right.map(\.name))
        for (l, r) in zip(left, right) {
            switch (l, r) {
            case (.parameter(_, let x), .parameter(_, let y)): #expect(x.value == y.value, "\(l.name)")
            case (.buffer(_, let x), .buffer(_, let y)): #expect(x.value == y.value, "\(l.name)")
            case (.counter(_, let x), .counter(_, let y)): #expect(x.value == y.value && x.value == 1, "\(l.name)")
            default: Issue.record("entry kinds differ at \(l.name)")
            }
        }
    }

    @Test(arguments: ["ddm_paper_ddl_gar_w2.h5", "ddm_official_ddl_gar_id_il_p_w2.h5"])
    func pyTorchWrittenDDMMatchesPyTorchOutputs(_ file: String) throws {
        let path = checkpointFixtures + "/" + file
        let (ddm, _) = try DDM<Float>.load(from: path)
        let reference = try HDF5File.open(path).root.group("reference")
        let x = Variable(try reference.readTensor("input", as: Float.self))
        let out = withoutGradients { ddm(x, mode: .eval) }
        let logits = compare(out.logits.value, try reference.readTensor("logits", as: Float.self), atol: 1e-5, rtol: 1e-4)
        #expect(logits.passed, "\(logits)")
        let fd = try #require(out.fd)
        let fdClose = compare(fd.value, try reference.readTensor("f_d", as: Float.self), atol: 1e-5, rtol: 1e-4)
        #expect(fdClose.passed, "\(fdClose)")
    }

    @Test func pyTorchWrittenDFEMMatchesPyTorchOutputs() throws {
        let path = checkpointFixtures + "/dfem_paper_w2.h5"
        let (dfem, meta) = try DFEM<Float>.load(from: path)
        #expect(meta.config.factors.map(\.name) == ["gender", "race", "age"])
        let reference = try HDF5File.open(path).root.group("reference")
        let input = Variable(try reference.readTensor("input", as: Float.self))
        let out = withoutGradients { dfem(input, mode: .eval) }
        #expect(compare(out.fp.value, try reference.readTensor("f_p", as: Float.self), atol: 1e-5, rtol: 1e-4).passed)
        for (factor, logits) in out.logits {
            let r = compare(logits.value, try reference.readTensor("logits_\(factor.name)", as: Float.self), atol: 1e-5, rtol: 1e-4)
            #expect(r.passed, "\(factor.name): \(r)")
        }
    }

    @Test func anotherVariantOrWidthIsRefusedWithEveryMismatch() throws {
        let path = checkpointFixtures + "/ddm_paper_ddl_gar_w2.h5"
        #expect(try Checkpoint.metadata(of: path).config.width == 2)
        let otherWidth = DDM<Float>(DDLConfig(preset: .paper, variant: .ddlGAR, width: 8, inputSize: 20), seed: 0)
        do {
            try Checkpoint.load(into: otherWidth, kind: .ddm, from: path)
            Issue.record("a width-2 checkpoint loaded into a width-8 model")
        } catch let e as StateDictMismatch {
            #expect(e.file == path)
            #expect(e.missing.isEmpty && e.unexpected.isEmpty)
            #expect(e.wrongShape.contains { $0.name == "trunk.stem.conv.weight" && $0.model == [8, 3, 3, 3] && $0.file == [2, 3, 3, 3] })
            #expect(e.description.contains("trunk.stem.conv.weight: model [8, 3, 3, 3], file [2, 3, 3, 3]"))
        }
        let baseline = DDM<Float>(DDLConfig(preset: .paper, variant: .baselineMAT, width: 2, inputSize: 20), seed: 0)
        do {
            try Checkpoint.load(into: baseline, kind: .ddm, from: path)
            Issue.record("a ddl_gar checkpoint loaded into a baseline_mat model")
        } catch let e as StateDictMismatch {
            #expect(e.unexpected.contains { $0.name == "disturbance_head.fc.weight" && $0.shape == [128, 16] })
            #expect(e.missing.isEmpty)
        }
        let official = DDM<Float>(DDLConfig(preset: .official, variant: .ddlGAR, width: 2, inputSize: 20), seed: 0)
        #expect(throws: StateDictMismatch.self) { try Checkpoint.load(into: official, kind: .ddm, from: path) }
    }

    @Test func wrongKindAndNonCheckpointsAreRefused() throws {
        let dfem = DFEM<Float>(width: 4, factors: [Factor("gender", 3)], finalPReLU: false, seed: 0)
        #expect(throws: CheckpointError.self) {
            try Checkpoint.load(into: dfem, kind: .dfem, from: checkpointFixtures + "/ddm_paper_ddl_gar_w2.h5")
        }
        let plain = scratchFolder() + "/plain.h5"
        try HDF5File.write(to: plain) { try $0.writeTensor("x", Tensor<Float>.zeros([1])) }
        do {
            _ = try DDM<Float>.load(from: plain)
            Issue.record("loaded a file without a format attribute")
        } catch {
            #expect("\(error)".contains(plain) && "\(error)".contains("not a ddl-swift checkpoint"))
        }
        #expect(throws: HDF5Error.self) { _ = try DDM<Float>.load(from: scratchFolder() + "/missing.h5") }
    }

    @Test func aFailedLoadChangesNothing() throws {
        let path = checkpointFixtures + "/ddm_paper_ddl_gar_w2.h5"
        let model = DDM<Float>(DDLConfig(preset: .paper, variant: .ddlGAR, width: 8, inputSize: 20), seed: 5)
        let before = model.namedParameters().map(\.variable.value)
        _ = try? Checkpoint.load(into: model, kind: .ddm, from: path)
        #expect(model.namedParameters().map(\.variable.value) == before)
    }
}

@Suite("Train and eval behaviour of whole models")
struct ModelModeTests {
    @Test func evalIsDeterministicAndTrainDropoutIsSeeded() {
        let ddm = DDM<Float>(DDLConfig(preset: .paper, variant: .ddlG, width: 4, inputSize: 20), seed: 3)
        var g = RandomGenerator(seed: 4)
        let x = Variable(Tensor<Float>.normal([2, 3, 20, 20], generator: &g))
        let e1 = withoutGradients { ddm(x, mode: .eval).logits.value }
        let e2 = withoutGradients { ddm(x, mode: .eval).logits.value }
        #expect(e1 == e2)
        // Training forward passes with the same seed agree; with another seed they differ.
        let fresh = { DDM<Float>(DDLConfig(preset: .paper, variant: .ddlG, width: 4, inputSize: 20), seed: 3) }
        let t1 = withoutGradients { fresh()(x, mode: .train(RandomSource(seed: 1))).logits.value }
        let t2 = withoutGradients { fresh()(x, mode: .train(RandomSource(seed: 1))).logits.value }
        let t3 = withoutGradients { fresh()(x, mode: .train(RandomSource(seed: 2))).logits.value }
        #expect(t1 == t2)
        #expect(t1 != t3)
    }

    @Test func trainingUpdatesEveryRunningStatisticAndTheCounter() {
        let ddm = DDM<Float>(DDLConfig(preset: .paper, variant: .ddlG, width: 4, inputSize: 20), seed: 3)
        var g = RandomGenerator(seed: 4)
        let x = Variable(Tensor<Float>.normal([2, 3, 20, 20], generator: &g))
        _ = withoutGradients { ddm(x, mode: .eval) }
        for case .buffer(let n, let b) in ddm.stateEntries() where n.hasSuffix("running_mean") {
            #expect(b.value.scalars.allSatisfy { $0 == 0 }, "\(n) moved in eval mode")
        }
        _ = withoutGradients { ddm(x, mode: Mode(training: true, dropout: false, random: nil)) }
        for case .buffer(let n, let b) in ddm.stateEntries() where n.hasSuffix("running_mean") {
            #expect(b.value.scalars.contains { $0 != 0 }, "\(n) did not move in training mode")
        }
        for case .counter(let n, let c) in ddm.stateEntries() { #expect(c.value == 1, "\(n)") }
    }
}
