import Foundation
import HDF5Files

/// SHA-256 (FIPS 180-4, section 6.2), fed incrementally.
///
/// ```
/// var d = SHA256Digest()
/// d.update(Data("ab".utf8))
/// d.update(Data("c".utf8))
/// let bytes = d.finalize()  // 32 bytes: ba 78 16 bf …
/// ```
public struct SHA256Digest: Sendable {
    /// The working hash H⁽ⁱ⁾ (section 5.3.3 gives H⁽⁰⁾).
    private var state: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
        0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    /// Bytes not yet forming a whole 64-byte block (always fewer than 64).
    private var pending: [UInt8] = []
    /// The message length so far, in bytes.
    private var byteCount: UInt64 = 0

    /// An empty message's digest state.
    public init() {
        pending.reserveCapacity(64)
    }

    /// The round constants K₀…K₆₃ (section 4.2.2): the first 32 bits of the fractional
    /// parts of the cube roots of the first 64 primes.
    static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1,
        0x923f_82a4, 0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3,
        0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786,
        0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147,
        0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13,
        0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
        0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a,
        0x5b9c_ca4f, 0x682e_6ff3, 0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208,
        0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    // MARK: Feeding

    /// Appends `bytes` to the message.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            absorb(UnsafeRawBufferPointer(buffer))
        }
        if done != nil { return }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(4096)
        for byte in bytes {
            chunk.append(byte)
            if chunk.count == 4096 {
                chunk.withUnsafeBytes { absorb($0) }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        chunk.withUnsafeBytes { absorb($0) }
    }

    /// Appends the bytes of `data` to the message.
    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { absorb($0) }
    }

    /// Appends raw bytes: completes any pending block, hashes whole blocks in place and
    /// keeps the remainder.
    private mutating func absorb(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        byteCount &+= UInt64(bytes.count)
        var start = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            start = take
            if pending.count < 64 { return }
            pending.withUnsafeBytes { compress(blocks: $0) }
            pending.removeAll(keepingCapacity: true)
        }
        let whole = (bytes.count - start) / 64 * 64
        if whole > 0 {
            compress(blocks: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + whole)]))
        }
        pending.append(contentsOf: bytes[(start + whole)...])
    }

    // MARK: Finishing

    /// The 32-byte digest of everything fed so far. The value itself is unchanged, so more
    /// bytes may still be appended afterwards.
    public func finalize() -> [UInt8] {
        var copy = self
        // Padding (section 5.1.1): a 1 bit, zeros to 56 mod 64 bytes, the bit length.
        let bitLength = byteCount &* 8
        var tail: [UInt8] = [0x80]
        let used = (pending.count + 1) % 64
        let zeros = used <= 56 ? 56 - used : 120 - used
        tail.append(contentsOf: repeatElement(0, count: zeros))
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        tail.withUnsafeBytes { copy.absorb($0) }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in copy.state {
            out.append(UInt8(truncatingIfNeeded: word >> 24))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 8))
            out.append(UInt8(truncatingIfNeeded: word))
        }
        return out
    }

    /// The digest of `data` as 64 lower-case hexadecimal digits.
    public static func hex(of data: Data) -> String {
        var d = SHA256Digest()
        d.update(data)
        return hexString(d.finalize())
    }

    /// The digest of the UTF-8 bytes of `string` as 64 lower-case hexadecimal digits.
    public static func hex(ofString string: String) -> String {
        var d = SHA256Digest()
        d.update(string.utf8)
        return hexString(d.finalize())
    }

    /// The digest of the file at `path` as 64 lower-case hexadecimal digits, read in
    /// 1 MiB chunks so that large files are never held in memory whole.
    ///
    /// - Throws: `FileSystemError` naming the path and the system's reason when the file
    ///   cannot be opened or read.
    public static func hexOfFile(atPath path: String) throws -> String {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        } catch {
            throw FileSystemError("reading", path: path, reason: FileSystemError.reason(of: error))
        }
        defer { try? handle.close() }
        var d = SHA256Digest()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                d.update(chunk)
            }
        } catch {
            throw FileSystemError("reading", path: path, reason: FileSystemError.reason(of: error))
        }
        return hexString(d.finalize())
    }

    /// Lower-case hexadecimal digits of `bytes`, two per byte.
    static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    // MARK: Compression

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x >> n) | (x << (32 - n))
    }

    /// Runs the compression function (section 6.2.2) over each 64-byte block of `blocks`,
    /// whose length is a multiple of 64.
    private mutating func compress(blocks: UnsafeRawBufferPointer) {
        let k = Self.roundConstants
        var h0 = state[0], h1 = state[1], h2 = state[2], h3 = state[3]
        var h4 = state[4], h5 = state[5], h6 = state[6], h7 = state[7]
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            var offset = 0
            while offset + 64 <= blocks.count {
                // The message schedule W₀…W₆₃ from the block's big-endian words.
                for t in 0..<16 {
                    let base = offset + 4 * t
                    w[t] = UInt32(blocks[base]) << 24 | UInt32(blocks[base + 1]) << 16
                        | UInt32(blocks[base + 2]) << 8 | UInt32(blocks[base + 3])
                }
                for t in 16..<64 {
                    let x = w[t - 15]
                    let y = w[t - 2]
                    let sigma0 = Self.rotr(x, 7) ^ Self.rotr(x, 18) ^ (x >> 3)
                    let sigma1 = Self.rotr(y, 17) ^ Self.rotr(y, 19) ^ (y >> 10)
                    w[t] = sigma1 &+ w[t - 7] &+ sigma0 &+ w[t - 16]
                }
                var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                for t in 0..<64 {
                    let bigSigma1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                    let choose = (e & f) ^ (~e & g)
                    let t1 = h &+ bigSigma1 &+ choose &+ k[t] &+ w[t]
                    let bigSigma0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = bigSigma0 &+ majority
                    h = g
                    g = f
                    f = e
                    e = d &+ t1
                    d = c
                    c = b
                    b = a
                    a = t1 &+ t2
                }
                h0 &+= a
                h1 &+= b
                h2 &+= c
                h3 &+= d
                h4 &+= e
                h5 &+= f
                h6 &+= g
                h7 &+= h
                offset += 64
            }
        }
        state = [h0, h1, h2, h3, h4, h5, h6, h7]
    }
}
