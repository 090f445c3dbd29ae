import ArgumentParser
import DDLModel
import Foundation
import HDF5Files
import Layers
import Training

/// `ddl export`: a checkpoint's state dict in a file the Python ecosystem opens without this code.
public struct ExportCommand: ParsableCommand {
    /// The command's name and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a DDM or DFEM checkpoint's state dict as safetensors or a torch .pt file "
            + "(PyTorch state_dict names).",
        discussion: """
            The safetensors file holds every parameter and buffer under its torch state_dict \
            name (float32; num_batches_tracked as int64 scalars) and, in __metadata__, the \
            model kind, the configuration, the preprocessing, the epoch, this version and the \
            SHA-256 of the source checkpoint. `safetensors.torch.load_file` reads it; \
            `fixtures/run_trained_model.py` builds the PyTorch model of fixtures/ddl_torch.py \
            from it and runs it on images. --format pytorch writes the same state dict as \
            torch.save would (its ZIP layout and pickle), which torch.load(path, \
            weights_only=True) reads; it carries no metadata.
            """
    )
    /// `--checkpoint`: A DDM or DFEM checkpoint.
    @Option(help: "A DDM or DFEM checkpoint.") public var checkpoint: String
    /// `--format`: The format to write.
    @Option(help: "The format to write.") public var format: ExportFormat = .safetensors
    /// `--out`: The file to write.
    @Option(help: "The file to write.") public var out: String

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Runs `ddl export` with the parsed options.
    public func run() throws {
        let meta = try Checkpoint.metadata(of: checkpoint)
        let tensors: [SafetensorsTensor]
        switch meta.model {
        case .ddm: tensors = Safetensors.tensors(of: try DDM<Float>.load(from: checkpoint).model)
        case .dfem: tensors = Safetensors.tensors(of: try DFEM<Float>.load(from: checkpoint).model)
        case .discriminator:
            throw CheckpointError(
                file: checkpoint,
                reason: "holds a discriminator; export takes a DDM or a DFEM checkpoint")
        }
        var metadata = [
            "format": "pt", "model": meta.model.rawValue, "config": meta.config.json,
            "epoch": String(meta.epoch),
            "version": DDLVersion.current,
            "source_sha256": try SHA256Digest.hexOfFile(atPath: checkpoint),
        ]
        if let p = meta.input { metadata["preprocessing"] = p.json }
        let bytes: [UInt8]
        switch format {
        case .safetensors: bytes = Safetensors.encode(tensors, metadata: metadata)
        case .pytorch: bytes = TorchStateDictFile.encode(tensors)
        }
        try FileSystemError.wrap("writing the export", path: out) {
            try Data(bytes).write(to: URL(fileURLWithPath: out), options: .atomic)
        }
        print(
            "\(out): \(tensors.count) tensors, \(bytes.count) bytes (\(meta.model.rawValue), "
                + "epoch \(meta.epoch))"
        )
    }
}
