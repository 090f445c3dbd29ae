import FaceDatasets
import Foundation
import Training

/// A run's log as pictures: one panel per loss term (each on its own scale, so a large term
/// such as L_AT does not flatten the others), one of the train and test accuracies, and one
/// of the learning rate; epochs counted from 1 on every x axis. PNG through `LineChart`,
/// SVG with the same panels, axes and ticks, its text escaped for XML.
public struct TrainingCurves: Sendable {
    /// One panel: a title, a y label, its lines and an optional fixed y range.
    public struct Panel: Sendable, Equatable {
        /// Written above the panel.
        public let title: String
        /// Beside the y axis.
        public let yLabel: String
        /// The lines, x in epochs from 1.
        public let series: [LineChart.Series]
        /// A fixed y range (accuracies: 0…100), or nil to fit the data.
        public let yRange: ClosedRange<Double>?
    }

    /// Written above the panels.
    public let title: String
    /// The panels, in reading order.
    public let panels: [Panel]
    /// The epochs of the log.
    public let epochs: Int

    /// What each log key means (Eq. numbers of the paper).
    static let termNames: [String: String] = [
        "loss": "total loss (Eq. 11)", "loss_ce": "L_CE, cross-entropy (Eq. 3-4)",
        "loss_adv": "L_adv, adversarial (Eq. 5)",
        "loss_at": "L_AT, attention transfer (Eq. 7)", "loss_ad": "L_AD, discriminator (Eq. 6)",
    ]

    /// The panels of `records` (a run's `EpochLog.records()`).
    public init(_ records: [EpochRecord], title: String) {
        self.title = title
        epochs = records.count
        func points(_ values: [(Int, Double?)]) -> [LineChart.Point] {
            values.compactMap { e, v in
                v.flatMap { $0.isFinite ? LineChart.Point(x: Double(e), y: $0) : nil }
            }
        }
        var panels: [Panel] = []
        for key in Set(records.flatMap { $0.losses.keys }).sorted(by: Self.termOrder) {
            let name =
                Self.termNames[key]
                ?? (key.hasPrefix("loss_") ? "DFEM head " + key.dropFirst(5) + " (Eq. 1)" : key)
            panels.append(
                Panel(
                    title: name, yLabel: key,
                    series: [
                        LineChart.Series(
                            name: key, points: points(records.map { ($0.epoch, $0.losses[key]) }),
                            style: panels.count)
                    ], yRange: nil))
        }
        let accuracy = [
            LineChart.Series(
                name: "train",
                points: points(records.map { ($0.epoch, $0.trainAccuracy.map { $0 * 100 }) }),
                style: 0),
            LineChart.Series(
                name: "test",
                points: points(records.map { ($0.epoch, $0.testAccuracy.map { $0 * 100 }) }),
                style: 1),
        ].filter { !$0.points.isEmpty }
        if !accuracy.isEmpty {
            panels.append(
                Panel(title: "accuracy", yLabel: "accuracy (%)", series: accuracy, yRange: 0...100))
        }
        let held = Set(records.flatMap { ($0.heldOutAccuracy ?? [:]).keys }).sorted()
        if !held.isEmpty {
            panels.append(
                Panel(
                    title: "held-out accuracy per factor", yLabel: "accuracy (%)",
                    series: held.enumerated().map { k, f in
                        LineChart.Series(
                            name: f,
                            points: points(
                                records.map {
                                    ($0.epoch, $0.heldOutAccuracy?[f].map { $0 * 100 })
                                }),
                            style: k)
                    }, yRange: 0...100))
        }
        panels.append(
            Panel(
                title: "learning rate", yLabel: "rate",
                series: [
                    LineChart.Series(
                        name: "lr", points: points(records.map { ($0.epoch, $0.learningRate) }),
                        style: 6)
                ], yRange: nil))
        self.panels = panels
    }

    /// `loss` first, then the paper's terms in equation order, then the rest by name.
    static func termOrder(_ a: String, _ b: String) -> Bool {
        let order = ["loss", "loss_ce", "loss_adv", "loss_at", "loss_ad"]
        switch (order.firstIndex(of: a), order.firstIndex(of: b)) {
        case let (i?, j?): return i < j
        case (_?, nil): return true
        case (nil, _?): return false
        case (nil, nil): return a < b
        }
    }

    /// Panels per row.
    public static let columns = 3

    /// The PNG picture: the title, then the panels in rows of `columns`.
    public func render(panelWidth: Int = 480, panelHeight: Int = 320) -> RGBImage {
        let images = panels.map { p in
            LineChart(
                title: p.title, xLabel: "epoch", yLabel: p.yLabel, series: p.series,
                yRange: p.yRange
            )
            .render(width: panelWidth, height: panelHeight)
        }
        let rows = (images.count + Self.columns - 1) / Self.columns
        let header = 2 * BitmapFont.height(scale: 2) + 8
        let width = min(images.count, Self.columns) * panelWidth
        var canvas = Canvas(width: max(width, 1), height: header + rows * panelHeight)
        canvas.text(
            BitmapFont.fitted("\(title): \(epochs) epochs", maxWidth: width - 16, scale: 2), x: 8,
            y: 8, scale: 2, bold: true)
        for (k, image) in images.enumerated() {
            canvas.draw(
                image, x: (k % Self.columns) * panelWidth,
                y: header + (k / Self.columns) * panelHeight)
        }
        return canvas.image
    }

    /// The SVG picture: the same panels, each with a frame, y ticks at nice steps with grid
    /// lines, integer epoch ticks, the axis labels and a legend inside the panel.
    public func svg(panelWidth: Double = 420, panelHeight: Double = 280) -> String {
        let columns = Double(min(panels.count, Self.columns)),
            rows = Double((panels.count + Self.columns - 1) / Self.columns)
        let header = 34.0
        let width = columns * panelWidth, height = header + rows * panelHeight
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height))\" font-family=\"sans-serif\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"10\" y=\"22\" font-size=\"15\" "
            + "font-weight=\"bold\">\(Self.escape(title)): \(epochs) epochs</text>\n"
        for (k, panel) in panels.enumerated() {
            let x0 = Double(k % Self.columns) * panelWidth,
                y0 = header + Double(k / Self.columns) * panelHeight
            s += svgPanel(panel, x: x0, y: y0, width: panelWidth, height: panelHeight)
        }
        return s + "</svg>\n"
    }

    func svgPanel(_ panel: Panel, x: Double, y: Double, width: Double, height: Double) -> String {
        let left = 62.0, right = 12.0, top = 26.0, bottom = 40.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let all = panel.series.flatMap(\.points)
        var lo = panel.yRange?.lowerBound ?? (all.map(\.y).min() ?? 0),
            hi = panel.yRange?.upperBound ?? (all.map(\.y).max() ?? 1)
        if hi - lo < 1e-12 * max(abs(hi), 1) {
            (lo, hi) = (lo - max(abs(lo) * 0.1, 1e-9), hi + max(abs(hi) * 0.1, 1e-9))
        }
        if panel.yRange == nil, let step = LineChart.niceStep(span: hi - lo, count: 5) {
            lo = (lo / step).rounded(.down) * step
            hi = (hi / step).rounded(.up) * step
        }
        let firstEpoch = 1.0, lastEpoch = Double(max(epochs, 2))
        func px(_ e: Double) -> Double {
            left + (e - firstEpoch) / (lastEpoch - firstEpoch) * plotWidth
        }
        func py(_ v: Double) -> Double { top + (1 - (v - lo) / (hi - lo)) * plotHeight }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = "<g transform=\"translate(\(f(x)),\(f(y)))\">\n"
        s += "<text x=\"\(f(left))\" y=\"16\" font-size=\"13\" "
            + "font-weight=\"bold\">\(Self.escape(panel.title))</text>\n"
        for t in LineChart.niceTicks(in: lo...hi, count: 5) {
            s += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotWidth))\" y1=\"\(f(py(t)))\" "
                + "y2=\"\(f(py(t)))\" stroke=\"#e3e3e3\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" font-size=\"11\" "
                + "text-anchor=\"end\">\(Self.escape(Self.tick(t)))</text>\n"
        }
        let step = max(
            1, Int(LineChart.niceStep(span: lastEpoch - firstEpoch, count: 8)?.rounded(.up) ?? 1))
        for e in stride(from: 1, through: max(epochs, 1), by: step) {
            s += "<line x1=\"\(f(px(Double(e))))\" x2=\"\(f(px(Double(e))))\" "
                + "y1=\"\(f(top + plotHeight))\" y2=\"\(f(top + plotHeight + 4))\" "
                + "stroke=\"#4d4d4d\"/>"
            s += "<text x=\"\(f(px(Double(e))))\" y=\"\(f(top + plotHeight + 16))\" "
                + "font-size=\"11\" text-anchor=\"middle\">\(e)</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" "
            + "height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#4d4d4d\"/>\n"
        s += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 6))\" font-size=\"12\" "
            + "text-anchor=\"middle\">epoch</text>\n"
        s += "<text transform=\"translate(14,\(f(top + plotHeight / 2))) rotate(-90)\" "
            + "font-size=\"12\" text-anchor=\"middle\">\(Self.escape(panel.yLabel))</text>\n"
        for (k, series) in panel.series.enumerated() {
            let colour = ChartColour.palette[(series.style ?? k) % ChartColour.palette.count]
            let hex = String(format: "#%02x%02x%02x", colour.red, colour.green, colour.blue)
            let points = series.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(
                separator: " ")
            s +=
                "<polyline fill=\"none\" stroke=\"\(hex)\" stroke-width=\"2\" "
                    + "points=\"\(points)\"/>\n"
            for p in series.points {
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.5\" fill=\"\(hex)\"/>"
            }
            let ly = top + 14 + Double(k) * 14
            s += "\n<line x1=\"\(f(left + plotWidth - 70))\" x2=\"\(f(left + plotWidth - 54))\" "
                + "y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(hex)\" stroke-width=\"2\"/>"
            s += "<text x=\"\(f(left + plotWidth - 50))\" y=\"\(f(ly))\" "
                + "font-size=\"11\">\(Self.escape(series.name))</text>\n"
        }
        return s + "</g>\n"
    }

    /// A tick label: up to four significant digits, exponent form for very small or large values.
    static func tick(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) < 1e-3 || abs(v) >= 1e5 { return String(format: "%.1e", v) }
        return String(format: "%.4g", v)
    }

    /// `text` with `&`, `<`, `>`, `"` and `'` as XML entities, and control characters other
    /// than tab and line breaks (not allowed in XML 1.0) dropped.
    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r" {
                    continue
                }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
