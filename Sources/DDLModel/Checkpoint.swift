import Foundation
import HDF5Files
import Layers
import FastKernels
import TensorCore

/// Which network a checkpoint holds.
public enum ModelKind: String, Codable, Sendable {
    /// The DDM, a DFEM or the discriminator D.
    case ddm, dfem, discriminator
}

/// What a checkpoint says about itself.
public struct CheckpointMetadata: Sendable {
    /// Which network the checkpoint holds.
    public var model: ModelKind
    /// The configuration (for a DFEM, `factors` are its own factors).
    public var config: DDLConfig
    /// The epoch the checkpoint was written at.
    public var epoch: Int
    /// How the training images became inputs (nil in checkpoints written before it was stored).
    public var input: InputSpec?

    /// Metadata from its parts.
    public init(model: ModelKind, config: DDLConfig, epoch: Int, input: InputSpec? = nil) {
        self.model = model
        self.config = config
        self.epoch = epoch
        self.input = input
    }
}

/// A checkpoint that is not what was asked for.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    /// The checkpoint file's path.
    public let file: String
    /// What is wrong with it.
    public let reason: String
    /// `file: reason`.
    public var description: String { "\(file): \(reason)" }

    /// A problem with the checkpoint `file`.
    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }
}

/// HDF5 checkpoints: root attributes `format` ("ddl-swift-checkpoint"), `format_version`,
/// `model`, `config` (JSON), `epoch`, optionally `preprocessing` (JSON, `InputSpec`), and
/// the group `state_dict/` holding every parameter and buffer under its PyTorch name.
/// `fixtures/load_swift_checkpoint.py` reads the same files into the PyTorch definitions,
/// and PyTorch-written ones load here.
public enum Checkpoint {
    /// The value of the root attribute `format`.
    public static let format = "ddl-swift-checkpoint"
    /// The newest `format_version` this build writes and reads.
    public static let formatVersion: Int64 = 1

    /// Writes a model atomically (temp file, then rename). `extra` may add groups (optimiser
    /// state, reference outputs).
    public static func save<C: StateContainer>(
        _ model: C, metadata: CheckpointMetadata, to path: String,
        extra: ((HDF5Group) throws -> Void)? = nil
    ) throws {
        try HDF5File.write(to: path) { root in
            try writeHeader(root, metadata)
            try model.writeState(to: root.createGroup("state_dict"))
            try extra?(root)
        }
    }

    /// Writes the metadata attributes.
    public static func writeHeader(_ root: HDF5Group, _ metadata: CheckpointMetadata) throws {
        try root.setAttribute("format", format)
        try root.setAttribute("format_version", formatVersion)
        try root.setAttribute("model", metadata.model.rawValue)
        try root.setAttribute("config", metadata.config.json)
        try root.setAttribute("epoch", Int64(metadata.epoch))
        if let input = metadata.input { try root.setAttribute("preprocessing", input.json) }
    }

    /// Reads the metadata of a checkpoint file, checking its format.
    public static func metadata(of path: String) throws -> CheckpointMetadata {
        try metadata(try HDF5File.open(path).root)
    }

    static func metadata(_ root: HDF5Group) throws -> CheckpointMetadata {
        let path = root.file.path
        guard root.hasAttribute("format"), try root.stringAttribute("format") == format else {
            throw CheckpointError(
                file: path, reason: "not a ddl-swift checkpoint (no format attribute '\(format)')")
        }
        let version = try root.integerAttribute("format_version")
        guard version <= formatVersion else {
            throw CheckpointError(
                file: path,
                reason:
                    "format version \(version) is newer than this build reads (\(formatVersion))")
        }
        let kindName = try root.stringAttribute("model")
        guard let kind = ModelKind(rawValue: kindName) else {
            throw CheckpointError(
                file: path,
                reason: "unknown model '\(kindName)' (expected ddm, dfem or discriminator)")
        }
        let json = try root.stringAttribute("config")
        let config: DDLConfig
        do { config = try DDLConfig.parse(json) } catch {
            throw CheckpointError(
                file: path, reason: "the config attribute is not a DDL configuration: \(json)")
        }
        let problems = ModelSize.boundProblems(config)
        guard problems.isEmpty else {
            throw CheckpointError(
                file: path, reason: "/@config: " + problems.joined(separator: "; "))
        }
        var input: InputSpec?
        if root.hasAttribute("preprocessing") {
            let text = try root.stringAttribute("preprocessing")
            do { input = try InputSpec.parse(text) } catch {
                throw CheckpointError(
                    file: path,
                    reason: "/@preprocessing is not a preprocessing description: \(text)")
            }
        }
        return CheckpointMetadata(
            model: kind, config: config, epoch: Int(try root.integerAttribute("epoch")),
            input: input)
    }

    /// Refuses a model whose weights alone would not fit in this machine's memory.
    static func checkFits(scalars: Double, _ what: String, file: String) throws {
        let bytes = scalars * 4
        guard bytes < ModelSize.physicalMemory / 2 else {
            throw CheckpointError(
                file: file,
                reason:
                    "\(what) has \(Int(scalars)) weights (\(ModelSize.describe(bytes: bytes))), "
                        + "more than half of this machine's "
                        + "\(ModelSize.describe(bytes: ModelSize.physicalMemory)) memory"
            )
        }
    }

    /// Refuses a loaded state with a NaN or an infinity, naming every such entry and the
    /// first bad index of each.
    public static func checkFinite<C: StateContainer>(
        _ model: C, file: String, prefix: String = "state_dict/"
    ) throws {
        var bad: [String] = []
        for entry in model.stateEntries() {
            let tensor: Tensor<C.Scalar>
            switch entry {
            case .parameter(_, let v): tensor = v.value
            case .buffer(_, let b): tensor = b.value
            case .counter: continue
            }
            if let i = tensor.scalars.firstIndex(where: { !$0.isFinite }) {
                bad.append(
                    "\(prefix)\(entry.name) has \(tensor.scalars[i]) at \(tensor.multiIndex(i))")
            }
        }
        guard bad.isEmpty else {
            throw CheckpointError(
                file: file, reason: "non-finite weights: " + bad.joined(separator: "; "))
        }
    }

    /// Loads a checkpoint into `model`, after checking that it holds the expected kind of
    /// model and that every name and shape agrees (all mismatches are reported at once).
    @discardableResult
    public static func load<C: StateContainer>(into model: C, kind: ModelKind, from path: String)
        throws -> CheckpointMetadata
    {
        let root = try HDF5File.open(path).root
        let meta = try metadata(root)
        guard meta.model == kind else {
            throw CheckpointError(
                file: path, reason: "holds a \(meta.model.rawValue), not a \(kind.rawValue)")
        }
        try model.readState(from: root.group("state_dict"))
        try checkFinite(model, file: path)
        return meta
    }
}

extension DDM {
    /// A DDM built from a checkpoint's configuration, with its weights.
    public static func load(from path: String) throws -> (model: DDM, metadata: CheckpointMetadata)
    {
        let meta = try Checkpoint.metadata(of: path)
        try Checkpoint.checkFits(scalars: ModelSize.ddmScalars(meta.config), "its DDM", file: path)
        let model = DDM(meta.config, seed: 0)
        try Checkpoint.load(into: model, kind: .ddm, from: path)
        return (model, meta)
    }
}

extension DFEM {
    /// A DFEM built from a checkpoint's configuration (its factors), with its weights.
    public static func load(from path: String) throws -> (model: DFEM, metadata: CheckpointMetadata)
    {
        let meta = try Checkpoint.metadata(of: path)
        guard !meta.config.factors.isEmpty else {
            throw CheckpointError(
                file: path, reason: "a DFEM checkpoint must list its factors in config")
        }
        let scalars = ModelSize.dfemScalars(
            width: meta.config.width, factors: meta.config.factors,
            finalPReLU: meta.config.finalPReLU)
        try Checkpoint.checkFits(scalars: scalars, "its DFEM", file: path)
        let model = DFEM(
            width: meta.config.width, factors: meta.config.factors,
            finalPReLU: meta.config.finalPReLU, seed: 0)
        try Checkpoint.load(into: model, kind: .dfem, from: path)
        return (model, meta)
    }
}

extension Trunk {
    /// Loads the trunk S_g from any checkpoint that has one (a DDM's, a DFEM's or
    /// `ddl pretrain-trunk`'s): its `trunk.*` entries, checked name by name and shape by
    /// shape against this trunk, so a checkpoint of another width is refused with every
    /// mismatched entry listed. Returns the checkpoint's metadata.
    @discardableResult
    public func load(fromCheckpoint path: String) throws -> CheckpointMetadata {
        let root = try HDF5File.open(path).root
        let meta = try Checkpoint.metadata(root)
        let group = try root.group("state_dict")
        guard try group.names().contains(where: { $0.hasPrefix("trunk.") }) else {
            throw CheckpointError(
                file: path, reason: "has no trunk (no state_dict entry starts with 'trunk.')")
        }
        try readState(from: group, prefix: "trunk.")
        try Checkpoint.checkFinite(self, file: path, prefix: "state_dict/trunk.")
        return meta
    }
}
