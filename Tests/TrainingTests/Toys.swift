import FaceData
import Foundation
import FastKernels
import TensorCore

/// A toy face set: the expression is the colour of a square in a random place, factor
/// `pose` is its size, `illumination` the background brightness. Learnable in a few epochs.
func toySet(count: Int, size: Int = 20, seed: UInt64, expressions: Bool = true, factors: Bool = true) -> FaceSet {
    var g = RandomGenerator(seed: seed)
    var set = FaceSet(size: size, expressionClasses: 3, factorClasses: ["pose": 2, "illumination": 2])
    let colours: [[UInt8]] = [[220, 40, 40], [40, 220, 40], [40, 40, 220]]
    for i in 0..<count {
        let e = i % 3, pose = Int(g.next() % 2), light = Int(g.next() % 2)
        var image = [UInt8](repeating: light == 0 ? 40 : 160, count: 3 * size * size)
        let side = pose == 0 ? size / 3 : size / 2
        let y0 = Int(g.next() % UInt64(size - side)), x0 = Int(g.next() % UInt64(size - side))
        for c in 0..<3 { for y in y0..<(y0 + side) { for x in x0..<(x0 + side) { image[c * size * size + y * size + x] = colours[e][c] } } }
        set.append(image: image, expression: expressions ? e : -1, subject: i % 5,
                   factors: factors ? ["pose": pose, "illumination": light] : [:])
    }
    return set
}

func scratch() -> String {
    let path = NSTemporaryDirectory() + "ddl-training-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
