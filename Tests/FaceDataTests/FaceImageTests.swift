import Testing
import FaceData

/// The preprocessing ops on hand-made images: rotation, resize, grayscale, colour jitter.
@Suite("Face images: preprocessing ops")
struct FaceImageTests {
    /// A `side`×`side` image whose red plane holds `red(row, column)`, green 2× that and blue 3×
    /// (each clamped to 255).
    func image(side: Int, red: (Int, Int) -> Int) -> FaceImage {
        var px: [UInt8] = []
        for k in 1...3 {
            for r in 0..<side { for q in 0..<side { px.append(UInt8(min(255, k * red(r, q)))) } }
        }
        return FaceImage(side: side, pixels: px)
    }

    func plane(_ im: FaceImage, _ c: Int) -> [[Int]] {
        (0..<im.side).map { r in (0..<im.side).map { q in Int(im[c, r, q]) } }
    }

    @Test func ninetyDegreesIsExactAndCounterClockwise() {
        let im = image(side: 3) { r, q in 1 + 3 * r + q }   // 1 2 3 / 4 5 6 / 7 8 9
        let turned = im.rotated(degrees: 90)
        // Counter-clockwise: the top-right 3 comes to the top-left.
        #expect(plane(turned, 0) == [[3, 6, 9], [2, 5, 8], [1, 4, 7]])
        #expect(plane(turned, 2) == [[9, 18, 27], [6, 15, 24], [3, 12, 21]])
        let even = image(side: 4) { r, q in 10 * r + q }
        #expect(plane(even.rotated(degrees: -90), 0) == [[30, 20, 10, 0], [31, 21, 11, 1], [32, 22, 12, 2], [33, 23, 13, 3]])
        #expect(even.rotated(degrees: 90).rotated(degrees: 90).rotated(degrees: 90).rotated(degrees: 90) == even)
        #expect(plane(even.rotated(degrees: 180), 0) == plane(even, 0).reversed().map { $0.reversed() })
    }

    @Test func smallAngleMatchesHandBilinearValues() {
        // Red plane 10 + 30·row + 10·column; 10°: cos 0.98481, sin 0.17365; centre c = 1.
        let im = image(side: 3) { r, q in 10 + 30 * r + 10 * q }
        let turned = im.rotated(degrees: 10)
        // Centre: itself.
        #expect(turned[0, 1, 1] == 50)
        // (row 1, column 2): source column 1 + cos = 1.98481, row 1 + sin = 1.17365:
        // 0.82635·(50·0.01519 + 60·0.98481) + 0.17365·(80·0.01519 + 90·0.98481) = 65.06.
        #expect(turned[0, 1, 2] == 65)
        // (row 0, column 1): source column 1 + sin = 1.17365, row 1 − cos = 0.01519:
        // 0.98481·(20·0.82635 + 30·0.17365) + 0.01519·(50·0.82635 + 60·0.17365) = 22.19.
        #expect(turned[0, 0, 1] == 22)
        // (row 0, column 0): source column 0.18884, row −0.15846; the row above is outside (0):
        // 0.84154·(10·0.81116 + 20·0.18884) = 10.004.
        #expect(turned[0, 0, 0] == 10)
        // Green is twice red before rounding: 130.1 → 130.
        #expect(turned[1, 1, 2] == 130)
    }

    @Test func bilinearResizeOfATwoByTwo() {
        // Source rows (0, 100) and (200, 40); output taps at 0 (clamped), 0.25, 0.75, 1 (clamped).
        let im = FaceImage(side: 2, pixels: [0, 100, 200, 40] + [UInt8](repeating: 7, count: 8))
        let big = im.resized(to: 4)
        #expect(big.side == 4)
        #expect(plane(big, 0) == [[0, 25, 75, 100], [50, 59, 76, 85], [150, 126, 79, 55], [200, 160, 80, 40]])
        #expect(plane(big, 1).allSatisfy { $0.allSatisfy { $0 == 7 } })
        #expect(im.resized(to: 2) == im)
        #expect(big.resized(to: 1).pixels.count == 3)
    }

    @Test func grayscaleChannelsAreEqualToTheLuma() {
        // (200, 100, 50): 59.8 + 58.7 + 5.7 = 124.2; (10, 20, 30): 2.99 + 11.74 + 3.42 = 18.15.
        let im = FaceImage(side: 1, pixels: [200, 100, 50])
        #expect(im.grayscale().pixels == [124, 124, 124])
        let two = FaceImage(side: 2, pixels: [200, 10, 0, 255, 100, 20, 0, 255, 50, 30, 0, 255])
        let g = two.grayscale()
        #expect(plane(g, 0) == [[124, 18], [0, 255]])
        #expect(plane(g, 0) == plane(g, 1) && plane(g, 1) == plane(g, 2))
    }

    @Test func colorJitterFactorsActAsDocumented() {
        let grey = FaceImage(side: 1, pixels: [100, 100, 100])
        #expect(grey.colorJittered(brightness: 1.3, contrast: 1, saturation: 1).pixels == [130, 130, 130])
        #expect(grey.colorJittered(brightness: 3, contrast: 1, saturation: 1).pixels == [255, 255, 255])
        #expect(grey.colorJittered(brightness: 1, contrast: 1.4, saturation: 0.6) == grey)
        // Contrast about the mean luma (100) of a grey 0 / 200 image.
        let pair = FaceImage(side: 2, pixels: [0, 200, 0, 200, 0, 200, 0, 200, 0, 200, 0, 200])
        #expect(plane(pair.colorJittered(brightness: 1, contrast: 0.5, saturation: 1), 0) == [[50, 150], [50, 150]])
        // Saturation 0 is grayscale; 2 pushes each channel away from the luma 124.2.
        let colour = FaceImage(side: 1, pixels: [200, 100, 50])
        #expect(colour.colorJittered(brightness: 1, contrast: 1, saturation: 0) == colour.grayscale())
        #expect(colour.colorJittered(brightness: 1, contrast: 1, saturation: 2).pixels == [255, 76, 0])
        #expect(colour.colorJittered(brightness: 1, contrast: 1, saturation: 1) == colour)
    }
}
