import Autodiff
import HDF5Files
import FastKernels
import TensorCore

/// A state dict that does not fit a model: every missing, unexpected and mis-shaped entry at
/// once, with the file and group it came from.
public struct StateDictMismatch: Error, CustomStringConvertible, Sendable {
    /// The file the state dict came from.
    public let file: String
    /// The group within it.
    public let group: String
    /// Entries the model has and the file lacks, with the model's shapes.
    public let missing: [(name: String, shape: [Int])]
    /// Entries the file has and the model lacks, with the file's shapes.
    public let unexpected: [(name: String, shape: [Int])]
    /// Entries whose shapes differ.
    public let wrongShape: [(name: String, model: [Int], file: [Int])]

    /// One line naming the file and group, then one per bad entry.
    public var description: String {
        var lines = ["\(file): \(group): the state dict does not fit the model"]
        for m in missing { lines.append("  missing \(m.name) \(describe(m.shape))") }
        for u in unexpected { lines.append("  unexpected \(u.name) \(describe(u.shape))") }
        for w in wrongShape {
            lines.append("  \(w.name): model \(describe(w.model)), file \(describe(w.file))")
        }
        return lines.joined(separator: "\n")
    }
}

extension StateContainer {
    /// The shape of every entry by name (`[]` for counters).
    public func stateShapes() -> [(name: String, shape: [Int])] {
        stateEntries().map { entry in
            switch entry {
            case .parameter(let n, let v): (n, v.value.shape)
            case .buffer(let n, let b): (n, b.value.shape)
            case .counter(let n, _): (n, [])
            }
        }
    }

    /// Writes every entry into `group` under its state-dict name, in the model's precision
    /// (`num_batches_tracked` as an int64 scalar).
    public func writeState(to group: HDF5Group) throws {
        for entry in stateEntries() {
            switch entry {
            case .parameter(let n, let v): try group.writeTensor(n, v.value)
            case .buffer(let n, let b): try group.writeTensor(n, b.value)
            case .counter(let n, let c): try group.write(n, shape: [], values: [c.value])
            }
        }
    }

    /// Loads every entry from `group`, after checking that the names and shapes agree
    /// exactly; nothing is changed when they do not.
    /// - Parameter prefix: read only the file's entries whose names start with it, with the
    ///   prefix removed (e.g. `"trunk."` loads a DDM's or DFEM's trunk into a `Trunk`).
    /// - Throws: `StateDictMismatch` listing every problem, or an `HDF5Error`.
    public func readState(from group: HDF5Group, prefix: String = "") throws {
        let names = try group.names().filter { $0.hasPrefix(prefix) }
        var fileShapes: [String: [Int]] = [:]
        for n in names { fileShapes[String(n.dropFirst(prefix.count))] = try group.shape(of: n) }
        var missing: [(String, [Int])] = [], wrong: [(String, [Int], [Int])] = []
        let model = stateShapes()
        for (n, shape) in model {
            guard let f = fileShapes[n] else { missing.append((n, shape)); continue }
            if f != shape { wrong.append((n, shape, f)) }
        }
        let known = Set(model.map(\.name))
        let unexpected = fileShapes.keys.sorted().filter { !known.contains($0) }.map {
            ($0, fileShapes[$0] ?? [])
        }
        guard missing.isEmpty, unexpected.isEmpty, wrong.isEmpty else {
            func named(_ n: String) -> String { prefix + n }
            throw StateDictMismatch(
                file: group.file.path, group: group.path,
                missing: missing.map { (named($0.0), $0.1) },
                unexpected: unexpected.map { (named($0.0), $0.1) },
                wrongShape: wrong.map { (named($0.0), $0.1, $0.2) })
        }
        // Read everything before assigning anything, so a read error changes nothing.
        var values: [Int: Tensor<Scalar>] = [:], counts: [Int: Int64] = [:]
        let entries = stateEntries()
        for (i, entry) in entries.enumerated() {
            switch entry {
            case .parameter(let n, _), .buffer(let n, _):
                values[i] = try group.readTensor(prefix + n, as: Scalar.self)
            case .counter(let n, _):
                counts[i] = try group.read(prefix + n, as: Int64.self).values.first ?? 0
            }
        }
        for (i, entry) in entries.enumerated() {
            switch entry {
            case .parameter(_, let v): if let t = values[i] { v.assign(t) }
            case .buffer(_, let b): if let t = values[i] { b.value = t }
            case .counter(_, let c): c.value = counts[i] ?? 0
            }
        }
    }

    /// Copies every entry's value from another container of the same structure.
    public func copyState<Other: StateContainer>(from other: Other) where Other.Scalar == Scalar {
        let source = Dictionary(uniqueKeysWithValues: other.stateEntries().map { ($0.name, $0) })
        for entry in stateEntries() {
            guard let s = source[entry.name] else {
                preconditionFailure("copyState: no entry \(entry.name)")
            }
            switch (entry, s) {
            case (.parameter(_, let v), .parameter(_, let w)): v.assign(w.value)
            case (.buffer(_, let b), .buffer(_, let c)): b.value = c.value
            case (.counter(_, let a), .counter(_, let c)): a.value = c.value
            default: preconditionFailure("copyState: \(entry.name) is of another kind")
            }
        }
    }
}
