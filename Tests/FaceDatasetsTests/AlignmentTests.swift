import FaceDatasets
import Foundation
import Testing

@Suite("alignment: eyes to fixed positions, else centre crop; bilinear resize")
struct AlignmentTests {
    /// The planar crop's red plane at (x, y).
    func red(_ crop: [UInt8], side: Int, _ x: Int, _ y: Int) -> UInt8 { crop[y * side + x] }

    @Test func sameSizeCentreCropIsACopy() {
        let image = testImage(width: 10, height: 10, seed: 4)
        let crop = FaceAligner(side: 10).crop(image, .centre)
        for y in 0..<10 {
            for x in 0..<10 {
                for c in 0..<3 { #expect(crop[c * 100 + y * 10 + x] == image.pixels[3 * (y * 10 + x) + c]) }
            }
        }
    }

    @Test func centreCropTakesTheMiddleSquare() {
        // 30 × 10: the middle 10 × 10 columns are 10…19; red = column index.
        let image = RGBImage(width: 30, height: 10) { x, _ in (UInt8(x), 0, 0) }
        let crop = FaceAligner(side: 10).crop(image, .centre)
        #expect((0..<10).map { red(crop, side: 10, $0, 3) } == (10..<20).map(UInt8.init))
    }

    @Test func bilinearUpsamplingInterpolates() {
        let image = RGBImage(width: 2, height: 2, pixels: [0, 0, 0, 100, 100, 100, 0, 0, 0, 100, 100, 100])
        let crop = FaceAligner(side: 4).crop(image, .centre)
        // Source x of crop column j is (j + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25 → clamped.
        #expect((0..<4).map { red(crop, side: 4, $0, 0) } == [0, 25, 75, 100])
    }

    @Test func largeReductionsAverageBlocks() {
        // A 1-pixel checkerboard shrunk 8× must come out mid-grey, not aliased.
        let image = RGBImage(width: 80, height: 80) { x, y in (x + y) % 2 == 0 ? (255, 255, 255) : (0, 0, 0) }
        let crop = FaceAligner(side: 10).crop(image, .centre)
        #expect(crop.allSatisfy { abs(Int($0) - 128) <= 1 })
    }

    @Test func eyesLandAtTheirPositions() {
        // Two dark dots on a light face, rotated and at another scale: after alignment the
        // dots sit where the aligner puts eyes.
        let left = ImagePoint(x: 20, y: 30), right = ImagePoint(x: 44, y: 20)
        let image = RGBImage(width: 64, height: 64) { x, y in
            for eye in [left, right] where (Double(x) - eye.x) * (Double(x) - eye.x) + (Double(y) - eye.y) * (Double(y) - eye.y) <= 4 {
                return (0, 0, 0)
            }
            return (220, 220, 220)
        }
        let aligner = FaceAligner(side: 50)
        let crop = aligner.crop(image, .eyes(left: right, right: left))  // order does not matter
        let targets = aligner.eyeTargets
        for target in [targets.left, targets.right] {
            #expect(red(crop, side: 50, Int(target.x.rounded()), Int(target.y.rounded())) < 60)
        }
        // The dark pixels form two blobs centred on the targets.
        for target in [targets.left, targets.right] {
            var sx = 0.0, sy = 0.0, n = 0.0
            for y in 0..<50 {
                for x in 0..<50 where red(crop, side: 50, x, y) < 110 && abs(Double(x) - target.x) < 8 && abs(Double(y) - target.y) < 8 {
                    sx += Double(x)
                    sy += Double(y)
                    n += 1
                }
            }
            #expect(n > 0)
            #expect(abs(sx / n - target.x) < 0.8 && abs(sy / n - target.y) < 0.8)
        }
        #expect(targets.left == ImagePoint(x: 15.5, y: 19.5) && targets.right == ImagePoint(x: 33.5, y: 19.5))
    }

    @Test func faceBoxesAreCroppedSquare() {
        // Box x 10…19, y 0…9 of a 30 × 10 image: the crop is that square.
        let image = RGBImage(width: 30, height: 10) { x, _ in (UInt8(x), 0, 0) }
        let crop = FaceAligner(side: 10).crop(image, .box(x: 10, y: 0, width: 10, height: 10))
        #expect((0..<10).map { red(crop, side: 10, $0, 5) } == (10..<20).map(UInt8.init))
    }

    @Test func shrinkingAveragesPartialBlocksToo() {
        // 5 × 3, red = 10·x + y: blocks of 2 × 2, the last column and row partial.
        let image = RGBImage(width: 5, height: 3) { x, y in (UInt8(10 * x + y), 0, 0) }
        let small = image.shrunk(by: 2)
        #expect(small.width == 3 && small.height == 2)
        // (0+1+10+11)/4 = 5.5 → 6; (20+21+30+31)/4 = 25.5 → 26; (40+41)/2 = 40.5 → 41;
        // (2+12)/2 = 7; (22+32)/2 = 27; 42.
        #expect(stride(from: 0, to: 18, by: 3).map { small.pixels[$0] } == [6, 26, 41, 7, 27, 42])
    }
}
