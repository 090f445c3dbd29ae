import FaceData
import Foundation
import Testing
import FastKernels
import TensorCore
import Training

/// The preprocessing inside `Augmentation`: resize then crop, grayscale, seeded rotation and
/// colour jitter, and the options that carry it.
@Suite("Preprocessing in batches")
struct PreprocessingTests {
    /// One 100×100 face: red = column, green = row, blue = 50.
    func ramp() -> FaceSet {
        var set = FaceSet(size: 100, expressionClasses: 2)
        var px: [UInt8] = []
        for _ in 0..<100 { for q in 0..<100 { px.append(UInt8(q)) } }
        for r in 0..<100 { for _ in 0..<100 { px.append(UInt8(r)) } }
        px += [UInt8](repeating: 50, count: 10_000)
        set.append(image: px, expression: 0)
        return set
    }

    func value(_ byte: Double) -> Double { byte * (2.0 / 255.0) - 1 }

    @Test func resizeTo110ThenCentreCrop90() {
        let set = ramp()
        var g = RandomGenerator(seed: 0)
        let aug = Augmentation(crop: 90, flip: false, preprocessing: Preprocessing(resize: 110))
        let t = aug.batch(set, indices: [0], training: false, generator: &g, as: Double.self)
        #expect(t.shape == [1, 3, 90, 90])
        // Output column j is resized column j + 10, sampling source column (j + 10.5)·100/110 − 0.5:
        // j = 0 → 9.045 → 9; j = 45 → 49.95 → 50; j = 89 → 89.95 → 90.
        func at(_ c: Int, _ y: Int, _ x: Int) -> Double { t.scalars[(c * 90 + y) * 90 + x] }
        #expect(at(0, 0, 0) == value(9) && at(0, 17, 45) == value(50) && at(0, 89, 89) == value(90))
        #expect(at(1, 0, 3) == value(9) && at(1, 89, 0) == value(90))
        #expect(t.scalars[(2 * 8100)...].allSatisfy { $0 == value(50) })
        // Without the resize the same crop starts at source column 5.
        let plain = Augmentation(crop: 90, flip: false).batch(set, indices: [0], training: false, generator: &g, as: Double.self)
        #expect(plain.scalars[0] == value(5))
    }

    @Test func grayscaleBatchesHaveThreeEqualChannels() {
        let set = toySet(count: 3, seed: 2)
        var g = RandomGenerator(seed: 1)
        let t = Augmentation(crop: 16, preprocessing: Preprocessing(grayscale: true)).batch(set, indices: [0, 1, 2], training: true,
                                                                                            generator: &g, as: Float.self)
        let plane = 16 * 16
        for b in 0..<3 {
            let base = b * 3 * plane
            #expect(Array(t.scalars[base..<(base + plane)]) == Array(t.scalars[(base + plane)..<(base + 2 * plane)]))
            #expect(Array(t.scalars[base..<(base + plane)]) == Array(t.scalars[(base + 2 * plane)..<(base + 3 * plane)]))
        }
        let colour = Augmentation(crop: 16).batch(set, indices: [0], training: false, generator: &g, as: Float.self)
        #expect(Array(colour.scalars[0..<plane]) != Array(colour.scalars[plane..<(2 * plane)]))
    }

    @Test func jitterAndRotationDrawsAreBoundedAndSeeded() {
        let p = Preprocessing(rotation: 30, colorJitter: 0.4)
        var g = RandomGenerator(seed: 11)
        var draws: [Preprocessing.Draw] = []
        for _ in 0..<500 { draws.append(p.draw(&g)) }
        #expect(draws.allSatisfy { abs($0.degrees) <= 30 })
        for d in draws { for f in [d.brightness, d.contrast, d.saturation] { #expect(f >= 0.6 && f <= 1.4) } }
        // The draws use the range: some angle beyond ±25°, some factor beyond 1 ± 0.35.
        #expect(draws.contains { abs($0.degrees) > 25 } && draws.contains { abs($0.brightness - 1) > 0.35 })
        var a = RandomGenerator(seed: 11)
        #expect(p.draw(&a) == draws[0])
        // A grey face's bytes scale by the brightness alone: within 0.6·v … 1.4·v.
        var grey = FaceSet(size: 20, expressionClasses: 1)
        grey.append(image: [UInt8](repeating: 100, count: 1200), expression: 0)
        let jitter = Augmentation(crop: 20, flip: false, preprocessing: Preprocessing(colorJitter: 0.4))
        var seen: Set<Float> = []
        for seed in 0..<40 {
            var r = RandomGenerator(seed: UInt64(seed))
            let t = jitter.batch(grey, indices: [0], training: true, generator: &r, as: Float.self)
            let v = t.scalars[0]
            #expect(t.scalars.allSatisfy { $0 == v })
            #expect(v >= Float(value(60)) - 1e-6 && v <= Float(value(140)) + 1e-6)
            seen.insert(v)
        }
        #expect(seen.count > 10)
    }

    @Test func randomStepsAreSeededAndTrainingOnly() {
        let set = toySet(count: 4, seed: 3)
        let aug = Augmentation(crop: 16, preprocessing: Preprocessing(rotation: 30, colorJitter: 0.4))
        var g1 = RandomGenerator(seed: 5), g2 = RandomGenerator(seed: 5), g3 = RandomGenerator(seed: 6)
        let a = aug.batch(set, indices: [0, 1, 2, 3], training: true, generator: &g1, as: Float.self)
        let b = aug.batch(set, indices: [0, 1, 2, 3], training: true, generator: &g2, as: Float.self)
        let c = aug.batch(set, indices: [0, 1, 2, 3], training: true, generator: &g3, as: Float.self)
        #expect(a == b && a != c)
        // The crops and flips are the plain ones: same draws first, then four more per face.
        var p1 = RandomGenerator(seed: 5)
        let plain = Augmentation(crop: 16).batch(set, indices: [0, 1, 2, 3], training: true, generator: &p1, as: Float.self)
        #expect(plain != a)
        var h = RandomGenerator(seed: 5)
        for _ in 0..<(4 * 7) { _ = h.next() }
        #expect(h.next() == g2.next())
        // Evaluation neither rotates nor jitters.
        var e1 = RandomGenerator(seed: 1), e2 = RandomGenerator(seed: 1)
        #expect(aug.batch(set, indices: [0, 1], training: false, generator: &e1, as: Float.self)
                == Augmentation(crop: 16).batch(set, indices: [0, 1], training: false, generator: &e2, as: Float.self))
    }

    @Test func optionsCarryPreprocessingOnlyWhenSet() throws {
        var o = TrainingOptions()
        #expect(!o.json.contains("preprocessing"))
        o.preprocessing = .officialPreset(database: "SFEW", side: 100)
        #expect(o.preprocessing == Preprocessing(resize: 110, grayscale: false, rotation: 30, colorJitter: 0.4))
        #expect(try TrainingOptions.parse(o.json) == o)
        #expect(o.differences(from: TrainingOptions()).contains { $0.hasPrefix("preprocessing") })
        #expect(Preprocessing.officialPreset(database: "CK+", side: 100).description == "resize 110, grayscale")
        #expect(Preprocessing.officialPreset(database: "RAF-DB", side: 100).description == "resize 110")
        #expect(o.preprocessing?.description == "resize 110, rotation ±30°, colour jitter 0.4")
        o.preprocessing = Preprocessing(resize: 8, rotation: 181, colorJitter: 1)
        #expect(o.problems().map(\.option) == ["--resize", "--rotate", "--jitter"])
    }
}
