import FaceDatasets
import Foundation

/// Figure 5 as a picture a reader can take in: the overlays of `AttentionMaps` enlarged
/// (nearest neighbour, so no detail is invented), each face's class name under it (and the
/// predicted class when it differs), a colour bar of the heat scale with its ends labelled,
/// and a caption saying what is shown.
public struct AttentionFigure: Sendable {
    /// The overlays, one per face.
    public let faces: [RGBImage]
    /// The true class of each face.
    public let labels: [String]
    /// The predicted class of each face (nil: not shown).
    public let predictions: [String?]
    /// The side of the maps before upsampling (for the caption).
    public let mapSide: Int

    /// A figure of `faces` with `labels` (and `predictions`, when given).
    /// - Precondition: one label per face, and one prediction per face when given.
    public init(faces: [RGBImage], labels: [String], predictions: [String?]? = nil, mapSide: Int) {
        precondition(
            labels.count == faces.count,
            "AttentionFigure: \(labels.count) labels for \(faces.count) faces")
        precondition(
            predictions.map { $0.count == faces.count } ?? true,
            "AttentionFigure: one prediction per face")
        self.faces = faces
        self.labels = labels
        self.predictions = predictions ?? faces.map { _ in nil }
        self.mapSide = mapSide
    }

    /// `image` enlarged `factor` times by repeating pixels.
    static func enlarged(_ image: RGBImage, by factor: Int) -> RGBImage {
        RGBImage(width: image.width * factor, height: image.height * factor) { x, y in
            let i = 3 * ((y / factor) * image.width + x / factor)
            return (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2])
        }
    }

    /// The picture: faces enlarged to about `target` pixels, up to `columns` per row.
    public func render(target: Int = 144, columns: Int = 7) -> RGBImage {
        let side = faces.first?.width ?? 1
        let factor = max(1, Int((Double(target) / Double(side)).rounded()))
        let cell = side * factor, gap = 12, scale = 2
        let textHeight = BitmapFont.height(scale: scale)
        let perRow = max(1, min(columns, faces.count))
        let rows = (faces.count + perRow - 1) / perRow
        let top = 2 * textHeight + 16
        let rowHeight = cell + 2 * textHeight + 14
        let barWidth = 18, barSpace = 90
        let width = gap + perRow * (cell + gap) + barSpace
        let height = top + rows * rowHeight + textHeight + 8
        var canvas = Canvas(width: width, height: height)
        canvas.text(
            "Attention (Eq. 10 map summed over channels), one face per class", x: gap, y: 6,
            scale: scale, bold: true)
        canvas.text(
            "heat normalised per face, maps of \(mapSide)x\(mapSide) upsampled to the "
                + "\(side)x\(side) input",
            x: gap, y: 10 + textHeight, scale: 1, colour: .axis)
        for (k, face) in faces.enumerated() {
            let x = gap + (k % perRow) * (cell + gap), y = top + (k / perRow) * rowHeight
            canvas.draw(Self.enlarged(face, by: factor), x: x, y: y)
            canvas.rect(
                ChartRect(x: x - 1, y: y - 1, width: cell + 2, height: cell + 2), colour: .axis)
            canvas.text(
                BitmapFont.fitted(labels[k], maxWidth: cell, scale: scale), x: x + cell / 2,
                y: y + cell + 6,
                scale: scale, alignment: .centre, bold: true)
            if let predicted = predictions[k] {
                let colour: ChartColour =
                    predicted == labels[k] ? ChartColour(hex: 0x009E73) : ChartColour(hex: 0xD55E00)
                canvas.text(
                    BitmapFont.fitted("predicted " + predicted, maxWidth: cell, scale: 1),
                    x: x + cell / 2,
                    y: y + cell + 8 + textHeight, scale: 1, colour: colour, alignment: .centre)
            }
        }
        // The colour bar: high at the top.
        let barX = width - barSpace + 16, barTop = top, barHeight = max(cell, 40)
        for row in 0..<barHeight {
            let (r, g, b) = AttentionMaps.heat(1 - Float(row) / Float(max(barHeight - 1, 1)))
            canvas.fillRect(ChartRect(x: barX, y: barTop + row, width: barWidth, height: 1),
                            colour: ChartColour(UInt8(r * 255), UInt8(g * 255), UInt8(b * 255)))
        }
        canvas.rect(
            ChartRect(x: barX - 1, y: barTop - 1, width: barWidth + 2, height: barHeight + 2),
            colour: .axis)
        canvas.text("high", x: barX + barWidth + 6, y: barTop, scale: 1)
        canvas.text(
            "low", x: barX + barWidth + 6, y: barTop + barHeight - BitmapFont.height(scale: 1),
            scale: 1)
        canvas.text(
            "heat", x: barX + barWidth / 2, y: barTop + barHeight + 6, scale: 1, alignment: .centre)
        return canvas.image
    }
}
