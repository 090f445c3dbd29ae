import Autodiff
import DDLModel
import FaceData
import Foundation
import FastKernels
import TensorCore
import Testing
import Training

/// Stage 1's held-out check: the split keeps held-out subjects out of training, and each
/// head's accuracy is what its predictions give.
@Suite("DFEM held-out accuracy")
struct DFEMQualityTests {
    let spec = SyntheticFaceSpec(size: 20, identities: 16, poses: 3, illuminations: 3, strength: 1)

    @Test func splitHoldsOutWholeSubjectsAndScoresIdentityOnSeenOnes() {
        let set = SyntheticFaces.disturbanceSet(spec: spec, count: 400, seed: 2)
        let (train, held) = DFEMHeldOut.split(set, fraction: 0.25, seed: 1)
        #expect(train.count + held.count == set.count)
        let trainSubjects = Set(train.subjects)
        for i in 0..<held.count {
            let identityLabelled = (held.factors["identity"]?[i] ?? -1) >= 0
            let poseLabelled = (held.factors["pose"]?[i] ?? -1) >= 0
            // Every held-out face scores either identity (a seen subject) or the rest (an unseen one).
            #expect(identityLabelled != poseLabelled)
            #expect(trainSubjects.contains(held.subjects[i]) == identityLabelled)
        }
        let unseen = Set(held.subjects).subtracting(trainSubjects)
        #expect(unseen.count == 4)  // a quarter of 16 subjects
        // Deterministic by seed.
        #expect(DFEMHeldOut.split(set, fraction: 0.25, seed: 1).heldOut == held)
        #expect(DFEMHeldOut.split(set, fraction: 0.25, seed: 2).heldOut != held)
    }

    @Test func accuracyIsThePredictionsAgreementAndChanceTheMajorityShare() throws {
        let set = SyntheticFaces.labelledSet(spec: spec, count: 37, seed: 5)
        let dfem = DFEM<Float>(width: 2, factors: [Factor("pose", 3), Factor("gender", 3)], finalPReLU: false, seed: 4)
        let results = DFEMHeldOut.evaluate(dfem, on: set, crop: 18, batchSize: 16)
        #expect(results.map(\.factor) == ["pose", "gender"])
        // The same predictions by hand.
        let x = Augmentation(crop: 18, flip: false)
        var unused = RandomGenerator(seed: 0)
        let out = withoutGradients { dfem(Variable(x.batch(set, indices: Array(0..<37), training: false, generator: &unused, as: Float.self)), mode: .eval) }
        for (k, (factor, logits)) in out.logits.enumerated() {
            let predicted = argmaxRows(logits.value)
            let truth = set.factors[factor.name] ?? []
            let correct = zip(predicted, truth).filter { $0 == $1 }.count
            #expect(abs(results[k].accuracy - Double(correct) / 37) <= 1e-12)
            let majority = (0..<3).map { c in truth.filter { $0 == c }.count }.max() ?? 0
            #expect(abs(results[k].chance - Double(majority) / 37) <= 1e-12)
            #expect(results[k].count == 37)
        }
    }

    @Test func betterThanChanceNeedsTwoStandardErrors() {
        // chance 0.5 over 100 faces: the bar is 0.5 + 2·0.05 = 0.6.
        #expect(!FactorAccuracy(factor: "f", accuracy: 0.6, count: 100, chance: 0.5).betterThanChance)
        #expect(FactorAccuracy(factor: "f", accuracy: 0.61, count: 100, chance: 0.5).betterThanChance)
        #expect(!FactorAccuracy(factor: "f", accuracy: 1, count: 0, chance: 0).betterThanChance)
        let lines = DFEMHeldOut.describe([FactorAccuracy(factor: "pose", accuracy: 0.3, count: 50, chance: 0.34)])
        #expect(lines == ["pose 30.0% (chance 34.0%, 50 held-out faces) — NOT better than chance"])
    }

    @Test func heldOutAccuracyIsLogged() throws {
        let set = SyntheticFaces.disturbanceSet(spec: spec, count: 60, seed: 2)
        let (train, held) = DFEMHeldOut.split(set, fraction: 0.25, seed: 1)
        var config = DDLConfig(variant: .ddlG, width: 2, inputSize: 18, classes: 7, factors: [Factor("gender", 3)])
        config.factors = [Factor("gender", 3)]
        var options = TrainingOptions()
        options.epochs = 1
        options.crop = 18
        let dir = NSTemporaryDirectory() + "ddl-dfem-held-\(UUID().uuidString)"
        let run = try DFEMTraining(config: config, options: options, set: train, directory: dir, resume: false, heldOut: held)
        try run.run()
        let record = try #require(try EpochLog(path: run.logPath).records().last)
        let logged = try #require(record.heldOutAccuracy?["gender"])
        #expect(run.heldOutResults.first?.accuracy == logged)
        #expect(record.json.contains("\"held_out_accuracy\""))
    }
}
