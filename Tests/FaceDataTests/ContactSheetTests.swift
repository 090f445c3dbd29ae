import Foundation
import Testing
import FaceData

/// Contact sheets written for looking at (rows = expressions), and the sheet's layout.
@Suite("Synthetic faces: contact sheets")
struct ContactSheetTests {
    /// A binary PPM (P6) of an interleaved RGB buffer.
    static func ppm(width: Int, height: Int, rgb: [UInt8]) -> Data {
        var data = Data("P6\n\(width) \(height)\n255\n".utf8)
        data.append(contentsOf: rgb)
        return data
    }

    /// `columns` images per expression of a labelled set, one expression per row.
    static func byExpression(_ set: FaceSet, columns: Int) -> FaceSet {
        var indices: [Int] = []
        for e in 0..<7 {
            indices += (0..<set.count).filter { set.expressions[$0] == e }.prefix(columns)
        }
        return set.subset(indices)
    }

    @Test func sheetTilesImagesInOrder() {
        let set = SyntheticFaces.labelledSet(spec: SyntheticFaceSpec(size: 16), count: 5, seed: 1)
        let sheet = SyntheticFaces.contactSheet(set, columns: 2)
        #expect(sheet.width == 2 * 17 + 1 && sheet.height == 3 * 17 + 1)
        #expect(sheet.rgb.count == sheet.width * sheet.height * 3)
        // Image 3 sits in row 1, column 1; its pixel (x 4, y 5), green channel.
        let o = ((1 + 17 + 5) * sheet.width + 1 + 17 + 4) * 3 + 1
        #expect(sheet.rgb[o] == set.pixels[3 * 3 * 256 + 256 + 5 * 16 + 4])
    }

    /// Writes sheets to look at, one expression per row (anger, disgust, fear, happiness,
    /// sadness, surprise, neutral): `faces.ppm` (strength 1, "wild"), `faces-lab.ppm`
    /// (strength 0.2, "lab"), both 40 px, and `faces-100.ppm` (strength 1, 100 px), in the
    /// temporary directory.
    @Test func writeSheets() throws {
        let sheets = [("faces", 40, 1.0, 10), ("faces-lab", 40, 0.2, 10), ("faces-100", 100, 1.0, 6)]
        for (name, size, strength, columns) in sheets {
            let spec = SyntheticFaceSpec(size: size, strength: strength)
            // A labelled set is balanced, so 7 × columns images give `columns` per expression.
            let set = SyntheticFaces.labelledSet(spec: spec, count: 7 * columns, seed: 7)
            #expect(set.expressionCounts == [Int](repeating: columns, count: 7))
            let sheet = SyntheticFaces.contactSheet(Self.byExpression(set, columns: columns), columns: columns)
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).ppm")
            try Self.ppm(width: sheet.width, height: sheet.height, rgb: sheet.rgb).write(to: url)
        }
    }
}
