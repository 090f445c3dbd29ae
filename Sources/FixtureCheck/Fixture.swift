import Foundation
import HDF5Files
import FastKernels
import TensorCore

/// A fixture file that cannot be interpreted: the file, the path inside it, and why.
public struct FixtureError: Error, CustomStringConvertible, Sendable {
    /// The fixture file.
    public let file: String
    /// The path inside the file.
    public let path: String
    /// Why it cannot be interpreted.
    public let reason: String

    /// An error about `path` in `file`.
    public init(file: String, path: String, _ reason: String) {
        self.file = file
        self.path = path
        self.reason = reason
    }

    /// The error as one line: `file: path: reason`.
    public var description: String { "\(file): \(path): \(reason)" }
}

/// One PyTorch fixture, in the schema of `fixtures/README.md`.
public struct Fixture {
    /// The file on disk.
    public let path: String
    /// The component it checks (`conv2d`, `attention_block`, …).
    public let component: String
    /// The component's configuration, as JSON.
    public let configJSON: String
    /// `float64` or `float32`: the precision the Swift side runs in.
    public let dtype: String
    /// A tolerance the file sets for itself (root attributes `atol`, `rtol`), overriding the
    /// defaults of its dtype; generate.py says why wherever it sets one.
    public let tolerance: (atol: Double, rtol: Double)?
    /// Input names in call order.
    public let inputOrder: [String]
    /// Who made the file: script, versions, seed, date.
    public let provenance: [String: String]
    let root: HDF5Group

    /// The groups every fixture has.
    public static let requiredGroups = [
        "inputs", "parameters", "buffers", "buffers_after", "outputs", "upstream", "grads"
    ]

    /// Opens and checks the outline of a fixture file.
    public init(path: String) throws {
        self.path = path
        let root = try HDF5File.open(path).root
        self.root = root
        for group in Self.requiredGroups {
            _ = try root.group(group)
        }
        _ = try root.group("grads").group("inputs")
        _ = try root.group("grads").group("parameters")
        component = try root.stringAttribute("component")
        configJSON = try root.stringAttribute("config")
        dtype = try root.stringAttribute("dtype")
        guard dtype == "float64" || dtype == "float32" else {
            throw FixtureError(
                file: path, path: "/@dtype", "dtype must be float64 or float32, found '\(dtype)'")
        }
        if root.hasAttribute("atol") || root.hasAttribute("rtol") {
            tolerance = (try root.numberAttribute("atol"), try root.numberAttribute("rtol"))
        } else {
            tolerance = nil
        }
        let order = try root.stringAttribute("input_order")
        guard let names = try? JSONDecoder().decode([String].self, from: Data(order.utf8)) else {
            throw FixtureError(
                file: path, path: "/@input_order", "not a JSON list of names: \(order)")
        }
        inputOrder = names
        try Self.checkPairs(root, path: path)
        var provenance: [String: String] = [:]
        for key in ["script", "torch_version", "date"] {
            provenance[key] = try root.stringAttribute(key)
        }
        provenance["seed"] = String(try root.integerAttribute("seed"))
        self.provenance = provenance
    }

    /// Checks that paired datasets agree in shape: each gradient with its input or parameter,
    /// each upstream gradient with its output, each buffer after with its buffer before.
    static func checkPairs(_ root: HDF5Group, path: String) throws {
        let pairs = [
            ("grads/inputs", "inputs"), ("grads/parameters", "parameters"), ("upstream", "outputs"),
            ("buffers_after", "buffers")
        ]
        for (derived, base) in pairs {
            var dg = root, bg = root
            for part in derived.split(separator: "/") { dg = try dg.group(String(part)) }
            bg = try bg.group(base)
            for name in try dg.names() {
                guard bg.contains(name) else {
                    throw FixtureError(
                        file: path, path: "/\(derived)/\(name)",
                        "has no counterpart /\(base)/\(name)")
                }
                let a = try dg.shape(of: name), b = try bg.shape(of: name)
                guard a == b else {
                    throw FixtureError(
                        file: path, path: "/\(derived)/\(name)",
                        "shape \(describe(a)) does not match /\(base)/\(name) \(describe(b))")
                }
            }
        }
    }

    /// Decodes the configuration into `T`.
    public func config<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(configJSON.utf8))
        } catch {
            throw FixtureError(
                file: path, path: "/@config",
                "cannot read the configuration \(configJSON): \(error)")
        }
    }

    /// The group at a slash-separated path below the root.
    func group(_ path: String) throws -> HDF5Group {
        var g = root
        for part in path.split(separator: "/") { g = try g.group(String(part)) }
        return g
    }

    /// Every floating-point tensor of a group, by name.
    public func tensors<S: TensorScalar>(
        _ groupPath: String, as: S.Type = S.self
    ) throws -> [String: Tensor<S>] {
        let g = try group(groupPath)
        var result: [String: Tensor<S>] = [:]
        for name in try g.names() where try g.storedType(of: name).hasPrefix("float") {
            result[name] = try g.readTensor(name, as: S.self)
        }
        return result
    }

    /// One tensor of a group; a clear error when missing.
    public func tensor<S: TensorScalar>(
        _ groupPath: String, _ name: String, as: S.Type = S.self
    ) throws -> Tensor<S> {
        try group(groupPath).readTensor(name, as: S.self)
    }

    /// An integer dataset (labels) as `[Int]`.
    public func integers(_ groupPath: String, _ name: String) throws -> [Int] {
        try group(groupPath).read(name, as: Int64.self).values.map { Int($0) }
    }

    /// The names in a group.
    public func names(_ groupPath: String) throws -> [String] { try group(groupPath).names() }

    /// An error about this fixture.
    public func error(_ path: String, _ reason: String) -> FixtureError {
        FixtureError(file: self.path, path: path, reason)
    }
}
