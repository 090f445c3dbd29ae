import Autodiff
import DDLCommands
import DDLModel
import FaceData
import FaceDatasets
import Foundation
import Layers
import FastKernels
import TensorCore
import Testing
import Training

/// The image of face `i` of `set` as interleaved RGB (sets hold planar CHW bytes).
func rgbImage(_ set: FaceSet, _ i: Int) -> RGBImage {
    let n = set.size, plane = n * n, face = Array(set.image(i))
    return RGBImage(width: n, height: n) { x, y in (face[y * n + x], face[plane + y * n + x], face[2 * plane + y * n + x]) }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in the bytes.
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        return (0...(count - needle.count)).contains { i in self[i..<(i + needle.count)].elementsEqual(needle) }
    }
}

/// A tensor read back from a safetensors file by this test's own parser.
struct ParsedTensor {
    var dtype: String
    var shape: [Int]
    var begin: Int
    var end: Int
}

/// Parses a safetensors file: the 8-byte little-endian header length, the JSON header, the
/// data section. Returns the tensors, the metadata and the data bytes.
func parseSafetensors(_ bytes: [UInt8]) throws -> (tensors: [String: ParsedTensor], metadata: [String: String], data: [UInt8]) {
    try #require(bytes.count >= 8)
    var length = 0
    for k in 0..<8 { length |= Int(bytes[k]) << (8 * k) }
    try #require(8 + length <= bytes.count)
    let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
    var tensors: [String: ParsedTensor] = [:]
    var metadata: [String: String] = [:]
    for (key, value) in header {
        if key == "__metadata__" {
            metadata = try #require(value as? [String: String])
            continue
        }
        let entry = try #require(value as? [String: Any])
        let offsets = try #require(entry["data_offsets"] as? [Int])
        tensors[key] = ParsedTensor(dtype: try #require(entry["dtype"] as? String), shape: try #require(entry["shape"] as? [Int]),
                                    begin: offsets[0], end: offsets[1])
    }
    return (tensors, metadata, Array(bytes[(8 + length)...]))
}

@Suite("After training: predict, export, evaluate --json", .serialized)
struct AfterTrainingTests {
    let small = ["--synthetic-size", "20", "--synthetic-train", "28", "--synthetic-test", "14",
                 "--synthetic-disturbance", "28", "--identities", "8"]

    /// A one-epoch baseline_mat run on small synthetic faces, in `dir/run`, data in `dir/data`.
    func trainTiny(_ dir: String) throws {
        try ddl(["synth", "--out", dir + "/data"] + small)
        try ddl(["train", "--run", dir + "/run", "--variant", "baseline_mat", "--width", "2", "--epochs", "2",
                 "--batch-size", "8", "--data", dir + "/data"])
    }

    @Test func predictWritesOneRowPerImageWithProbabilitiesThatSumToOne() throws {
        let dir = scratchDirectory()
        try trainTiny(dir)
        let checkpoint = dir + "/run/checkpoint.h5"
        let meta = try Checkpoint.metadata(of: checkpoint)
        let stored = try #require(meta.input)
        #expect(stored.imageSize == 20 && stored.inputSize == 18 && stored.scaling == .symmetric)
        #expect(stored.classNames == expressionNames)
        // Faces of the test set as PNG (lossless) and JPEG files in a folder.
        let test = try FaceSet.load(from: dir + "/data/test.h5")
        let faces = dir + "/faces"
        for i in 0..<6 { try ImageCodecs.write(rgbImage(test, i), to: faces + "/face\(i).png", as: .png) }
        for i in 6..<9 { try ImageCodecs.write(rgbImage(test, i), to: faces + "/sub/face\(i).jpg", as: .jpeg, quality: 95) }
        try "not an image".write(toFile: faces + "/notes.txt", atomically: true, encoding: .utf8)
        let result = try shell("\"$DDL\" predict --checkpoint \(checkpoint) \(faces) --out \(dir)/predictions.csv", in: dir, timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try String(contentsOfFile: dir + "/predictions.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "path," + expressionNames.joined(separator: ",") + ",top_class")
        #expect(lines.count == 1 + 9)
        var probabilities: [String: [Double]] = [:]
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",").map(String.init)
            try #require(fields.count == 1 + 7 + 1)
            let p = fields[1...7].compactMap { Double($0) }
            try #require(p.count == 7)
            #expect(abs(p.reduce(0, +) - 1) <= 1e-5, "\(line)")
            #expect(p.allSatisfy { $0 >= 0 && $0 <= 1 })
            let top = try #require(p.indices.max { p[$0] < p[$1] })
            #expect(fields[8] == expressionNames[top])
            probabilities[fields[0]] = p
        }
        // A PNG of a training-sized face goes through the same crop and scaling as
        // evaluation: the same probabilities as the model computes on the face set.
        let (ddm, _) = try DDM<Float>.load(from: checkpoint)
        var unused = RandomGenerator(seed: 0)
        let x = Augmentation(crop: 18, flip: false).batch(test, indices: Array(0..<6), training: false, generator: &unused, as: Float.self)
        let logits = withoutGradients { ddm(Variable(x), mode: .eval).logits.value }
        for i in 0..<6 {
            let row = (0..<7).map { Double(logits.scalars[i * 7 + $0]) }
            let e = row.map { Foundation.exp($0 - (row.max() ?? 0)) }
            let want = e.map { $0 / e.reduce(0, +) }
            let got = try #require(probabilities[faces + "/face\(i).png"])
            for (a, b) in zip(got, want) { #expect(abs(a - b) <= 1e-6, "face\(i): \(got) against \(want)") }
        }
        // JSON too, with the provenance.
        let json = try shell("\"$DDL\" predict --json --checkpoint \(checkpoint) \(faces)/face0.png \(faces)/sub", in: dir, timeout: 120)
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["predictions"] as? [[String: Any]])?.count == 4)
        #expect(object["checkpoint_epoch"] as? Int == 2)
        #expect((object["preprocessing"] as? [String: Any])?["scaling"] as? String == "x*2/255-1")
        // A corrupt image is an error naming it.
        let bad = faces + "/bad.png"
        try Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]).write(to: URL(fileURLWithPath: bad))
        let refused = try shell("\"$DDL\" predict --checkpoint \(checkpoint) \(bad)", in: dir, timeout: 60)
        #expect(refused.status != 0 && refused.stderr.contains(bad))
    }

    @Test func landmarksAlignAFaceAnywhereInAPictureAsTheDatabasesAre() throws {
        let dir = scratchDirectory()
        try trainTiny(dir)
        let checkpoint = dir + "/run/checkpoint.h5"
        let test = try FaceSet.load(from: dir + "/data/test.h5")
        let face = rgbImage(test, 0)
        try ImageCodecs.write(face, to: dir + "/face.png", as: .png)
        // The face at twice its size, off centre in a larger grey picture: the eye centres
        // given put it back exactly (a 2×2 block average, then whole-pixel samples).
        let big = RGBImage(width: 100, height: 60) { x, y in
            let fx = (x - 30) / 2, fy = (y - 10) / 2
            guard x >= 30, y >= 10, fx < 20, fy < 20 else { return (90, 90, 90) }
            let i = 3 * (fy * 20 + fx)
            return (face.pixels[i], face.pixels[i + 1], face.pixels[i + 2])
        }
        try ImageCodecs.write(big, to: dir + "/pictures/big.png", as: .png)
        try "path,left_x,left_y,right_x,right_y\nelsewhere/big.png,42.3,25.5,56.7,25.5\n".write(toFile: dir + "/eyes.csv", atomically: true, encoding: .utf8)
        func probabilities(_ arguments: String) throws -> [Double] {
            let r = try shell("\"$DDL\" predict --checkpoint \(checkpoint) \(arguments)", in: dir, timeout: 120)
            #expect(r.status == 0, "\(r.stderr)")
            let row = r.stdout.split(separator: "\n").dropFirst().first.map { $0.split(separator: ",") } ?? []
            return row.dropFirst().dropLast().compactMap { Double($0) }
        }
        let reference = try probabilities("face.png")
        let aligned = try probabilities("pictures/big.png --landmarks eyes.csv")
        let centred = try probabilities("pictures/big.png")
        #expect(reference.count == 7 && aligned.count == 7 && centred.count == 7)
        for (a, b) in zip(aligned, reference) { #expect(abs(a - b) <= 1e-6, "\(aligned) against \(reference)") }
        #expect(zip(centred, reference).contains { abs($0 - $1) > 1e-4 }, "the centred square should be another crop")
        // A malformed row is an error naming the file and the line.
        try "path,left_x,left_y,right_x,right_y\nbig.png,1,2,3\n".write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
        let bad = try shell("\"$DDL\" predict --checkpoint \(checkpoint) pictures/big.png --landmarks bad.csv", in: dir)
        #expect(bad.status != 0 && bad.stderr.contains("bad.csv") && bad.stderr.contains("2"), "\(bad.stderr)")
    }

    /// A tiny run's checkpoint exported by the binary as `format`, and the file's bytes.
    func exported(_ format: String) throws -> (checkpoint: String, bytes: [UInt8]) {
        let dir = scratchDirectory()
        try trainTiny(dir)
        let checkpoint = dir + "/run/checkpoint.h5"
        let result = try shell("\"$DDL\" export --checkpoint \(checkpoint) --format \(format) --out \(dir)/model.out", in: dir, timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        return (checkpoint, [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/model.out"))))
    }

    @Test func exportWritesSafetensorsWithTheCheckpointsValues() throws {
        let (checkpoint, bytes) = try exported("safetensors")
        let (tensors, metadata, data) = try parseSafetensors(bytes)
        let (ddm, meta) = try DDM<Float>.load(from: checkpoint)
        #expect(metadata["config"] == meta.config.json)
        #expect(metadata["model"] == "ddm" && metadata["epoch"] == "2")
        #expect(metadata["preprocessing"].flatMap { try? InputSpec.parse($0) } == meta.input)
        let entries = ddm.stateEntries()
        #expect(Set(tensors.keys) == Set(entries.map(\.name)))
        // Offsets tile the data section exactly, in order.
        let spans = tensors.values.map { ($0.begin, $0.end) }.sorted { $0.0 < $1.0 }
        #expect(spans.first?.0 == 0 && spans.last?.1 == data.count)
        for (a, b) in zip(spans, spans.dropFirst()) { #expect(a.1 == b.0) }
        for entry in entries {
            let t = try #require(tensors[entry.name])
            let raw = Array(data[t.begin..<t.end])
            switch entry {
            case .parameter(_, let v):
                #expect(t.dtype == "F32" && t.shape == v.value.shape)
                #expect(floats(raw) == v.value.scalars, "\(entry.name)")
            case .buffer(_, let b):
                #expect(t.dtype == "F32" && t.shape == b.value.shape)
                #expect(floats(raw) == b.value.scalars, "\(entry.name)")
            case .counter(_, let c):
                #expect(t.dtype == "I64" && t.shape == [])
                var value: Int64 = 0
                for k in 0..<8 { value |= Int64(raw[k]) << (8 * Int64(k)) }
                #expect(value == c.value && value > 0, "\(entry.name)")
            }
        }
    }

    @Test func exportPytorchWritesTorchsZipLayoutWithTheCheckpointsBytes() throws {
        let (checkpoint, bytes) = try exported("pytorch")
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        // The end record, then every central-directory entry and its local file.
        let end = bytes.count - 22
        try #require(end > 0 && u32(end) == 0x0605_4B50)
        let entries = u16(end + 10)
        var position = u32(end + 16)
        var files: [String: [UInt8]] = [:]
        for _ in 0..<entries {
            try #require(u32(position) == 0x0201_4B50)
            let size = u32(position + 20), nameLength = u16(position + 28), local = u32(position + 42)
            let name = String(decoding: bytes[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
            try #require(u32(local) == 0x0403_4B50 && u16(local + 8) == 0)  // stored
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            #expect(start % 64 == 0, "\(name) data at \(start)")
            files[name] = Array(bytes[start..<(start + size)])
            position += 46 + nameLength
        }
        #expect(files["archive/byteorder"] == Array("little".utf8))
        #expect(files["archive/version"] == Array("3\n".utf8))
        let pickle = try #require(files["archive/data.pkl"])
        #expect(pickle.prefix(2) == [0x80, 2] && pickle.last == 0x2E)
        let (ddm, _) = try DDM<Float>.load(from: checkpoint)
        for (k, entry) in ddm.stateEntries().enumerated() {
            #expect(pickle.contains(subsequence: Array(entry.name.utf8)), "\(entry.name) not in data.pkl")
            let data = try #require(files["archive/data/\(k)"], "no data/\(k) for \(entry.name)")
            switch entry {
            case .parameter(_, let v): #expect(floats(data) == v.value.scalars, "\(entry.name)")
            case .buffer(_, let b): #expect(floats(data) == b.value.scalars, "\(entry.name)")
            case .counter(_, let c): #expect(data.count == 8 && Int64(data[0]) | Int64(data[1]) << 8 == c.value, "\(entry.name)")
            }
        }
        #expect(files.count == ddm.stateEntries().count + 3)
    }

    /// Little-endian float32s.
    func floats(_ raw: [UInt8]) -> [Float] {
        stride(from: 0, to: raw.count, by: 4).map { i in
            Float(bitPattern: UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24)
        }
    }

    @Test func evaluateJSONIsCompleteAndAgreesWithItsConfusionMatrix() throws {
        let dir = scratchDirectory()
        try trainTiny(dir)
        // best.h5 holds the epoch of the best test accuracy (the first of equals), not the last.
        let records = try EpochLog(path: dir + "/run/log.jsonl").records()
        let bestEpoch = try #require(records.max { ($0.testAccuracy ?? -1) < ($1.testAccuracy ?? -1) }?.epoch)
        #expect(try Checkpoint.metadata(of: dir + "/run/best.h5").epoch == bestEpoch)
        #expect(try Checkpoint.metadata(of: dir + "/run/checkpoint.h5").epoch == 2)
        let result = try shell("\"$DDL\" evaluate --json --checkpoint \(dir)/run/checkpoint.h5 --data \(dir)/data --confusion \(dir)/confusion.png", in: dir, timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        for key in ["accuracy", "mean_class_accuracy", "per_class", "confusion", "checkpoint_epoch", "data_digest", "faces", "version", "log"] {
            #expect(object[key] != nil, "no \(key)")
        }
        let confusion = try #require(object["confusion"] as? [String: Any])
        let names = try #require(confusion["class_names"] as? [String])
        let matrix = try #require(confusion["matrix"] as? [[Int]])
        #expect(names == expressionNames && matrix.count == 7)
        let total = matrix.flatMap { $0 }.reduce(0, +), correct = (0..<7).map { matrix[$0][$0] }.reduce(0, +)
        #expect(object["faces"] as? Int == total && total == 14)
        #expect(abs((object["accuracy"] as? Double ?? -1) - Double(correct) / Double(total)) < 1e-12)
        let perClass = try #require(object["per_class"] as? [[String: Any]])
        var accuracies: [Double] = []
        for (c, entry) in perClass.enumerated() {
            #expect(entry["name"] as? String == names[c])
            #expect(entry["count"] as? Int == matrix[c].reduce(0, +))
            #expect(entry["correct"] as? Int == matrix[c][c])
            if let a = entry["accuracy"] as? Double {
                #expect(abs(a - Double(matrix[c][c]) / Double(matrix[c].reduce(0, +))) < 1e-12)
                accuracies.append(a)
            }
        }
        #expect(abs((object["mean_class_accuracy"] as? Double ?? -1) - accuracies.reduce(0, +) / Double(accuracies.count)) < 1e-12)
        #expect(object["checkpoint_epoch"] as? Int == 2)
        #expect((object["data_digest"] as? String)?.count == 64)
        #expect((object["log"] as? [String: Any])?["last_epoch"] as? Int == 2)
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/confusion.png"))
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
    }

    @Test func theLogHasAHeaderAndCountsEpochsFromOne() throws {
        let dir = scratchDirectory()
        try trainTiny(dir)
        let text = try String(contentsOfFile: dir + "/run/log.jsonl", encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 3)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: [String: Any]])
        #expect(header["run_header"]?["epoch_base"] as? Int == 1)
        #expect(header["run_header"]?["version"] as? String == DDLVersion.current)
        #expect(header["run_header"]?["seed"] as? Int == 0)
        #expect(try EpochLog(path: dir + "/run/log.jsonl").records().map(\.epoch) == [1, 2])
        #expect(lines[1].contains("\"epoch\":1"))
        // A log written before headers (epochs from 0) reads as 1-based.
        let old = dir + "/old.jsonl"
        try (lines.dropFirst().map { $0.replacingOccurrences(of: "\"epoch\":1", with: "\"epoch\":0").replacingOccurrences(of: "\"epoch\":2", with: "\"epoch\":1") }
            .joined(separator: "\n") + "\n").write(toFile: old, atomically: true, encoding: .utf8)
        #expect(try EpochLog(path: old).records().map(\.epoch) == [1, 2])
        #expect(try EpochLog(path: old).header() == nil)
    }
}

@Suite("Predict applies the run's resize and grayscale", .serialized)
struct PredictPreprocessingTests {
    @Test func aResizedGreyRunIsPredictedAsItWasTrained() throws {
        let dir = scratchDirectory()
        try ddl(["synth", "--out", dir + "/data", "--synthetic-size", "20", "--synthetic-train", "28", "--synthetic-test", "14",
                 "--synthetic-disturbance", "28", "--identities", "8"])
        try ddl(["train", "--run", dir + "/run", "--variant", "baseline_mat", "--width", "2", "--epochs", "1",
                 "--batch-size", "8", "--data", dir + "/data", "--resize", "22", "--grayscale"])
        let checkpoint = dir + "/run/checkpoint.h5"
        let stored = try #require(try Checkpoint.metadata(of: checkpoint).input)
        #expect(stored.resize == 22 && stored.grayscale == true && stored.imageSize == 20)
        // evaluate, visualize attention and predict all feed faces through this one choice
        let evaluation = Augmentation.evaluation(of: try Checkpoint.metadata(of: checkpoint))
        #expect(evaluation.preprocessing == Preprocessing(resize: 22, grayscale: true) && evaluation.crop == 18 && !evaluation.flip)
        let figure = try shell("\"$DDL\" visualize attention --checkpoint \(checkpoint) --data \(dir)/data --out \(dir)/attention.png",
                               in: dir, timeout: 120)
        #expect(figure.status == 0, "\(figure.stderr)")
        let test = try FaceSet.load(from: dir + "/data/test.h5")
        for i in 0..<4 { try ImageCodecs.write(rgbImage(test, i), to: dir + "/faces/face\(i).png", as: .png) }
        let result = try shell("\"$DDL\" predict --checkpoint \(checkpoint) \(dir)/faces --json", in: dir, timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let rows = try #require(object["predictions"] as? [[String: Any]])
        try #require(rows.count == 4)
        let (ddm, _) = try DDM<Float>.load(from: checkpoint)
        var unused = RandomGenerator(seed: 0)
        let steps = Preprocessing(resize: 22, grayscale: true)
        let x = Augmentation(crop: 18, flip: false, preprocessing: steps)
            .batch(test, indices: Array(0..<4), training: false, generator: &unused, as: Float.self)
        let plain = Augmentation(crop: 18, flip: false).batch(test, indices: Array(0..<4), training: false, generator: &unused, as: Float.self)
        #expect(x.scalars != plain.scalars, "the preprocessing must change the inputs, or this test cannot fail")
        let logits = withoutGradients { ddm(Variable(x), mode: .eval).logits.value }
        for row in rows {
            let path = try #require(row["path"] as? String)
            let i = try #require(Int(path.dropLast(4).split(separator: "e").last ?? ""))
            let got = try #require(row["probabilities"] as? [String: Double])
            let l = (0..<7).map { Double(logits.scalars[i * 7 + $0]) }
            let e = l.map { Foundation.exp($0 - (l.max() ?? 0)) }
            for (k, name) in expressionNames.enumerated() {
                let want = e[k] / e.reduce(0, +)
                #expect(abs((got[name] ?? -1) - want) <= 1e-6, "\(path) \(name)")
            }
        }
    }
}
