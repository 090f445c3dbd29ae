import FaceData
import Foundation
import HDF5Files

/// SHA-256 digests (64 lower-case hexadecimal digits) of what a run was trained on, stored in
/// its checkpoint so that resuming with other data or other DFEMs is refused even when the
/// paths are the same.
public enum ContentDigest {
    /// The digest of the file at `path`, read in 1 MiB chunks.
    /// - Throws: `FileSystemError` naming the path and the system's reason.
    public static func ofFile(atPath path: String) throws -> String {
        try SHA256Digest.hexOfFile(atPath: path)
    }

    /// The digest of a face set's content: its size, count, class counts and names, every
    /// image byte and every expression, subject and factor label (factors in name order) —
    /// the same for the same faces whichever file or generator they came from.
    public static func of(_ set: FaceSet) -> String {
        var d = SHA256Digest()
        func integers(_ values: [Int]) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(values.count * 8)
            for v in values { withUnsafeBytes(of: Int64(v).littleEndian) { bytes += $0 } }
            d.update(bytes)
        }
        integers([set.size, set.count, set.expressionClasses])
        d.update(Array(set.expressionClassNames.joined(separator: "\u{1F}").utf8))
        d.update(set.pixels)
        integers(set.expressions)
        integers(set.subjects)
        for name in set.factors.keys.sorted() {
            d.update(Array(name.utf8))
            integers([set.factorClasses[name] ?? 0])
            integers(set.factors[name] ?? [])
        }
        return SHA256Digest.hexString(d.finalize())
    }
}
