/// The few pickle opcodes (protocol 2) a state dict needs.
struct Pickler {
    var bytes: [UInt8] = []

    mutating func proto() { bytes += [0x80, 2] }
    mutating func stop() { bytes.append(0x2E) }  // .
    mutating func mark() { bytes.append(0x28) }  // (
    mutating func tuple() { bytes.append(0x74) }  // t
    mutating func emptyTuple() { bytes.append(0x29) }  // )
    mutating func reduce() { bytes.append(0x52) }  // R
    mutating func setItems() { bytes.append(0x75) }  // u
    mutating func persistentID() { bytes.append(0x51) }  // Q, BINPERSID
    mutating func bool(_ v: Bool) { bytes.append(v ? 0x88 : 0x89) }
    mutating func global(_ module: String, _ name: String) {
        bytes += [0x63] + Array("\(module)\n\(name)\n".utf8)
    }  // c
    mutating func unicode(_ s: String) {  // X, BINUNICODE: 4-byte little-endian length
        let utf8 = Array(s.utf8)
        bytes.append(0x58)
        bytes += (0..<4).map { UInt8((utf8.count >> (8 * $0)) & 0xFF) }
        bytes += utf8
    }
    mutating func int(_ v: Int) {
        if v >= 0 && v < 256 {
            bytes += [0x4B, UInt8(v)]  // K, BININT1
        } else if v >= Int(Int32.min) && v <= Int(Int32.max) {
            bytes.append(0x4A)  // J, BININT
            bytes += (0..<4).map {
                UInt8((UInt32(bitPattern: Int32(v)) >> (8 * UInt32($0))) & 0xFF)
            }
        } else {
            bytes += Array("I\(v)\n".utf8)  // INT, decimal
        }
    }
    mutating func intTuple(_ values: [Int]) {
        mark()
        for v in values { int(v) }
        tuple()
    }
}
