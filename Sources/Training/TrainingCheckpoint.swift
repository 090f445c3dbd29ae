import DDLModel
import Foundation
import HDF5Files
import Layers
import FastKernels
import TensorCore

extension Optimizer {
    /// Writes the optimiser's state tensors and step count into `group`.
    public func write(to group: HDF5Group) throws {
        try group.setAttribute("step_count", Int64(stepCount))
        try group.setAttribute("learning_rate", learningRate)
        for (name, tensor) in stateTensors() { try group.writeTensor(name, tensor) }
    }

    /// Restores the optimiser from a group written by `write(to:)`.
    public func read(from group: HDF5Group) throws {
        var state: [String: Tensor<Scalar>] = [:]
        var bad: [String] = []
        for name in try group.names() {
            let tensor = try group.readTensor(name, as: Scalar.self)
            if let i = tensor.scalars.firstIndex(where: { !$0.isFinite }) {
                bad.append(
                    "\(group.childPath(name)) has \(tensor.scalars[i]) at \(tensor.multiIndex(i))")
            }
            state[name] = tensor
        }
        guard bad.isEmpty else {
            throw TrainingError.resumeMismatch(
                file: group.file.path,
                problems: ["non-finite optimiser state: " + bad.joined(separator: "; ")])
        }
        do {
            try restore(state: state, stepCount: Int(try group.integerAttribute("step_count")))
        } catch let e as OptimizerStateError {
            throw TrainingError.resumeMismatch(
                file: group.file.path, problems: e.problems.map { "\(group.path): \($0)" })
        }
        learningRate = try group.numberAttribute("learning_rate")
    }
}

/// The training state of a run, in one HDF5 checkpoint written atomically after every epoch:
/// the main model under `state_dict/` (so `DDM.load` and `DFEM.load` read it), other models
/// under `<role>/state_dict/`, optimisers under `optimizer/<role>/`, and the run's options,
/// epoch and best result as attributes of `training/`.
public struct RunState: Sendable {
    /// Completed epochs.
    public var epoch: Int
    /// The run's training options.
    public var options: TrainingOptions
    /// Best test accuracy so far and the epoch (1-based) it was reached (test-set selection).
    public var bestAccuracy: Double?
    /// The epoch of `bestAccuracy`, counted from 1.
    public var bestEpoch: Int?
    /// Paths of the frozen DFEM checkpoints a DDM run uses.
    public var dfemPaths: [String]
    /// SHA-256 of each DFEM checkpoint file, in `dfemPaths` order (empty in older checkpoints).
    public var dfemDigests: [String] = []
    /// SHA-256 of the content of each data set by role (`train`, `test`, `disturbance`,
    /// `held_out`; `ContentDigest.of`), empty in older checkpoints.
    public var dataDigests: [String: String] = [:]

    /// A state after `epoch` completed epochs; the digests start empty.
    public init(
        epoch: Int, options: TrainingOptions, bestAccuracy: Double? = nil, bestEpoch: Int? = nil,
        dfemPaths: [String] = []
    ) {
        self.epoch = epoch
        self.options = options
        self.bestAccuracy = bestAccuracy
        self.bestEpoch = bestEpoch
        self.dfemPaths = dfemPaths
    }

    func write(to root: HDF5Group) throws {
        let t = try root.createGroup("training")
        try t.setAttribute("options", options.json)
        try t.setAttribute("completed_epochs", Int64(epoch))
        if let bestAccuracy, let bestEpoch {
            try t.setAttribute("best_accuracy", bestAccuracy)
            try t.setAttribute("best_epoch", Int64(bestEpoch))
        }
        try t.setAttribute("dfem_paths", dfemPaths.joined(separator: "\n"))
        try t.setAttribute("dfem_digests", dfemDigests.joined(separator: "\n"))
        let digests = try JSONSerialization.data(
            withJSONObject: dataDigests, options: [.sortedKeys])
        try t.setAttribute("data_digests", String(decoding: digests, as: UTF8.self))
    }

    /// The differences between the digests saved in a checkpoint and those of the data and
    /// DFEMs given now (none for digests an older checkpoint did not store).
    func digestDifferences(now: RunState) -> [String] {
        func short(_ d: String) -> String { String(d.prefix(12)) + "…" }
        var problems: [String] = []
        for role in dataDigests.keys.sorted() {
            guard let saved = dataDigests[role] else { continue }
            let current = now.dataDigests[role] ?? "none"
            if saved != current {
                problems.append(
                    "\(role) data: checkpoint sha256 \(short(saved)), now \(short(current))")
            }
        }
        if !dfemDigests.isEmpty {
            for (k, saved) in dfemDigests.enumerated() {
                let current = k < now.dfemDigests.count ? now.dfemDigests[k] : "none"
                let path = k < now.dfemPaths.count ? now.dfemPaths[k] : "none"
                if saved != current {
                    problems.append("--dfem \(path): checkpoint sha256 "
                        + "\(short(saved)) (\(k < dfemPaths.count ? dfemPaths[k] : "?")), now "
                        + "\(short(current))")
                }
            }
            if now.dfemDigests.count > dfemDigests.count {
                problems.append(
                    "\(now.dfemDigests.count) DFEMs now, \(dfemDigests.count) in the checkpoint")
            }
        }
        return problems
    }

    /// Opens a run's checkpoint to resume it, refusing it (with every difference) when it
    /// was written with other options or another model configuration.
    static func resume(
        from path: String, options: TrainingOptions, config: DDLConfig, now: RunState
    ) throws -> (root: HDF5Group, state: RunState) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TrainingError.noCheckpoint(path)
        }
        let root = try HDF5File.open(path).root
        var saved = try read(from: root)
        var problems = options.differences(from: saved.options) + saved.digestDifferences(now: now)
        let model = try Checkpoint.metadata(of: path).config
        if model != config {
            problems.append("model: checkpoint \(model.json), now \(config.json)")
        }
        guard problems.isEmpty else {
            throw TrainingError.resumeMismatch(file: path, problems: problems)
        }
        saved.options = options
        // The same content under new paths (a moved DFEM): the checkpoint records where they
        // are now.
        saved.dfemPaths = now.dfemPaths
        saved.dfemDigests = now.dfemDigests
        saved.dataDigests = now.dataDigests
        return (root, saved)
    }

    static func read(from root: HDF5Group) throws -> RunState {
        let t = try root.group("training")
        let options = try TrainingOptions.parse(try t.stringAttribute("options"))
        let paths = try t.stringAttribute("dfem_paths").split(separator: "\n").map(String.init)
        var state = RunState(
            epoch: Int(try t.integerAttribute("completed_epochs")), options: options,
            dfemPaths: paths)
        if t.hasAttribute("dfem_digests") {
            state.dfemDigests = try t.stringAttribute("dfem_digests").split(separator: "\n").map(
                String.init)
        }
        if t.hasAttribute("data_digests") {
            let json = try t.stringAttribute("data_digests")
            guard
                let digests = (try? JSONSerialization.jsonObject(with: Data(json.utf8)))
                    as? [String: String]
            else {
                throw TrainingError.resumeMismatch(
                    file: root.file.path,
                    problems: ["/training@data_digests is not a JSON object of digests: \(json)"])
            }
            state.dataDigests = digests
        }
        if t.hasAttribute("best_accuracy") {
            state.bestAccuracy = try t.numberAttribute("best_accuracy")
            state.bestEpoch = Int(try t.integerAttribute("best_epoch"))
        }
        return state
    }
}
