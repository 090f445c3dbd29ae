import ArgumentParser
import Autodiff
import TensorCore

/// `ddl bench --op conv2d|gemm`: micro-benchmarks of the kernels, in GFLOP/s.
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure kernel throughput (build with -c release for meaningful numbers).",
        discussion: """
            --op conv2d times a convolution forward and backward (input and weight gradients) at a
            ResNet-like shape, next to the BLAS gemm of the same machine at the shape of the
            convolution's main product. Reports the median of --repeats runs.
            """
    )

    @Option(help: "What to measure: conv2d or gemm.")
    public var op: String = "conv2d"
    @Option(help: "Batch size.") public var batch: Int = 16
    @Option(help: "Input and output channels.") public var channels: Int = 64
    @Option(help: "Input height and width.") public var size: Int = 45
    @Option(help: "Kernel size.") public var kernel: Int = 3
    @Option(help: "Timed repetitions (the median is reported).") public var repeats: Int = 5
    @Option(help: "BLAS threads (default: OpenBLAS's own choice).") public var threads: Int?
    @Flag(help: "Print JSON instead of a table.") public var json = false

    public init() {}

    public func validate() throws {
        guard ["conv2d", "gemm"].contains(op) else { throw ValidationError("--op must be conv2d or gemm, got '\(op)'") }
        guard batch > 0, channels > 0, size >= kernel, repeats > 0 else {
            throw ValidationError("--batch, --channels and --repeats must be positive and --size at least --kernel")
        }
    }

    public func run() throws {
        if let threads { BLASThreads.set(threads) }
        let rows = op == "gemm" ? [gemmRow()] : [gemmRow(), convRow()]
        if json {
            let items = rows.map { "{\"name\": \"\($0.name)\", \"seconds\": \($0.seconds), \"gflops\": \($0.gflops)}" }
            print("{\"threads\": \(BLASThreads.count), \"results\": [" + items.joined(separator: ", ") + "]}")
        } else {
            print("threads: \(BLASThreads.count) (BLAS), float32, median of \(repeats)")
            for r in rows { print("\(r.name): \(format(r.seconds * 1000)) ms, \(format(r.gflops)) GFLOP/s") }
        }
    }

    struct Row { let name: String; let seconds: Double; let gflops: Double }

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
        let out = (size + 2 * (kernel / 2) - kernel) + 1
        let m = channels, k = channels * kernel * kernel, n = batch * out * out
        let a = Tensor<Float>.normal([m, k], generator: &g), b = Tensor<Float>.normal([k, n], generator: &g)
        let t = median { _ = Tensor.matmul(a, b) }
        return Row(name: "gemm \(m)×\(k)·\(k)×\(n)", seconds: t, gflops: 2 * Double(m * k * n) / t / 1e9)
    }

    /// conv2d forward + backward (input and weight) with stride 1 and same padding.
    func convRow() -> Row {
        var g = RandomGenerator(seed: 2)
        let x = Variable(Tensor<Float>.normal([batch, channels, size, size], generator: &g), requiresGrad: true)
        let w = Variable(Tensor<Float>.kaimingUniform([channels, channels, kernel, kernel], generator: &g), requiresGrad: true)
        let pad = kernel / 2
        let out = size + 2 * pad - kernel + 1
        let dy = Tensor<Float>.normal([batch, channels, out, out], generator: &g)
        let t = median {
            let y = conv2d(x, weight: w, bias: nil, stride: 1, padding: pad)
            y.backward(upstream: dy)
            x.zeroGrad(); w.zeroGrad()
        }
        let flops = 3 * 2 * Double(batch * channels * out * out * channels * kernel * kernel)
        return Row(name: "conv2d fwd+bwd \(batch)×\(channels)×\(size)×\(size) \(kernel)×\(kernel)", seconds: t, gflops: flops / t / 1e9)
    }

    func format(_ x: Double) -> String { String((x * 100).rounded() / 100) }
}
