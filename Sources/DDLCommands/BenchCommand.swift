import ArgumentParser
import Autodiff
import FastKernels
import TensorCore

/// `ddl bench`: the training step and inference (`--config`), or one kernel (`--op`).
public struct BenchCommand: ParsableCommand {
    /// The command's name, abstract and discussion for `ddl bench`.
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training and inference speed, or one kernel (build with -c release).",
        discussion: """
            --config paper|quick times one full DDL training step (a frozen DFEM, a D step on \
            L_AD, a DDM step on the joint loss, Adam) and inference, at the paper's configuration \
            (batch 16 or --batch-size, 90×90, width 64, paper preset) or the main job's (width 8, \
            36×36): images per second, peak resident memory, the step's convolution and product \
            rate against this machine's gemm, and with --profile the time per kernel. \
            bench/compare runs the PyTorch reference beside it.

            --op conv2d times a convolution forward and backward at a ResNet-like shape, unfolded \
            and by Winograd (3×3), next to the gemm at the shape of its main product; --op maxpool \
            times the DDL pool with and without the positions of the maxima. Medians of --repeats \
            runs. Every report names the OpenBLAS kernel family it ran with (set by the CPU, or by \
            OPENBLAS_CORETYPE).
            """
    )

    /// The training-step configuration to time (`--config`); nil times one kernel.
    @Option(help: "A configuration for the training-step benchmark.")
    public var config: BenchConfiguration?
    /// Whether to print the step's time per kernel (`--profile`).
    @Flag(help: "With --config, print where the step's time goes, per kernel.")
    public var profile = false
    /// Whether the profile records each convolution geometry apart (`--by-shape`).
    @Flag(
        name: .customLong("by-shape"),
        help: "With --profile, time each convolution geometry apart.")
    public var byShape = false

    /// The kernel to measure (`--op`).
    @Option(help: "A kernel to measure.")
    public var op: BenchOp = .conv2d
    /// The batch size (`--batch-size`).
    @Option(
        name: .customLong("batch-size"),
        help: """
            Batch size (with --config, of the training step: 16 as the paper's RAF-DB runs, 8 \
            as its other databases').
            """)
    public var batch: Int = 16
    /// Input and output channels (`--channels`).
    @Option(help: "Input and output channels.") public var channels: Int = 64
    /// Input height and width (`--size`).
    @Option(help: "Input height and width.") public var size: Int = 45
    /// Kernel size (`--kernel`).
    @Option(help: "Kernel size.") public var kernel: Int = 3
    /// Convolution stride (`--stride`); Winograd needs 1, so other strides time unfolding.
    @Option(help: "Convolution stride (Winograd rows need 1).") public var stride: Int = 1
    /// Timed repetitions; the median is reported (`--repeats`).
    @Option(help: "Timed repetitions (the median is reported).") public var repeats: Int = 5
    /// BLAS threads (`--threads`); nil leaves OpenBLAS's own choice.
    @Option(help: "BLAS threads (default: OpenBLAS's own choice).") public var threads: Int?
    /// Whether to print JSON instead of a table (`--json`).
    @Flag(help: "Print JSON instead of a table.") public var json = false

    /// A command with the default options (ArgumentParser fills them in).
    public init() {}

    /// Rejects a non-positive batch, channel count or repeat count, or a size below the kernel.
    public func validate() throws {
        guard batch > 0, channels > 0, size >= kernel, repeats > 0, stride > 0 else {
            throw ValidationError(
                "--batch-size, --channels, --stride and --repeats must be positive and --size at "
                    + "least --kernel (got --batch-size \(batch), --channels \(channels), "
                    + "--stride \(stride), --repeats \(repeats), --size \(size), --kernel "
                    + "\(kernel))"
            )
        }
    }

    /// Runs the training-step benchmark with `--config`, else the kernel benchmark of `--op`.
    public func run() throws {
        if let threads { BLASThreads.set(threads) }
        if let config {
            runStep(config.rawValue)
            return
        }
        let rows: [Row]
        switch op {
        case .gemm: rows = [gemmRow()]
        case .maxpool: rows = [poolRow(positions: true), poolRow(positions: false)]
        case .conv2d:
            let algorithms =
                kernel == 3 && stride == 1 ? ConvolutionAlgorithm.allCases : [.unfold]
            rows = [gemmRow()] + algorithms.flatMap { convRows($0) }
        }
        if json {
            let items = rows.map {
                "{\"name\": \"\($0.name)\", \"seconds\": \($0.seconds), "
                    + "\"\($0.jsonKey)\": \($0.rate)}"
            }
            print(
                "{\"threads\": \(BLASThreads.count), \"blas_core\": \"\(BLASThreads.core)\", "
                    + "\"results\": ["
                    + items.joined(separator: ", ") + "]}")
        } else {
            print(
                "threads: \(BLASThreads.count) (BLAS, \(kernels)), float32, "
                    + "median of \(repeats)"
            )
            for r in rows {
                print("\(r.name): \(format(r.seconds * 1000)) ms, \(format(r.rate)) \(r.unit)")
            }
        }
    }

    /// The kernel family for the report, with the note when ddl chose it.
    var kernels: String {
        let family = "\(BLASThreads.core) kernels"
        return BLASCoreStartup.note.map { "\(family), \($0)" } ?? family
    }

    /// One micro-benchmark: its median time and a rate, in GFLOP/s (arithmetic) or, for
    /// the pools, GB/s of input read (`bytes`).
    struct Row {
        let name: String, seconds: Double, rate: Double
        var bytes = false
        var unit: String { bytes ? "GB/s of input" : "GFLOP/s" }
        var jsonKey: String { bytes ? "input_gb_per_second" : "gflops" }
    }

    func runStep(_ config: String) {
        let r = StepBenchmark(name: config, repeats: repeats, batch: batch, byShape: byShape).run()
        let achieved = r.stepFlops / r.trainSeconds / 1e9
        if json {
            var fields = [
                "\"implementation\": \"swift\"", "\"config\": \"\(config)\"",
                "\"threads\": \(BLASThreads.count)",
                "\"blas_core\": \"\(BLASThreads.core)\"",
                "\"blas_core_note\": \"\(BLASCoreStartup.note ?? "")\"",
                "\"batch\": \(r.batch)", "\"train_step_seconds\": \(r.trainSeconds)",
                "\"train_images_per_second\": \(Double(r.batch) / r.trainSeconds)",
                "\"inference_seconds\": \(r.inferenceSeconds)",
                "\"inference_images_per_second\": \(Double(r.batch) / r.inferenceSeconds)",
                "\"peak_rss_mib\": \(r.peakMiB)", "\"step_gflop\": \(r.stepFlops / 1e9)",
                "\"achieved_gflops\": \(achieved)", "\"gemm_gflops\": \(r.gemmGflops)",
            ]
            let kernels = r.profile.map {
                "\"\($0.name)\": {\"calls\": \($0.entry.calls), \"seconds\": "
                    + "\($0.entry.seconds), \"gflop\": \($0.entry.flops / 1e9)}"
            }
            fields.append("\"profile\": {" + kernels.joined(separator: ", ") + "}")
            print("{" + fields.joined(separator: ", ") + "}")
            return
        }
        print(
            "config \(config): batch \(r.batch), \(BLASThreads.count) BLAS threads "
                + "(\(kernels)), float32, median of \(repeats)"
        )
        print(
            "training step: \(format(r.trainSeconds * 1000)) ms, "
                + "\(format(Double(r.batch) / r.trainSeconds)) images/s"
        )
        print(
            "inference:     \(format(r.inferenceSeconds * 1000)) ms, "
                + "\(format(Double(r.batch) / r.inferenceSeconds)) images/s"
        )
        print(
            "step arithmetic \(format(r.stepFlops / 1e9)) GFLOP: \(format(achieved)) GFLOP/s, "
                + "gemm \(format(r.gemmGflops)) GFLOP/s "
                + "(\(format(100 * achieved / r.gemmGflops))% of it)"
        )
        print("peak resident memory \(format(r.peakMiB)) MiB")
        if profile {
            print("per kernel (one profiled step, \(format(r.profiledSeconds * 1000)) ms):")
            for (name, e) in r.profile {
                let rate = e.flops > 0 ? ", \(format(e.flops / e.seconds / 1e9)) GFLOP/s" : ""
                print(
                    "  \(name): \(e.calls) calls, \(format(e.seconds * 1000)) ms "
                        + "(\(format(100 * e.seconds / r.profiledSeconds))%)\(rate)"
                )
            }
            print(
                "inference, per kernel (one profiled pass, "
                    + "\(format(r.profiledInferenceSeconds * 1000)) ms):"
            )
            for (name, e) in r.inferenceProfile {
                let rate = e.flops > 0 ? ", \(format(e.flops / e.seconds / 1e9)) GFLOP/s" : ""
                print(
                    "  \(name): \(e.calls) calls, \(format(e.seconds * 1000)) ms "
                        + "(\(format(100 * e.seconds / r.profiledInferenceSeconds))%)\(rate)"
                )
            }
        }
    }

    /// Median wall time of `body` over `repeats` runs, after one warm-up.
    func median(_ body: () -> Void) -> Double {
        body()
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<repeats {
            let d = clock.measure(body)
            times.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        }
        return times.sorted()[times.count / 2]
    }

    /// The gemm of the convolution's forward product: `[Cout, C·k²] · [C·k², N·H·W]`.
    func gemmRow() -> Row {
        var g = RandomGenerator(seed: 1)
        let out = (size + 2 * (kernel / 2) - kernel) / stride + 1
        let m = channels, k = channels * kernel * kernel, n = batch * out * out
        let a = Tensor<Float>.normal([m, k], generator: &g),
            b = Tensor<Float>.normal([k, n], generator: &g)
        let t = median { _ = Tensor.matmul(a, b) }
        return Row(
            name: "gemm \(m)×\(k)·\(k)×\(n)", seconds: t, rate: 2 * Double(m * k * n) / t / 1e9)
    }

    /// Max pooling 3×3, stride 2, padding 1 (the DDL pool) forward, with the positions of the
    /// maxima (training) or without them (inference).
    func poolRow(positions: Bool) -> Row {
        var g = RandomGenerator(seed: 3)
        let x = Tensor<Float>.normal([batch, channels, size, size], generator: &g)
        let t = median {
            if positions {
                _ = Tensor.maxPool2d(x, kernel: 3, stride: 2, padding: 1)
            } else {
                _ = Tensor.maxPool2d(x, kernel: 3, stride: 2, padding: 1, positions: false)
            }
        }
        let kind = positions ? "with positions" : "values only"
        return Row(
            name: "max_pool2d 3×3 s2 p1 \(batch)×\(channels)×\(size)×\(size) \(kind)",
            seconds: t, rate: Double(batch * channels * size * size * 4) / t / 1e9, bytes: true)
    }

    /// conv2d forward, forward with the weight's prepared form kept, and forward + backward
    /// (input and weight), with `--stride` and padding `kernel / 2`, by one algorithm; GFLOP/s
    /// count the direct convolution's arithmetic (effective for Winograd).
    func convRows(_ algorithm: ConvolutionAlgorithm) -> [Row] {
        var g = RandomGenerator(seed: 2)
        let x = Tensor<Float>.normal([batch, channels, size, size], generator: &g)
        let w = Tensor<Float>.kaimingUniform([channels, channels, kernel, kernel], generator: &g)
        let pad = kernel / 2
        let out = (size + 2 * pad - kernel) / stride + 1
        let dy = Tensor<Float>.normal([batch, channels, out, out], generator: &g)
        let c = ConvolutionSettings(stride: stride, padding: pad)
        let forward = median {
            _ = ForcedConvolution.forward(x, weight: w, bias: nil, c, algorithm: algorithm)
        }
        let prepared = ForcedConvolution.preparedWeight(w, c, algorithm: algorithm)
        let kept = median {
            _ = ForcedConvolution.forward(
                x, weight: w, bias: nil, c, algorithm: algorithm, prepared: prepared)
        }
        let both = median {
            _ = ForcedConvolution.forward(x, weight: w, bias: nil, c, algorithm: algorithm)
            _ = ForcedConvolution.backward(
                x, weight: w, upstream: dy, c, [.input, .weight], algorithm: algorithm)
        }
        let flops = 2 * Double(batch * channels * out * out * channels * kernel * kernel)
        let name = kernel != 3 ? "unfold" : "\(algorithm)"
        let strided = stride == 1 ? "" : " stride \(stride)"
        let shape =
            "\(batch)×\(channels)×\(size)×\(size) \(kernel)×\(kernel)\(strided), \(name)"
        return [
            Row(name: "conv2d fwd \(shape)", seconds: forward, rate: flops / forward / 1e9),
            Row(
                name: "conv2d fwd, weight kept \(shape)", seconds: kept,
                rate: flops / kept / 1e9),
            Row(name: "conv2d fwd+bwd \(shape)", seconds: both, rate: 3 * flops / both / 1e9),
        ]
    }

    func format(_ x: Double) -> String { String((x * 100).rounded() / 100) }
}
