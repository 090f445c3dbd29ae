import ArgumentParser
import Autodiff
import DDLModel
import Layers
import FastKernels
import TensorCore

/// `ddl inspect`: the shapes and parameter counts of a configuration.
public struct InspectCommand: ParsableCommand {
    /// The command's name and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract:
            "Print every level, attention and head shape and the parameter counts of a DDL model.",
        discussion:
            "Runs one evaluation-mode forward pass of a single zero image through the DDM "
                + "and its DFEMs."
    )

    /// The `ModelOptions` option group.
    @OptionGroup public var model: ModelOptions

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Runs `ddl inspect` with the parsed options.
    public func run() throws {
        for line in Self.report(model.config()) { print(line) }
    }

    /// The lines `ddl inspect` prints for a configuration.
    public static func report(_ config: DDLConfig) -> [String] {
        let ddm = DDM<Float>(config, seed: 0)
        let x = Variable(Tensor<Float>.zeros([1, 3, config.inputSize, config.inputSize]))
        let out = withoutGradients { ddm(x, mode: .eval) }
        func shape(_ v: Variable<Float>) -> String { describe(Array(v.shape.dropFirst())) }
        var lines = ["preset \(config.preset.rawValue), variant \(config.variant.rawValue), width "
            + "\(config.width), input \(config.inputSize)×\(config.inputSize), "
            + "\(config.classes) classes"]
        for (j, u) in out.us.enumerated() { lines.append("u_\(j + 1)  \(shape(u))") }
        for (j, a) in out.expressionAs.enumerated() { lines.append("S_e a_\(j + 1)  \(shape(a))") }
        for (j, a) in out.disturbanceAs.enumerated() { lines.append("S_d a_\(j + 1)  \(shape(a))") }
        lines.append("expression head input (a_out)  \(shape(out.aOut))")
        lines.append("logits  \(shape(out.logits))")
        if let fd = out.fd { lines.append("f_d  \(shape(fd))") }
        lines.append("DDM trainable parameters  \(ddm.parameterCount)")
        for (k, factors) in config.dfemFactorGroups.enumerated() {
            let dfem = DFEM<Float>(
                width: config.width, factors: factors, finalPReLU: config.finalPReLU, seed: 1)
            let names = factors.map { "\($0.name) \($0.classes)" }.joined(separator: ", ")
            let fp = withoutGradients { dfem(x, mode: .eval).fp }
            lines.append("DFEM \(k) (\(names)): f_p \(shape(fp)), trainable parameters "
                + "\(dfem.parameterCount)")
        }
        if config.variant.usesDisturbanceBranch {
            var g = RandomGenerator(seed: 2)
            lines.append(
                "D trainable parameters  \(Discriminator<Float>(generator: &g).parameterCount)")
        }
        return lines
    }
}

/// Options that pick a model configuration, shared by the commands that build one.
public struct ModelOptions: ParsableArguments {
    /// `--preset`: The preset.
    @Option(help: "The preset.") public var preset: Preset = .paper
    /// `--variant`: A Table 1 variant.
    @Option(help: "A Table 1 variant.") public var variant: Variant = .ddlGARIDILP
    /// `--width`: Width w (64 in the paper).
    @Option(help: "Width w (64 in the paper).") public var width: Int = 64
    /// The `--input` option.
    @Option(help: """
        Input side (90 in the paper). Training: the crop side, so give one of --input and --crop.
        """)
    public var input: Int?
    /// `--classes`: Expression classes (default 7; training takes the data's count unless set).
    @Option(help: "Expression classes (default 7; training takes the data's count unless set).")
    public var classes: Int?

    /// Empty options, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
    public func validate() throws {
        guard width >= 1, (classes ?? 7) >= 2 else {
            throw ValidationError("--width must be ≥ 1 and --classes ≥ 2")
        }
        guard width <= ModelSize.maximumWidth else {
            throw ValidationError("--width \(width) is larger than \(ModelSize.maximumWidth) (the "
                + "paper uses 64); such a model would not fit in memory")
        }
        guard (classes ?? 7) <= ModelSize.maximumClasses else {
            throw ValidationError(
                "--classes \(classes ?? 7) is larger than \(ModelSize.maximumClasses)")
        }
        guard (input ?? 90) >= 16, (input ?? 90) <= ModelSize.maximumInputSize else {
            throw ValidationError("--input must be in 16…\(ModelSize.maximumInputSize) (five "
                + "levels halve it), got \(input ?? 90)")
        }
    }

    /// The configuration these options describe.
    public func config() -> DDLConfig {
        DDLConfig(
            preset: preset, variant: variant, width: width, inputSize: input ?? 90,
            classes: classes ?? 7)
    }

    /// Whether `--classes` was given.
    public var classesWereSet: Bool { classes != nil }
}
