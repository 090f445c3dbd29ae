import FaceDatasets
import Foundation
import Reproduction
import Testing

/// The accuracy-against-confound chart of the reproduction notes, with 95% CI bands.
private func sampleAccuracyChart() -> LineChart {
    let rhos = [0, 0.25, 0.5, 0.75, 1.0]
    func series(_ name: String, _ ys: [Double], _ ci: [Double]) -> LineChart.Series {
        LineChart.Series(name: name, points: zip(rhos, zip(ys, ci)).map { x, v in
            LineChart.Point(x: x, y: v.0, low: v.0 - v.1, high: v.0 + v.1)
        })
    }
    return LineChart(
        title: "Accuracy on the independent test split",
        xLabel: "confound ρ in the training split", yLabel: "test accuracy (%)",
        series: [
            series("baseline_mat", [71.2, 66.0, 57.4, 44.1, 30.5], [3.1, 3.4, 4.0, 4.6, 5.2]),
            series("DDL (full)", [73.0, 71.8, 69.9, 66.2, 61.0], [2.8, 3.0, 3.3, 3.9, 4.4]),
            series("λ1 = 0", [72.1, 68.5, 63.0, 55.3, 45.8], [3.0, 3.2, 3.8, 4.2, 5.0]),
        ],
        referenceLines: [LineChart.ReferenceLine(y: 100.0 / 7, label: "chance 14.3%")])
}

private func containsColour(_ image: RGBImage, _ c: ChartColour) -> Bool {
    stride(from: 0, to: image.pixels.count, by: 3).contains { i in
        image.pixels[i] == c.red && image.pixels[i + 1] == c.green && image.pixels[i + 2] == c.blue
    }
}

private func isWhite(_ image: RGBImage, _ x: Int, _ y: Int) -> Bool {
    let i = 3 * (y * image.width + x)
    return image.pixels[i] == 255 && image.pixels[i + 1] == 255 && image.pixels[i + 2] == 255
}

@Suite("Charts")
struct ChartTests {
    @Test func imageHasTheSizeAskedAndAWhiteBackground() {
        let image = sampleAccuracyChart().render(width: 720, height: 480)
        #expect(image.width == 720 && image.height == 480)
        #expect(image.pixels.count == 720 * 480 * 3)
        #expect(isWhite(image, 0, 0) && isWhite(image, 719, 479))
        let other = sampleAccuracyChart().render(width: 400, height: 300)
        #expect(other.width == 400 && other.height == 300)
    }

    @Test func eachSeriesColourAppears() {
        let image = sampleAccuracyChart().render()
        for k in 0..<3 { #expect(containsColour(image, ChartColour.palette[k])) }
        #expect(!containsColour(image, ChartColour.palette[3]))
    }

    @Test func degenerateInputsStillRender() {
        let empty = LineChart(title: "Empty").render(width: 320, height: 200)
        #expect(empty.width == 320 && empty.height == 200 && isWhite(empty, 0, 0))

        let one = LineChart(series: [LineChart.Series(name: "one", points: [
            LineChart.Point(x: 3, y: 5, low: 4, high: 6),
        ])]).render(width: 300, height: 200)
        #expect(one.width == 300 && containsColour(one, ChartColour.palette[0]))

        let nan = LineChart(title: "NaN", series: [
            LineChart.Series(name: "nan", points: [
                LineChart.Point(x: 0, y: .nan), LineChart.Point(x: 1, y: 2, low: .nan, high: 3),
                LineChart.Point(x: .infinity, y: 1), LineChart.Point(x: 2, y: 3),
                LineChart.Point(x: 3, y: .nan), LineChart.Point(x: 4, y: 1),
            ]),
            LineChart.Series(name: "", points: [LineChart.Point(x: .nan, y: .nan)]),
        ], yRange: 5...Double.infinity,
        referenceLines: [LineChart.ReferenceLine(y: .nan, label: "x")]).render()
        #expect(nan.width == 720 && nan.height == 480)

        let flat = LineChart(series: [LineChart.Series(name: "flat", points: (0..<30).map {
            LineChart.Point(x: Double($0), y: 7)
        })]).render(width: 500, height: 300)
        #expect(flat.width == 500 && containsColour(flat, ChartColour.palette[0]))

        let tiny = sampleAccuracyChart().render(width: 1, height: 0)
        #expect(tiny.width == 1 && tiny.height == 1)
        let small = sampleAccuracyChart().render(width: 60, height: 40)
        #expect(small.width == 60 && small.height == 40)
        let huge = LineChart(series: [LineChart.Series(name: "huge", points: [
            LineChart.Point(x: -1e308, y: 1e308), LineChart.Point(x: 1e308, y: -1e308),
        ])]).render(width: 200, height: 100)
        #expect(huge.width == 200)
        let clipped = LineChart(series: [sampleAccuracyChart().series[0]], yRange: 50...60)
            .render(width: 360, height: 240)
        #expect(clipped.width == 360)
    }

    @Test func aGlyphInksOnlyItsOwnBox() {
        var canvas = Canvas(width: 40, height: 30)
        canvas.text("A", x: 5, y: 4, scale: 2, colour: .black)
        var inside = 0, outside = 0
        for y in 0..<30 {
            for x in 0..<40 where canvas.colour(atX: x, y: y) != .white {
                if x >= 5 && x < 15 && y >= 4 && y < 18 { inside += 1 } else { outside += 1 }
            }
        }
        #expect(inside > 0 && outside == 0)
        // The top row of "A" is .###. : its left column blank, the next one inked.
        #expect(canvas.colour(atX: 5, y: 4) == .white && canvas.colour(atX: 7, y: 4) == .black)

        var vertical = Canvas(width: 30, height: 40)
        vertical.text("A", x: 4, y: 30, scale: 2, colour: .black, vertical: true)
        var verticalInside = 0, verticalOutside = 0
        for y in 0..<40 {
            for x in 0..<30 where vertical.colour(atX: x, y: y) != .white {
                if x >= 4 && x < 18 && y >= 20 && y < 30 {
                    verticalInside += 1
                } else {
                    verticalOutside += 1
                }
            }
        }
        #expect(verticalInside == inside && verticalOutside == 0)
    }

    @Test func fontCoversASCIIAndTheChartSymbols() {
        #expect((32...126).allSatisfy { BitmapFont.hasGlyph(Character(UnicodeScalar($0))) })
        for c in "ρλ±–—·×%" { #expect(BitmapFont.hasGlyph(c)) }
        #expect(!BitmapFont.hasGlyph("€"))
        #expect(BitmapFont.width(of: "AB", scale: 2) == 22)
        #expect(BitmapFont.width(of: BitmapFont.fitted("a long label", maxWidth: 40), scale: 1)
            <= 40)
    }

    @Test func panelsSideBySide() {
        let a = sampleAccuracyChart().render(width: 720, height: 480)
        let b = sampleAccuracyChart().render(width: 400, height: 300)
        let row = LineChart.side(by: [a, b], gap: 12)
        #expect(row.width == 720 + 400 + 12 && row.height == 480)
        #expect(isWhite(row, 725, 479))
        #expect(LineChart.side(by: []).width == 1)
    }

    @Test func niceTicks() {
        #expect(LineChart.niceTicks(in: 0...100, count: 5) == [0, 20, 40, 60, 80, 100])
        #expect(LineChart.niceTicks(in: 1...1, count: 5).isEmpty)
        #expect(LineChart.niceStep(span: 0.8, count: 4) == 0.2)
    }

    @Test func encodesAsPNG() throws {
        let data = try ImageCodecs.encode(sampleAccuracyChart().render(), as: .png)
        #expect(Array(data.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
    }
}
