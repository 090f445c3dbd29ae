import Autodiff
import DDLModel
import FaceData
import Foundation
import HDF5Files
import Layers
import Testing
import FastKernels
import TensorCore
import Training

@Suite("Optimisers and schedules")
struct OptimizerTests {
    @Test func multiStepScheduleDividesAtMilestones() {
        let s = MultiStepSchedule(base: 1e-4, milestones: [10, 18, 25, 32])
        #expect(s.rate(epoch: 0) == 1e-4)
        #expect(s.rate(epoch: 9) == 1e-4)
        #expect(abs(s.rate(epoch: 10) - 1e-5) < 1e-20)
        #expect(abs(s.rate(epoch: 39) - 1e-8) < 1e-22)
    }

    @Test func adamFirstStepByHand() {
        // Step 1: m = (1−β1)g, v = (1−β2)g², update = lr·m/(1−β1) / (√v/√(1−β2) + eps) = lr·sign(g).
        let p = Variable(Tensor<Double>(shape: [2], scalars: [1, -1]), requiresGrad: true)
        let adam = Adam([("p", p)], learningRate: 0.1, beta1: 0.9, beta2: 0.999, eps: 0, weightDecay: 0)
        p.setGrad(Tensor(shape: [2], scalars: [3, -0.5]))
        adam.step()
        #expect(abs(p.value.scalars[0] - 0.9) < 1e-12 && abs(p.value.scalars[1] + 0.9) < 1e-12)
        // A parameter without a gradient is not touched.
        let q = Variable(Tensor<Double>(shape: [1], scalars: [5]), requiresGrad: true)
        let adam2 = Adam([("q", q)], learningRate: 0.1)
        adam2.step()
        #expect(q.value.scalars == [5])
    }

    @Test func optimizerStateRoundTripsAndRefusesOtherShapes() throws {
        let p = Variable(Tensor<Float>.ones([2, 2]), requiresGrad: true)
        let a = Adam([("p", p)])
        p.setGrad(.ones([2, 2]))
        a.step()
        let b = Adam([("p", Variable(Tensor<Float>.ones([2, 2]), requiresGrad: true))])
        try b.restore(state: Dictionary(uniqueKeysWithValues: a.stateTensors().map { ($0.name, $0.tensor) }), stepCount: 1)
        #expect(b.stateTensors().map(\.tensor) == a.stateTensors().map(\.tensor))
        let c = Adam([("p", Variable(Tensor<Float>.ones([3]), requiresGrad: true))])
        #expect(throws: OptimizerStateError.self) {
            try c.restore(state: Dictionary(uniqueKeysWithValues: a.stateTensors().map { ($0.name, $0.tensor) }), stepCount: 1)
        }
    }
}

@Suite("Batches and augmentation")
struct BatchTests {
    @Test func centreCropScalesToMinusOneOne() {
        var set = FaceSet(size: 4, expressionClasses: 2)
        set.append(image: (0..<48).map { UInt8($0 * 5) }, expression: 1)
        var g = RandomGenerator(seed: 0)
        let t = Augmentation(crop: 2).batch(set, indices: [0], training: false, generator: &g, as: Double.self)
        #expect(t.shape == [1, 3, 2, 2])
        // Centre 2×2 of channel 0: pixels 5, 6, 9, 10 → values ·5/127.5 − 1.
        let expected = [5, 6, 9, 10].map { Double($0 * 5) * 2 / 255 - 1 }
        #expect(compare(Tensor(shape: [4], scalars: Array(t.scalars[0..<4])), Tensor(shape: [4], scalars: expected), atol: 1e-15, rtol: 0).passed)
        #expect(t.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    @Test func trainingCropsAndFlipsAreSeeded() {
        let set = toySet(count: 6, seed: 1)
        var g1 = RandomGenerator(seed: 5), g2 = RandomGenerator(seed: 5), g3 = RandomGenerator(seed: 6)
        let a = Augmentation(crop: 16).batch(set, indices: [0, 1, 2, 3, 4, 5], training: true, generator: &g1, as: Float.self)
        let b = Augmentation(crop: 16).batch(set, indices: [0, 1, 2, 3, 4, 5], training: true, generator: &g2, as: Float.self)
        let c = Augmentation(crop: 16).batch(set, indices: [0, 1, 2, 3, 4, 5], training: true, generator: &g3, as: Float.self)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func epochOrderVisitsEverySampleOnce() {
        let order = EpochOrder(count: 10, batchSize: 3, seed: 7, epoch: 2)
        #expect(order.batches.map(\.count) == [3, 3, 3, 1])
        #expect(order.batches.flatMap { $0 }.sorted() == Array(0..<10))
        #expect(EpochOrder(count: 10, batchSize: 3, seed: 7, epoch: 2).batches == order.batches)
        #expect(EpochOrder(count: 10, batchSize: 3, seed: 7, epoch: 3).batches != order.batches)
        #expect(EpochOrder(count: 10, batchSize: 3, seed: 7, epoch: 2, dropLast: true).batches.count == 3)
    }

    @Test func classificationReport() {
        let r = ClassificationReport(classes: 3, truth: [0, 0, 1, 2, 2, 2], predicted: [0, 1, 1, 2, 2, 0])
        #expect(r.confusion == [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
        #expect(abs(r.accuracy - 4.0 / 6) < 1e-12)
        #expect(r.perClass == [0.5, 1, 2.0 / 3])
    }
}

@Suite("Two-stage training", .serialized)
struct TwoStageTests {
    let config = DDLConfig(preset: .paper, variant: .ddlGA, width: 2, inputSize: 16, classes: 3,
                           factors: [Factor("pose", 2), Factor("illumination", 2)])

    func options(epochs: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.batchSize = 8
        o.learningRate = 3e-3
        o.milestones = [2]
        o.crop = 16
        o.seed = 11
        return o
    }

    func dfem(_ dir: String) throws -> String {
        var dfemConfig = config
        dfemConfig.factors = [Factor("pose", 2), Factor("illumination", 2)]
        let run = try DFEMTraining(config: dfemConfig, options: options(epochs: 1), set: toySet(count: 24, seed: 2, expressions: false),
                                   directory: dir + "/dfem", resume: false)
        try run.run()
        return run.checkpointPath
    }

    @Test func interruptedAndResumedRunsEqualAnUninterruptedOne() throws {
        let dir = scratch()
        // The variant's factor groups must match the DFEM: use a config whose factors are the toy ones.
        let dfemPath = try dfem(dir)
        let train = toySet(count: 24, seed: 3, factors: false), test = toySet(count: 9, seed: 4, factors: false)
        let straight = try DDMTraining(config: config, options: options(epochs: 3), train: train, test: test,
                                       dfemPaths: [dfemPath], directory: dir + "/straight", resume: false)
        try straight.run()
        let first = try DDMTraining(config: config, options: options(epochs: 1), train: train, test: test,
                                    dfemPaths: [dfemPath], directory: dir + "/resumed", resume: false)
        try first.run()
        let second = try DDMTraining(config: config, options: options(epochs: 3), train: train, test: test,
                                     dfemPaths: [dfemPath], directory: dir + "/resumed", resume: true)
        try second.run()
        #expect(second.state.epoch == 3)
        for (a, b) in zip(straight.ddm.stateEntries(), second.ddm.stateEntries()) {
            switch (a, b) {
            case (.parameter(_, let x), .parameter(_, let y)): #expect(x.value == y.value, "\(a.name)")
            case (.buffer(_, let x), .buffer(_, let y)): #expect(x.value == y.value, "\(a.name)")
            case (.counter(_, let x), .counter(_, let y)): #expect(x.value == y.value, "\(a.name)")
            default: Issue.record("kinds differ at \(a.name)")
            }
        }
        let log = try EpochLog(path: second.logPath).records()
        #expect(log.map(\.epoch) == [1, 2, 3])
        #expect(try EpochLog(path: straight.logPath).records().map(\.losses) == log.map(\.losses))
        // All three loss terms are logged.
        #expect(Set(log[0].losses.keys).isSuperset(of: ["loss", "loss_ce", "loss_adv", "loss_at", "loss_ad"]))
    }

    @Test func resumingWithOtherSettingsOrAnotherVariantIsRefused() throws {
        let dir = scratch()
        let dfemPath = try dfem(dir)
        let train = toySet(count: 16, seed: 3, factors: false)
        let run = try DDMTraining(config: config, options: options(epochs: 1), train: train, test: nil,
                                  dfemPaths: [dfemPath], directory: dir + "/run", resume: false)
        try run.run()
        var changed = options(epochs: 2)
        changed.learningRate = 1
        #expect(throws: TrainingError.self) {
            _ = try DDMTraining(config: config, options: changed, train: train, test: nil, dfemPaths: [dfemPath], directory: dir + "/run", resume: true)
        }
        var other = config
        other.width = 4
        #expect(throws: (any Error).self) {
            _ = try DDMTraining(config: other, options: options(epochs: 2), train: train, test: nil, dfemPaths: [dfemPath], directory: dir + "/run", resume: true)
        }
        // Loading the run's checkpoint into a model of another width lists the mismatches.
        let wide = DDM<Float>(other, seed: 0)
        #expect(throws: StateDictMismatch.self) { try Checkpoint.load(into: wide, kind: .ddm, from: run.checkpointPath) }
        #expect(throws: TrainingError.self) {
            _ = try DDMTraining(config: config, options: options(epochs: 2), train: train, test: nil, dfemPaths: [dfemPath], directory: dir + "/none", resume: true)
        }
    }

    @Test func badDataIsRefusedClearly() throws {
        let dir = scratch()
        let empty = FaceSet(size: 20, expressionClasses: 3)
        #expect(throws: TrainingError.self) {
            _ = try DDMTraining(config: config, options: options(epochs: 1), train: empty, test: nil, dfemPaths: [], directory: dir, resume: false)
        }
        var sevenClasses = config
        sevenClasses.classes = 7
        do {
            _ = try DDMTraining(config: sevenClasses, options: options(epochs: 1), train: toySet(count: 6, seed: 1), test: nil, dfemPaths: [], directory: dir, resume: false)
            Issue.record("a 3-class set trained a 7-class model")
        } catch let e as TrainingError {
            #expect("\(e)".contains("7 expression classes") && "\(e)".contains("data 3"))
        }
        #expect(throws: TrainingError.self) {
            _ = try DDMTraining(config: config, options: options(epochs: 1), train: toySet(count: 6, seed: 1), test: nil, dfemPaths: [], directory: dir, resume: false)
        }
    }

    @Test func aNonFiniteLossStopsWithASavedCheckpoint() throws {
        let dir = scratch()
        var o = options(epochs: 2)
        o.learningRate = 1e30
        let baseline = DDLConfig(preset: .paper, variant: .baselineMAT, width: 2, inputSize: 16, classes: 3)
        let run = try DDMTraining(config: baseline, options: o, train: toySet(count: 24, seed: 3), test: nil, dfemPaths: [], directory: dir, resume: false)
        do {
            try run.run()
            Issue.record("a learning rate of 1e30 trained without a non-finite loss")
        } catch let e as TrainingError {
            #expect("\(e)".contains("nonfinite.h5"))
            #expect(FileManager.default.fileExists(atPath: dir + "/nonfinite.h5"))
        }
    }

    @Test func baselineLearnsTheToyProblem() throws {
        let dir = scratch()
        var o = options(epochs: 6)
        o.learningRate = 3e-3
        o.dropout = false
        let baseline = DDLConfig(preset: .paper, variant: .baselineMAT, width: 4, inputSize: 16, classes: 3)
        let run = try DDMTraining(config: baseline, options: o, train: toySet(count: 60, seed: 3), test: toySet(count: 30, seed: 9),
                                  dfemPaths: [], directory: dir, resume: false)
        try run.run()
        let log = try EpochLog(path: run.logPath).records()
        #expect((log.last?.testAccuracy ?? 0) > 0.6, "\(log.map { $0.testAccuracy ?? 0 })")
    }
}
