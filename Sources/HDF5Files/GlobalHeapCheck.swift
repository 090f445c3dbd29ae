import Foundation

/// A check of a file's global heap collections before libhdf5 reads it. libhdf5 1.10 copies
/// a variable-length string's bytes from its global heap object without checking the
/// object's size against its collection, so a damaged size makes a string attribute read
/// run past its buffer (found by `ddl fuzz-hdf5`). Every collection (`GCOL`, version 1) is
/// walked here: each object must lie inside its collection and the collection inside the file.
enum GlobalHeapCheck {
    /// The first inconsistency found in the file's bytes, or nil.
    static func problem(in bytes: UnsafeRawBufferPointer) -> String? {
        var objects: [UInt64: [UInt16: Int]] = [:]
        return collections(in: bytes, objects: &objects)
    }

    /// Walks every collection, recording each live object's size by collection address and index.
    static func collections(
        in bytes: UnsafeRawBufferPointer, objects: inout [UInt64: [UInt16: Int]]
    ) -> String? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var offset = 0
        while offset + 16 <= count {
            guard let hit = memchr(base + offset, 0x47, count - offset) else { return nil }  // "G"
            let start = base.distance(to: UnsafeRawPointer(hit))
            offset = start + 1
            guard start + 16 <= count, bytes[start + 1] == 0x43, bytes[start + 2] == 0x4F,
                bytes[start + 3] == 0x4C,
                bytes[start + 4] == 1
            else { continue }  // "COL", version 1
            let size = Int(clamping: load(bytes, start + 8))
            guard size >= 16, size <= count - start else {
                return "global heap collection at byte \(start) claims \(size) bytes, beyond the "
                    + "file's \(count)"
            }
            var position = 16
            while position + 16 <= size {
                let index =
                    UInt16(bytes[start + position]) | UInt16(bytes[start + position + 1]) << 8
                if index == 0 { break }
                let objectSize = Int(clamping: load(bytes, start + position + 8))
                let padded = objectSize > Int.max - 23 ? Int.max : (objectSize + 7) & ~7
                guard padded <= size - position - 16 else {
                    return "global heap object \(index) at byte \(start + position) claims "
                        + "\(objectSize) bytes, beyond its collection"
                }
                objects[UInt64(start), default: [:]][index] = objectSize
                position += 16 + padded
            }
        }
        return nil
    }

    /// A little-endian UInt64 at `offset`.
    static func load(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for k in 0..<8 { value |= UInt64(bytes[offset + k]) << (8 * UInt64(k)) }
        return value
    }

    /// The problem of the file at `path` (mapped, not read), or nil; nil when it cannot be mapped.
    static func problem(atPath path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return nil }
        let size = Int(info.st_size)
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            return nil
        }
        defer { munmap(map, size) }
        return problem(in: UnsafeRawBufferPointer(start: map, count: size))
    }
}
