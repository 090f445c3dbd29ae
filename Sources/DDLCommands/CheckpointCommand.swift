import ArgumentParser
import Autodiff
import DDLModel
import Foundation
import HDF5Files
import Layers
import FastKernels
import TensorCore

/// `ddl checkpoint`: make and read checkpoint files.
public struct CheckpointCommand: ParsableCommand {
    /// The command's name, help text and subcommands for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Create or describe checkpoint files (HDF5, PyTorch state-dict names).",
        subcommands: [Create.self, Show.self]
    )

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// `ddl checkpoint create`: a freshly initialised DDM (or DFEM) with reference outputs.
    public struct Create: ParsableCommand {
        /// The command's name and help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Write a freshly initialised model, with evaluation outputs for a seeded "
                + "input under reference/.",
            discussion: "fixtures/load_swift_checkpoint.py loads such a file into the PyTorch "
                + "definitions and compares the outputs."
        )
        /// The `ModelOptions` option group.
        @OptionGroup public var model: ModelOptions
        /// `--kind`: The model to write (a DFEM gets the configuration's first factor group).
        @Option(help: "The model to write (a DFEM gets the configuration's first factor group).")
        public var kind: CheckpointKind = .ddm
        /// `--seed`: Seed of the initial weights and of the reference input.
        @Option(help: "Seed of the initial weights and of the reference input.")
        public var seed: UInt64 = 0
        /// `--out`: The checkpoint file to write.
        @Option(help: "The checkpoint file to write.") public var out: String
        /// `--overwrite`: Replace an existing --out file.
        @Flag(help: "Replace an existing --out file.") public var overwrite = false

        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}

        /// Runs `ddl checkpoint create` with the parsed options.
        public func run() throws {
            guard overwrite || !FileManager.default.fileExists(atPath: out) else {
                throw ValidationError(
                    "\(out) already exists: use --overwrite to replace it (or another --out)")
            }
            let config = model.config()
            var g = RandomGenerator(seed: seed &+ 1)
            let input = Tensor<Float>.normal(
                [2, 3, config.inputSize, config.inputSize], generator: &g)
            switch kind {
            case .ddm:
                let ddm = DDM<Float>(config, seed: seed)
                let output = withoutGradients { ddm(Variable(input), mode: .eval) }
                try Checkpoint.save(
                    ddm, metadata: CheckpointMetadata(model: .ddm, config: config, epoch: 0),
                    to: out
                ) { root in
                    let r = try root.createGroup("reference")
                    try r.writeTensor("input", input)
                    try r.writeTensor("logits", output.logits.value)
                    if let fd = output.fd { try r.writeTensor("f_d", fd.value) }
                }
                print("wrote \(out): DDM \(config.variant.rawValue) (\(config.preset.rawValue)), "
                    + "\(ddm.parameterCount) parameters")
            case .dfem:
                guard let factors = config.dfemFactorGroups.first else {
                    throw ValidationError("variant \(config.variant.rawValue) has no DFEM")
                }
                var c = config
                c.factors = factors
                let dfem = DFEM<Float>(
                    width: config.width, factors: factors, finalPReLU: config.finalPReLU, seed: seed
                )
                let output = withoutGradients { dfem(Variable(input), mode: .eval) }
                try Checkpoint.save(
                    dfem, metadata: CheckpointMetadata(model: .dfem, config: c, epoch: 0), to: out
                ) { root in
                    let r = try root.createGroup("reference")
                    try r.writeTensor("input", input)
                    try r.writeTensor("f_p", output.fp.value)
                    for (f, l) in output.logits { try r.writeTensor("logits_\(f.name)", l.value) }
                }
                print("wrote \(out): DFEM (\(factors.map(\.name).joined(separator: ", "))), "
                    + "\(dfem.parameterCount) parameters")
            }
        }
    }

    /// `ddl checkpoint show FILE`: metadata and a state-dict summary.
    public struct Show: ParsableCommand {
        /// The command's name and help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print a checkpoint's metadata and state dict.")
        /// `<file>`: The checkpoint file.
        @Argument(help: "The checkpoint file.") public var file: String
        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}

        /// Runs `ddl checkpoint show FILE` with the parsed options.
        public func run() throws {
            let meta = try Checkpoint.metadata(of: file)
            print("\(file): \(meta.model.rawValue), epoch \(meta.epoch)")
            print("config \(meta.config.json)")
            let state = try HDF5File.open(file).root.group("state_dict")
            var total = 0
            for name in try state.names() {
                let shape = try state.shape(of: name)
                if !name.hasSuffix("num_batches_tracked") && !name.hasSuffix("running_mean")
                    && !name.hasSuffix("running_var")
                {
                    total += shape.reduce(1, *)
                }
                print("  \(name) \(describe(shape))")
            }
            print("parameters \(total)")
        }
    }
}
