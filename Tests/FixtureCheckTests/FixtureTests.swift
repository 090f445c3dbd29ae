import FixtureCheck
import Foundation
import HDF5Files
import Testing
import FastKernels
import TensorCore

/// The repository's `fixtures/` folder.
let fixturesFolder: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("fixtures").path
}()

/// Every committed fixture, relative to `fixtures/`.
let committedFixtures: [String] = {
    let all = FileManager.default.enumerator(atPath: fixturesFolder)?.compactMap { $0 as? String } ?? []
    return all.filter { $0.hasSuffix(".h5") && !$0.hasPrefix("checkpoints/") }.sorted()
}()

@Suite("PyTorch fixtures")
struct FixtureTests {
    @Test func fixturesAreCommitted() {
        #expect(committedFixtures.count >= 79)
    }

    @Test("every committed fixture matches", arguments: committedFixtures)
    func committedFixtureMatches(_ file: String) throws {
        let report = try FixtureVerifier().verify(path: fixturesFolder + "/" + file)
        let failures = report.comparisons.filter { !$0.result.passed }.map { "\($0.name): \($0.result)" }
        #expect(failures.isEmpty, "\(failures.prefix(3).joined(separator: "\n"))")
        #expect(report.comparisons.contains { $0.name.hasPrefix("outputs/") })
    }

    @Test func fixturesRecordTheirProvenance() throws {
        let f = try Fixture(path: fixturesFolder + "/ops/conv2d_s2p1_23.h5")
        #expect(f.provenance["script"] == "fixtures/generate.py")
        #expect(f.provenance["torch_version"]?.isEmpty == false)
        #expect(f.provenance["seed"] != nil)
        #expect(f.inputOrder == ["x", "weight"])
    }
}

/// Copies a fixture through the Swift HDF5 layer, changing it on the way.
func copyFixture(
    _ source: String, to target: String, dropGroup: String? = nil,
    change: (String, Tensor<Double>) -> Tensor<Double> = { $1 },
    attribute: (String, String) -> String = { $1 }
) throws {
    let root = try HDF5File.open(source).root
    try HDF5File.write(to: target) { out in
        for key in try root.attributeNames() {
            if let s = try? root.stringAttribute(key) {
                try out.setAttribute(key, attribute(key, s))
            } else {
                try out.setAttribute(key, try root.integerAttribute(key))
            }
        }
        func copy(_ from: HDF5Group, _ to: HDF5Group) throws {
            for name in try from.names() {
                let path = from.childPath(name)
                if path.hasPrefix("/") && String(path.dropFirst()) == dropGroup { continue }
                if from.kind(of: name) == .group {
                    try copy(try from.group(name), try to.createGroup(name))
                } else if try from.storedType(of: name).hasPrefix("int") {
                    let v = try from.read(name, as: Int64.self)
                    try to.write(name, shape: v.shape, values: v.values)
                } else {
                    try to.writeTensor(name, change(path, try from.readTensor(name, as: Double.self)))
                }
            }
        }
        try copy(root, out)
    }
}

@Suite("Corrupt fixtures give clear errors")
struct CorruptFixtureTests {
    let source = fixturesFolder + "/ops/conv2d_s2p1_23.h5"

    func folder() -> String {
        let path = NSTemporaryDirectory() + "ddl-fixtures-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func expectError(_ path: String, mentioning parts: [String]) {
        do {
            _ = try FixtureVerifier().verify(path: path)
            Issue.record("expected an error for \(path)")
        } catch {
            let text = "\(error)"
            #expect(text.contains(path), "\(text)")
            for p in parts { #expect(text.contains(p), "\(text)") }
        }
    }

    @Test func truncatedFile() throws {
        let path = folder() + "/truncated.h5"
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: path))
        expectError(path, mentioning: [])
    }

    @Test func missingGroup() throws {
        let path = folder() + "/no-upstream.h5"
        try copyFixture(source, to: path, dropGroup: "upstream")
        expectError(path, mentioning: ["/upstream", "no such group"])
    }

    @Test func gradientWithTheWrongShape() throws {
        let path = folder() + "/bad-grad.h5"
        try copyFixture(source, to: path) { name, t in name == "/grads/inputs/weight" ? t.reshaped([2, 3, 3, 3]) : t }
        expectError(path, mentioning: ["/grads/inputs/weight", "[2, 3, 3, 3]", "[3, 2, 3, 3]"])
    }

    @Test func inputsThatDoNotFitTheOp() throws {
        let path = folder() + "/bad-weight.h5"
        try copyFixture(source, to: path) { name, t in
            name == "/inputs/weight" || name == "/grads/inputs/weight" ? t.reshaped([3, 1, 6, 3]) : t
        }
        expectError(path, mentioning: ["/inputs", "conv2d", "[3, 1, 6, 3]"])
    }

    @Test func notAFixtureAtAll() throws {
        let path = folder() + "/plain.h5"
        try HDF5File.write(to: path) { try $0.writeTensor("x", Tensor<Double>.zeros([2])) }
        expectError(path, mentioning: ["/inputs", "no such group"])
    }

    @Test func changedValuesFailTheComparison() throws {
        let path = folder() + "/drifted.h5"
        try copyFixture(source, to: path) { name, t in name == "/outputs/output" ? t + 1e-6 : t }
        let report = try FixtureVerifier().verify(path: path)
        #expect(!report.passed)
        #expect(report.comparisons.first { !$0.result.passed }?.name == "outputs/output")
    }
}
