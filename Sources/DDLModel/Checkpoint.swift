import Foundation
import HDF5Files
import Layers
import TensorCore

/// Which network a checkpoint holds.
public enum ModelKind: String, Codable, Sendable {
    case ddm, dfem, discriminator
}

/// What a checkpoint says about itself.
public struct CheckpointMetadata: Sendable {
    public var model: ModelKind
    /// The configuration (for a DFEM, `factors` are its own factors).
    public var config: DDLConfig
    public var epoch: Int

    public init(model: ModelKind, config: DDLConfig, epoch: Int) {
        self.model = model
        self.config = config
        self.epoch = epoch
    }
}

/// A checkpoint that is not what was asked for.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let reason: String
    public var description: String { "\(file): \(reason)" }
}

/// HDF5 checkpoints: root attributes `format` ("ddl-swift-checkpoint"), `format_version`,
/// `model`, `config` (JSON), `epoch`, and the group `state_dict/` holding every parameter and
/// buffer under its PyTorch name. `fixtures/load_swift_checkpoint.py` reads the same files
/// into the PyTorch definitions, and PyTorch-written ones load here.
public enum Checkpoint {
    public static let format = "ddl-swift-checkpoint"
    public static let formatVersion: Int64 = 1

    /// Writes a model atomically (temp file, then rename). `extra` may add groups (optimiser
    /// state, reference outputs).
    public static func save<C: StateContainer>(
        _ model: C, metadata: CheckpointMetadata, to path: String, extra: ((HDF5Group) throws -> Void)? = nil
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
    }

    /// Reads the metadata of a checkpoint file, checking its format.
    public static func metadata(of path: String) throws -> CheckpointMetadata {
        try metadata(try HDF5File.open(path).root)
    }

    static func metadata(_ root: HDF5Group) throws -> CheckpointMetadata {
        let path = root.file.path
        guard root.hasAttribute("format"), try root.stringAttribute("format") == format else {
            throw CheckpointError(file: path, reason: "not a ddl-swift checkpoint (no format attribute '\(format)')")
        }
        let version = try root.integerAttribute("format_version")
        guard version <= formatVersion else {
            throw CheckpointError(file: path, reason: "format version \(version) is newer than this build reads (\(formatVersion))")
        }
        let kindName = try root.stringAttribute("model")
        guard let kind = ModelKind(rawValue: kindName) else {
            throw CheckpointError(file: path, reason: "unknown model '\(kindName)' (expected ddm, dfem or discriminator)")
        }
        let json = try root.stringAttribute("config")
        let config: DDLConfig
        do { config = try DDLConfig.parse(json) } catch {
            throw CheckpointError(file: path, reason: "the config attribute is not a DDL configuration: \(json)")
        }
        return CheckpointMetadata(model: kind, config: config, epoch: Int(try root.integerAttribute("epoch")))
    }

    /// Loads a checkpoint into `model`, after checking that it holds the expected kind of
    /// model and that every name and shape agrees (all mismatches are reported at once).
    @discardableResult
    public static func load<C: StateContainer>(into model: C, kind: ModelKind, from path: String) throws -> CheckpointMetadata {
        let root = try HDF5File.open(path).root
        let meta = try metadata(root)
        guard meta.model == kind else {
            throw CheckpointError(file: path, reason: "holds a \(meta.model.rawValue), not a \(kind.rawValue)")
        }
        try model.readState(from: root.group("state_dict"))
        return meta
    }
}

extension DDM {
    /// A DDM built from a checkpoint's configuration, with its weights.
    public static func load(from path: String) throws -> (model: DDM, metadata: CheckpointMetadata) {
        let meta = try Checkpoint.metadata(of: path)
        let model = DDM(meta.config, seed: 0)
        try Checkpoint.load(into: model, kind: .ddm, from: path)
        return (model, meta)
    }
}

extension DFEM {
    /// A DFEM built from a checkpoint's configuration (its factors), with its weights.
    public static func load(from path: String) throws -> (model: DFEM, metadata: CheckpointMetadata) {
        let meta = try Checkpoint.metadata(of: path)
        guard !meta.config.factors.isEmpty else {
            throw CheckpointError(file: path, reason: "a DFEM checkpoint must list its factors in config")
        }
        let model = DFEM(width: meta.config.width, factors: meta.config.factors, finalPReLU: meta.config.finalPReLU, seed: 0)
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
            throw CheckpointError(file: path, reason: "has no trunk (no state_dict entry starts with 'trunk.')")
        }
        try readState(from: group, prefix: "trunk.")
        return meta
    }
}
