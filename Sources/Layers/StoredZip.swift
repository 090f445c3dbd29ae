/// A ZIP archive of stored (uncompressed) files, as PyTorch's `torch.save` writes its
/// checkpoints: a local header and the bytes of each file, each file's data starting on a
/// 64-byte boundary (padded through the local header's extra field, as torch does), then
/// the central directory and its end record. No ZIP64: the archive must stay under 4 GiB.
public struct StoredZip: Sendable {
    /// The archive so far.
    public private(set) var bytes: [UInt8] = []
    private var directory: [UInt8] = []
    private var count = 0

    /// An empty archive.
    public init() {}

    /// The CRC-32 (ISO 3309, as ZIP uses it) of `data`.
    public static func crc32(_ data: [UInt8]) -> UInt32 {
        var table = [UInt32](repeating: 0, count: 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[i] = c
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    private static func le32(_ v: UInt32) -> [UInt8] {
        (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) }
    }

    /// Appends the file `name` holding `data`.
    /// - Precondition: the archive stays below 4 GiB and 65,535 files.
    public mutating func add(_ name: String, _ data: [UInt8]) {
        precondition(
            bytes.count + data.count < Int(UInt32.max) - 1 << 20 && count < 65_535,
            "StoredZip: too large for a ZIP without ZIP64")
        let nameBytes = Array(name.utf8)
        let crc = Self.crc32(data)
        let offset = bytes.count
        // Pad with an extra field (id "FB", as torch's writer uses) so the data is 64-byte aligned.
        let headerEnd = offset + 30 + nameBytes.count
        var pad = (64 - (headerEnd + 4) % 64) % 64
        if headerEnd % 64 == 0 { pad = -4 }
        let extra: [UInt8] =
            pad < 0 ? [] : [0x46, 0x42] + Self.le16(pad) + [UInt8](repeating: 0x5A, count: pad)
        let size = Self.le32(UInt32(data.count))
        let common: [UInt8] =
            Self.le16(20) + Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le16(0x21)
            + Self.le32(crc) + size + size + Self.le16(nameBytes.count)
        bytes +=
            [0x50, 0x4B, 0x03, 0x04] + common + Self.le16(extra.count) + nameBytes + extra + data
        directory +=
            [0x50, 0x4B, 0x01, 0x02] + Self.le16(20) + common + Self.le16(0) + Self.le16(0)
            + Self.le16(0)
            + Self.le16(0) + Self.le32(0) + Self.le32(UInt32(offset)) + nameBytes
        count += 1
    }

    /// The finished archive: the files, the central directory and its end record.
    public func finished() -> [UInt8] {
        bytes + directory + [0x50, 0x4B, 0x05, 0x06] + Self.le16(0) + Self.le16(0)
            + Self.le16(count) + Self.le16(count)
            + Self.le32(UInt32(directory.count)) + Self.le32(UInt32(bytes.count)) + Self.le16(0)
    }
}
