import FaceDatasets
import Training

/// The confusion matrix as a picture: one cell per (true, predicted) pair shaded by the
/// fraction of the true class's faces (white 0 to dark blue 1), with the count and the
/// percentage in the cell, the class names along both axes and the accuracies in the title.
public struct ConfusionChart: Sendable {
    /// The evaluation drawn.
    public let summary: EvaluationSummary

    /// A chart of `summary`'s confusion matrix.
    public init(summary: EvaluationSummary) { self.summary = summary }

    /// The shade of a cell holding `fraction` of its row.
    static func shade(_ fraction: Double) -> ChartColour {
        ChartColour.white.mixed(with: ChartColour(hex: 0x08306B), amount: min(max(fraction, 0), 1))
    }

    /// The picture (RGB).
    public func render(cell: Int = 64) -> RGBImage {
        let names = summary.confusion.classNames, matrix = summary.confusion.matrix, k = names.count
        let scale = 2
        let labelWidth = (names.map { BitmapFont.width(of: $0, scale: scale) }.max() ?? 0) + 16
        let top = 3 * BitmapFont.height(scale: scale) + 20
        let left = labelWidth + BitmapFont.height(scale: scale) + 8
        let bottom = labelWidth + BitmapFont.height(scale: scale) + 16
        let width = max(left + k * cell + 24, BitmapFont.width(of: title, scale: scale) + 24)
        var canvas = Canvas(width: width, height: top + k * cell + bottom)
        canvas.text(title, x: 12, y: 8, scale: scale, bold: true)
        canvas.text(
            "rows: true class, columns: predicted, shade: fraction of the row", x: 12,
            y: 12 + BitmapFont.height(scale: scale), scale: 1, colour: .axis)
        for t in 0..<k {
            let rowTotal = matrix[t].reduce(0, +)
            for p in 0..<k {
                let fraction = rowTotal > 0 ? Double(matrix[t][p]) / Double(rowTotal) : 0
                let box = ChartRect(
                    x: left + p * cell, y: top + t * cell, width: cell, height: cell)
                let fill = Self.shade(fraction)
                canvas.fillRect(box, colour: fill)
                let ink: ChartColour = fraction > 0.5 ? .white : .ink
                canvas.text(
                    String(matrix[t][p]), x: box.x + cell / 2,
                    y: box.y + cell / 2 - BitmapFont.height(scale: scale), scale: scale,
                    colour: ink, alignment: .centre, bold: t == p)
                if rowTotal > 0 {
                    canvas.text(
                        "\(Int((fraction * 100).rounded()))%", x: box.x + cell / 2,
                        y: box.y + cell / 2 + 4, scale: 1, colour: ink, alignment: .centre)
                }
            }
            canvas.text(
                names[t], x: left - 8,
                y: top + t * cell + cell / 2 - BitmapFont.height(scale: scale) / 2, scale: scale,
                alignment: .right)
        }
        for p in 0..<k {
            canvas.text(
                names[p], x: left + p * cell + cell / 2 - BitmapFont.height(scale: scale) / 2,
                y: top + k * cell + 8,
                scale: scale, alignment: .right, vertical: true)
        }
        canvas.rect(ChartRect(x: left, y: top, width: k * cell, height: k * cell), colour: .axis)
        canvas.text(
            "true", x: 4, y: top + k * cell / 2, scale: scale, colour: .axis, alignment: .centre,
            vertical: true)
        canvas.text(
            "predicted", x: left + k * cell / 2,
            y: top + k * cell + bottom - BitmapFont.height(scale: scale) - 4, scale: scale,
            colour: .axis, alignment: .centre)
        return canvas.image
    }

    var title: String {
        "accuracy \(percent(summary.accuracy)), mean class \(percent(summary.meanClassAccuracy)), "
            + "\(summary.faces) faces, epoch \(summary.checkpointEpoch)"
    }

    func percent(_ x: Double) -> String {
        let tenths = Int((x * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
