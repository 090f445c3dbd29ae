import Foundation
import HDF5Files
import Training
import Testing

@Suite("SHA-256 digest")
struct DigestTests {
    // FIPS 180-4 examples and a few padding boundaries, checked against Python's hashlib.
    static let vectors: [(message: String, hex: String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
             + "klmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        (String(repeating: "q", count: 64),
         "ee8e658590c9a5e119400a774415a01db104de1ee6e2c29ec69aa73ef46544d2"),
    ]

    @Test func fipsVectors() {
        for v in Self.vectors {
            #expect(SHA256Digest.hex(ofString: v.message) == v.hex, "\(v.message.count) bytes")
            #expect(SHA256Digest.hex(of: Data(v.message.utf8)) == v.hex)
        }
        var d = SHA256Digest()
        d.update([UInt8]("abc".utf8))
        #expect(d.finalize().count == 32)
        #expect(d.finalize().first == 0xba && d.finalize().last == 0xad)
    }

    @Test func paddingBoundaries() {
        // 55 and 56 bytes: the length fits in the last block, or needs one more.
        #expect(SHA256Digest.hex(of: Data(repeating: 0xff, count: 55))
                    == "aadaed00a3c5fbb8072ae7f1984ba8199fbe5272de427d11eaf31583af37db51")
        #expect(SHA256Digest.hex(of: Data(repeating: 0, count: 56))
                    == "d4817aa5497628e7c77e6b606107042bbba3130888c5f47a375e6179be789fbb")
    }

    @Test func oneMillionA() {
        #expect(SHA256Digest.hex(of: Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
                    == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalPiecesEqualOneUpdate() {
        let bytes = (0..<768).map { UInt8(truncatingIfNeeded: $0) }
        var whole = SHA256Digest()
        whole.update(bytes)
        var pieces = SHA256Digest()
        var start = 0
        var size = 1
        while start < bytes.count {
            let end = min(bytes.count, start + size)
            if size % 2 == 0 {
                pieces.update(Data(bytes[start..<end]))
            } else {
                // A sequence without contiguous storage takes the element-wise path.
                pieces.update(bytes[start..<end].lazy.map { $0 })
            }
            start = end
            size += 6  // 1, 7, 13, … bytes: odd sizes that straddle block edges
        }
        #expect(pieces.finalize() == whole.finalize())
        // Hex of the first 256 × 3 bytes, by hashlib.
        let hex = whole.finalize().map { String(format: "%02x", $0) }.joined()
        #expect(hex == "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363")
        // finalize() leaves the state usable: appending continues the same message.
        var continued = SHA256Digest()
        continued.update(Array(bytes[0..<100]))
        _ = continued.finalize()
        continued.update(Array(bytes[100...]))
        #expect(continued.finalize() == whole.finalize())
    }

    @Test func fileDigestEqualsInMemoryDigest() throws {
        let folder = NSTemporaryDirectory() + "ddl-digest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Larger than one 1 MiB chunk, and not a multiple of 64 bytes.
        let data = Data((0..<(3 << 19) + 13).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let path = folder + "/blob.bin"
        try data.write(to: URL(fileURLWithPath: path))
        #expect(try SHA256Digest.hexOfFile(atPath: path) == SHA256Digest.hex(of: data))
        let empty = folder + "/empty.bin"
        try Data().write(to: URL(fileURLWithPath: empty))
        #expect(try SHA256Digest.hexOfFile(atPath: empty) == SHA256Digest.hex(of: Data()))
    }

    @Test func missingFileNamesThePath() {
        let path = NSTemporaryDirectory() + "ddl-digest-missing-\(UUID().uuidString).bin"
        do {
            _ = try SHA256Digest.hexOfFile(atPath: path)
            Issue.record("expected a FileSystemError")
        } catch let error as FileSystemError {
            #expect(error.path == path)
            #expect(error.description.contains(path))
            #expect(!error.reason.isEmpty)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

@Suite("Training options as JSON")
struct TrainingOptionsJSONTests {
    @Test func keysAreSnakeCaseAndOlderCamelCaseStillReads() throws {
        var o = TrainingOptions()
        o.batchSize = 8
        o.learningRate = 3e-3
        #expect(o.json.contains("\"batch_size\":8") && o.json.contains("\"learning_rate\":0.003") && o.json.contains("\"weight_decay\""))
        #expect(!o.json.contains("batchSize"))
        #expect(try TrainingOptions.parse(o.json) == o)
        let old = #"{"batchSize":8,"beta1":0.5,"beta2":0.999,"crop":90,"dropout":true,"epochs":40,"flip":true,"gamma":0.1,"learningRate":0.003,"milestones":[10,18,25,32],"seed":0,"weightDecay":0.0005}"#
        #expect(try TrainingOptions.parse(old) == o)
    }
}
