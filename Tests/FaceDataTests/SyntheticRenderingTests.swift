import Testing
import FaceData
import FastKernels
import TensorCore

/// What the factors do to the pixels: expressions act only on the expression regions and
/// are small next to the disturbances; strength scales the disturbances; any size works.
@Suite("Synthetic faces: rendering")
struct SyntheticRenderingTests {
    /// Mean absolute byte difference of two images.
    func meanDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(a.count)
    }

    @Test(arguments: [(0.2, 64), (1.0, 64), (1.0, 40)])
    func expressionChangesOnlyItsRegions(strength: Double, size: Int) {
        let spec = SyntheticFaceSpec(size: size, identities: 10, strength: strength)
        for sample in 0..<16 {
            let identity = sample % 10, pose = sample % 5, illumination = (sample * 3) % 5
            let start = RandomGenerator(seed: UInt64(100 + sample))
            var g = start
            let regions = SyntheticFaces.expressionRegions(
                identity: identity, pose: pose, illumination: illumination, spec: spec, seed: 2, generator: &g)
            g = start
            let neutral = SyntheticFaces.render(
                expression: 6, identity: identity, pose: pose, illumination: illumination, spec: spec, seed: 2, generator: &g)
            for expression in 0..<6 {
                g = start
                let image = SyntheticFaces.render(
                    expression: expression, identity: identity, pose: pose, illumination: illumination,
                    spec: spec, seed: 2, generator: &g)
                var changed = 0, outside = 0
                for c in 0..<3 {
                    for y in 0..<size {
                        for x in 0..<size where image[(c * size + y) * size + x] != neutral[(c * size + y) * size + x] {
                            changed += 1
                            if !regions.eyes.contains(x: x, y: y) && !regions.mouth.contains(x: x, y: y) { outside += 1 }
                        }
                    }
                }
                #expect(changed > 0, "expression \(expression) changed nothing (sample \(sample))")
                #expect(outside == 0, "expression \(expression) changed \(outside) bytes outside its regions (sample \(sample))")
            }
            // The regions are face-sized: together well under half the image.
            let area = { (b: PixelBox) in (b.maxX - b.minX + 1) * (b.maxY - b.minY + 1) }
            #expect(area(regions.eyes) + area(regions.mouth) < size * size / 2)
        }
    }

    @Test func strengthScalesTheBetweenPoseDifference() {
        func poseDifference(_ strength: Double) -> Double {
            let spec = SyntheticFaceSpec(size: 40, strength: strength)
            var total = 0.0
            for sample in 0..<8 {
                let start = RandomGenerator(seed: UInt64(sample))
                var g = start
                let left = SyntheticFaces.render(expression: 6, identity: sample, pose: 0, illumination: 2, spec: spec, seed: 1, generator: &g)
                g = start
                let right = SyntheticFaces.render(expression: 6, identity: sample, pose: 4, illumination: 2, spec: spec, seed: 1, generator: &g)
                total += meanDifference(left, right)
            }
            return total / 8
        }
        let none = poseDifference(0), lab = poseDifference(0.2), wild = poseDifference(1)
        #expect(none == 0)
        #expect(lab > 0 && lab < wild / 2)
        #expect(wild > 8)
    }

    @Test func strengthZeroRemovesIdentityAndIlluminationToo() {
        let spec = SyntheticFaceSpec(size: 24, strength: 0)
        let start = RandomGenerator(seed: 3)
        var g = start
        let a = SyntheticFaces.render(expression: 3, identity: 0, pose: 1, illumination: 0, spec: spec, seed: 1, generator: &g)
        g = start
        let b = SyntheticFaces.render(expression: 3, identity: 7, pose: 3, illumination: 4, spec: spec, seed: 1, generator: &g)
        #expect(a == b)
    }

    @Test func expressionCuesAreSmallNextToDisturbancesAtFullStrength() {
        let spec = SyntheticFaceSpec(size: 40, strength: 1)
        var expression = 0.0, disturbance = 0.0
        for sample in 0..<12 {
            let start = RandomGenerator(seed: UInt64(50 + sample))
            var g = start
            let base = SyntheticFaces.render(expression: 6, identity: sample, pose: 2, illumination: 2, spec: spec, seed: 1, generator: &g)
            g = start
            let smiling = SyntheticFaces.render(expression: sample % 6, identity: sample, pose: 2, illumination: 2, spec: spec, seed: 1, generator: &g)
            g = start
            let other = SyntheticFaces.render(
                expression: 6, identity: (sample + 5) % 40, pose: sample % 5, illumination: (sample + 1) % 5,
                spec: spec, seed: 1, generator: &g)
            expression += meanDifference(base, smiling)
            disturbance += meanDifference(base, other)
        }
        #expect(expression * 5 < disturbance, "expression \(expression / 12) vs disturbance \(disturbance / 12)")
    }

    @Test(arguments: [16, 40, 100])
    func anySizeRendersAFace(size: Int) {
        let spec = SyntheticFaceSpec(size: size, identities: 6)
        let set = SyntheticFaces.labelledSet(spec: spec, count: 7, seed: 2)
        #expect(set.size == size && set.imageBytes == 3 * size * size && set.pixels.count == 7 * 3 * size * size)
        for i in 0..<set.count {
            let image = Array(set.image(i))
            let (lo, hi) = (image.min() ?? 0, image.max() ?? 0)
            #expect(hi - lo > 60, "image \(i) at size \(size) is nearly flat")
        }
        var g = RandomGenerator(seed: 1)
        let regions = SyntheticFaces.expressionRegions(identity: 0, pose: 2, illumination: 2, spec: spec, seed: 2, generator: &g)
        // The eyes sit above the mouth, both inside the image and near its middle.
        #expect(regions.eyes.minY < regions.mouth.minY)
        #expect(regions.eyes.minX > 0 && regions.eyes.maxX < size - 1)
        #expect(regions.mouth.maxY <= size - 1 && regions.mouth.minX > 0)
    }

    @Test func renderingSpeed() {
        // Printed, not asserted: images per second at size 40 (run in release to measure).
        let spec = SyntheticFaceSpec(size: 40)
        let clock = ContinuousClock()
        var set = FaceSet(size: 40)
        let elapsed = clock.measure { set = SyntheticFaces.expressionSet(spec: spec, count: 500, seed: 1) }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("synthetic faces: \(set.count) images of 40×40 in \(seconds) s = \(Double(set.count) / seconds) images/s")
        #expect(set.count == 500)
    }
}
