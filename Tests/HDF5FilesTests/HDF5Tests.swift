import Foundation
import HDF5Files
import Testing
import FastKernels
import TensorCore

/// A fresh temporary folder per test.
func temporaryFolder() -> String {
    let path = NSTemporaryDirectory() + "ddl-hdf5-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("HDF5 files")
struct HDF5Tests {
    @Test func roundTripKeepsEveryBit() throws {
        let path = temporaryFolder() + "/t.h5"
        var g = RandomGenerator(seed: 1)
        let f32 = Tensor<Float>.normal([2, 3, 4], generator: &g)
        let f64 = Tensor<Double>.normal([5], generator: &g)
        try HDF5File.write(to: path) { root in
            let group = try root.createGroup("params")
            try group.writeTensor("weight", f32)
            try group.writeTensor("scalar", Tensor<Double>(2.5))
            try root.writeTensor("f64", f64)
            try root.write("labels", shape: [3], values: [Int64(-1), 0, 6])
            try root.write("pixels", shape: [2, 2], values: [UInt8(0), 17, 128, 255])
            try root.setAttribute("component", "conv2d")
            try root.setAttribute("config", "{\"stride\": 2}")
            try root.setAttribute("seed", Int64(1234))
            try root.setAttribute("eps", 1e-6)
        }
        let file = try HDF5File.open(path)
        let root = try file.root
        #expect(try root.names() == ["f64", "labels", "params", "pixels"])
        #expect(try root.group("params").names() == ["scalar", "weight"])
        #expect(try root.group("params").readTensor("weight", as: Float.self) == f32)
        #expect(try root.group("params").readTensor("scalar", as: Double.self) == Tensor(2.5))
        #expect(try root.readTensor("f64", as: Double.self) == f64)
        #expect(try root.storedType(of: "f64") == "float64")
        #expect(try root.read("labels", as: Int64.self).values == [-1, 0, 6])
        #expect(try root.read("pixels", as: UInt8.self).values == [0, 17, 128, 255])
        #expect(try root.stringAttribute("component") == "conv2d")
        #expect(try root.stringAttribute("config") == "{\"stride\": 2}")
        #expect(try root.integerAttribute("seed") == 1234)
        #expect(try root.numberAttribute("eps") == 1e-6)
        #expect(Set(try root.attributeNames()) == ["component", "config", "seed", "eps"])
        #expect(root.kind(of: "params") == .group)
        #expect(root.kind(of: "f64") == .dataset)
        #expect(root.kind(of: "nope") == nil)
    }

    @Test func errorsNameTheFileAndThePath() throws {
        let dir = temporaryFolder()
        let path = dir + "/e.h5"
        try HDF5File.write(to: path) { root in
            try root.createGroup("inputs").writeTensor("x", Tensor<Double>.zeros([2, 3]))
            try root.write("labels", shape: [2], values: [Int64(1), 2])
        }
        let root = try HDF5File.open(path).root
        let inputs = try root.group("inputs")
        #expect(throws: HDF5Error(.missingObject, file: path, path: "/inputs/y", "no such dataset")) {
            _ = try inputs.readTensor("y", as: Double.self)
        }
        #expect(throws: HDF5Error(.wrongShape, file: path, path: "/inputs/x", "expected [3, 2], found [2, 3]")) {
            _ = try inputs.readTensor("x", as: Double.self, expectedShape: [3, 2])
        }
        #expect(throws: HDF5Error(.wrongType, file: path, path: "/labels", "expected float64, found int64")) {
            _ = try root.readTensor("labels", as: Double.self)
        }
        #expect(throws: HDF5Error(.wrongKind, file: path, path: "/inputs", "expected a dataset, found a group")) {
            _ = try root.readTensor("inputs", as: Double.self)
        }
        #expect(throws: HDF5Error(.missingObject, file: path, path: "/outputs", "no such group")) {
            _ = try root.group("outputs")
        }
        #expect(throws: HDF5Error(.missingObject, file: path, path: "/@component", "no such attribute")) {
            _ = try root.stringAttribute("component")
        }
        #expect(throws: HDF5Error(.missingFile, file: dir + "/none.h5", path: "/")) {
            _ = try HDF5File.open(dir + "/none.h5")
        }
        let text = dir + "/text.h5"
        try "not hdf5".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: HDF5Error(.notHDF5, file: text, path: "/")) { _ = try HDF5File.open(text) }
    }

    @Test func truncatedFileIsAnErrorNotACrash() throws {
        let dir = temporaryFolder()
        let path = dir + "/big.h5"
        try HDF5File.write(to: path) { root in
            try root.writeTensor("x", Tensor<Double>.ones([64, 64]))
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = dir + "/cut.h5"
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        #expect(throws: HDF5Error.self) {
            let root = try HDF5File.open(cut).root
            _ = try root.readTensor("x", as: Double.self)
        }
    }

    @Test func failedAtomicWriteKeepsThePreviousFile() throws {
        struct Boom: Error {}
        let dir = temporaryFolder()
        let path = dir + "/keep.h5"
        try HDF5File.write(to: path) { try $0.writeTensor("v", Tensor<Float>(1)) }
        #expect(throws: Boom.self) {
            try HDF5File.write(to: path) { root in
                try root.writeTensor("v", Tensor<Float>(2))
                throw Boom()
            }
        }
        #expect(try HDF5File.open(path).root.readTensor("v", as: Float.self) == Tensor(1))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["keep.h5"])
    }
}
