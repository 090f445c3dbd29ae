import Autodiff
import DDLModel
import Foundation
import Layers
import FastKernels
import TensorCore
import Training

/// The training-step and inference benchmark of `ddl bench --config`.
struct StepBenchmark {
    /// The paper's configuration (batch 16, 90×90, width 64) and the main job's (width 8, 36×36).
    static let configurations: [String: (width: Int, size: Int, batch: Int)] = [
        "paper": (64, 90, 16), "quick": (8, 36, 16),
    ]

    let name: String
    let repeats: Int
    /// The batch of the step, when not the configuration's (the paper's other databases: 8).
    var batch: Int? = nil
    /// Whether the profiles record each convolution geometry apart.
    var byShape = false

    struct Result {
        var trainSeconds: Double
        var inferenceSeconds: Double
        var batch: Int
        var stepFlops: Double
        var gemmGflops: Double
        var peakMiB: Double
        var profile: [(name: String, entry: KernelProfile.Entry)]
        var profiledSeconds: Double
        var inferenceProfile: [(name: String, entry: KernelProfile.Entry)]
        var profiledInferenceSeconds: Double
    }

    func run() -> Result {
        guard var c = Self.configurations[name] else {
            preconditionFailure("unknown configuration \(name)")
        }
        if let batch { c.batch = batch }
        let config = DDLConfig(
            preset: .paper, variant: .ddlGARIDILP, width: c.width, inputSize: c.size, classes: 7)
        let ddm = DDM<Float>(config, seed: 0)
        let dfem = DFEM<Float>(width: c.width, factors: config.factors, finalPReLU: false, seed: 1)
        var g = RandomGenerator(seed: 2)
        let d = Discriminator<Float>(generator: &g)
        let optimizer = Adam(ddm.namedParameters()), dOptimizer = Adam(d.namedParameters())
        let x = Variable(Tensor<Float>.normal([c.batch, 3, c.size, c.size], generator: &g))
        let labels = (0..<c.batch).map { $0 % 7 }
        let mode = Mode.train(RandomSource(seed: 3))
        let step = {
            _ = DDLStep.run(
                ddm: ddm, dfems: [dfem], discriminator: d, optimizer: optimizer,
                discriminatorOptimizer: dOptimizer, x: x, labels: labels, mode: mode,
                check: { _, _ in })
        }
        let train = median(step)
        let inference = median { _ = withoutGradients { ddm(x, mode: .eval) } }
        let profile = KernelProfile(byShape: byShape)
        let clock = ContinuousClock()
        let profiled = clock.measure { profile.recording { step() } }
        let entries = profile.snapshot.sorted { $0.value.seconds > $1.value.seconds }.map {
            ($0.key, $0.value)
        }
        let inferenceProfile = KernelProfile(byShape: byShape)
        let profiledInference = clock.measure {
            inferenceProfile.recording { _ = withoutGradients { ddm(x, mode: .eval) } }
        }
        let inferenceEntries = inferenceProfile.snapshot.sorted {
            $0.value.seconds > $1.value.seconds
        }.map { ($0.key, $0.value) }
        return Result(
            trainSeconds: train, inferenceSeconds: inference, batch: c.batch,
            stepFlops: entries.reduce(0) { $0 + $1.1.flops }, gemmGflops: gemmGflops(),
            peakMiB: peakResidentMiB(), profile: entries, profiledSeconds: seconds(profiled),
            inferenceProfile: inferenceEntries, profiledInferenceSeconds: seconds(profiledInference)
        )
    }

    func median(_ body: () -> Void) -> Double {
        body()
        let clock = ContinuousClock()
        let times = (0..<repeats).map { _ in seconds(clock.measure(body)) }.sorted()
        return times[times.count / 2]
    }

    /// A large single-precision gemm's rate on this machine and thread count.
    func gemmGflops() -> Double {
        var g = RandomGenerator(seed: 9)
        let a = Tensor<Float>.normal([1024, 1024], generator: &g),
            b = Tensor<Float>.normal([1024, 1024], generator: &g)
        let t = median { _ = Tensor.matmul(a, b) }
        return 2 * 1024 * 1024 * 1024 / t / 1e9
    }

    func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

/// The process's peak resident memory in MiB (Linux reports kilobytes).
func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}
