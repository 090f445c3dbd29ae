import FaceDatasets
import Foundation

/// A line chart of one or more series over a numeric x axis, with optional confidence bands
/// and dashed reference lines, rendered to an RGB image (write it with
/// `ImageCodecs.write(chart.render(), to: path, as: .png)`).
///
/// Each series gets its own colour (the Okabe–Ito palette, `ChartColour.palette`) and marker;
/// a point's `low`…`high` interval is drawn as a translucent band in the series colour (as an
/// error bar where the interval stands alone). Points with a non-finite x or y are skipped
/// (a skipped y breaks the line); nothing about the input makes rendering trap.
public struct LineChart: Sendable {
    /// One observation: `y` at `x`, with an optional interval `low`…`high` (e.g. a 95% CI).
    public struct Point: Sendable, Equatable {
        /// Position along the x axis.
        public var x: Double
        /// The value plotted.
        public var y: Double
        /// Lower end of the interval, if any.
        public var low: Double?
        /// Upper end of the interval, if any.
        public var high: Double?

        /// A point, with an interval when `low` or `high` is given (a missing end is `y`).
        public init(x: Double, y: Double, low: Double? = nil, high: Double? = nil) {
            self.x = x
            self.y = y
            self.low = low
            self.high = high
        }
    }

    /// A named sequence of points, drawn as one line in the order of x.
    public struct Series: Sendable, Equatable {
        /// The name shown in the legend (an empty name leaves the series out of the legend).
        public var name: String
        /// The observations.
        public var points: [Point]
        /// Which palette colour and marker the series takes (default: its position), so that
        /// one method keeps its colour across panels.
        public var style: Int?

        /// A series from its name and points.
        public init(name: String, points: [Point], style: Int? = nil) {
            self.name = name
            self.points = points
            self.style = style
        }
    }

    /// A horizontal dashed grey line at `y`, labelled at its right end (e.g. chance level).
    public struct ReferenceLine: Sendable, Equatable {
        /// Where the line is, in y units.
        public var y: Double
        /// The text written at the right end, e.g. "chance 14.3%".
        public var label: String

        /// A reference line from its height and label.
        public init(y: Double, label: String) {
            self.y = y
            self.label = label
        }
    }

    /// Written centred at the top.
    public var title: String
    /// Written under the x axis.
    public var xLabel: String
    /// Written beside the y axis, reading upwards.
    public var yLabel: String
    /// The lines, coloured and marked in this order.
    public var series: [Series]
    /// The y axis's extent; nil takes it from the data (bands and reference lines included),
    /// padded and widened to whole tick steps.
    public var yRange: ClosedRange<Double>?
    /// Dashed lines across the plot, e.g. chance level.
    public var referenceLines: [ReferenceLine]

    /// A chart; everything but the data has a default.
    public init(
        title: String = "", xLabel: String = "", yLabel: String = "", series: [Series] = [],
        yRange: ClosedRange<Double>? = nil, referenceLines: [ReferenceLine] = []
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yRange = yRange
        self.referenceLines = referenceLines
    }

    /// The chart drawn on a white image of `width × height` pixels (sides below 1 taken as 1).
    /// Text is drawn at scale 1–3 by the image's size; 720 × 480 uses scale 2.
    public func render(width: Int = 720, height: Int = 480) -> RGBImage {
        var renderer = ChartRenderer(chart: self, width: width, height: height)
        renderer.draw()
        return renderer.canvas.image
    }

    /// `panels` in one row on white, `gap` pixels apart, each centred vertically; an empty
    /// list gives a single white pixel.
    public static func side(by side: [RGBImage], gap: Int = 12) -> RGBImage {
        guard !side.isEmpty else { return RGBImage(width: 1, height: 1, pixels: [255, 255, 255]) }
        let spacing = max(0, gap)
        let width = side.reduce(0) { $0 + $1.width } + spacing * (side.count - 1)
        let height = side.map(\.height).max() ?? 1
        var canvas = Canvas(width: width, height: height)
        var x = 0
        for panel in side {
            canvas.draw(panel, x: x, y: (height - panel.height) / 2)
            x += panel.width + spacing
        }
        return canvas.image
    }

    /// The step of 1, 2 or 5 × 10ᵏ that divides `span` into at most `count` intervals (at
    /// least 1), as few steps above that as possible; nil when `span` is not positive and finite.
    public static func niceStep(span: Double, count: Int) -> Double? {
        guard span.isFinite, span > 0 else { return nil }
        let target = Double(max(1, count))
        let raw = span / target
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        guard magnitude.isFinite, magnitude > 0 else { return nil }
        for factor in [1.0, 2, 5, 10] where span / (factor * magnitude) <= target * (1 + 1e-9) {
            return factor * magnitude
        }
        return 10 * magnitude
    }

    /// The multiples of a nice step (see `niceStep`) inside `range`, at most about `count`
    /// intervals apart; empty when the range is not finite or has no width.
    public static func niceTicks(in range: ClosedRange<Double>, count: Int) -> [Double] {
        let lo = range.lowerBound, hi = range.upperBound
        guard let step = niceStep(span: hi - lo, count: count) else { return [] }
        let first = (lo / step - 1e-9).rounded(.up), last = (hi / step + 1e-9).rounded(.down)
        guard first.isFinite, last.isFinite, last >= first, last - first <= 1000 else { return [] }
        return stride(from: first, through: last, by: 1).map { k in
            let v = k * step
            return abs(v) < step * 1e-9 ? 0 : v
        }
    }
}

/// The marks that tell series apart besides their colour, in the order series get them.
private enum Marker: CaseIterable {
    case circle, square, triangle, diamond, triangleDown, plus, star, hexagon

    /// The outline of the mark centred at `c` with size `r` (about its radius), or nil for
    /// the circle.
    func outline(_ c: (x: Double, y: Double), _ r: Double) -> [(x: Double, y: Double)]? {
        func regular(_ n: Int, _ radius: Double, _ start: Double) -> [(x: Double, y: Double)] {
            (0..<n).map { i in
                let a = start + 2 * Double.pi * Double(i) / Double(n)
                return (c.x + radius * cos(a), c.y + radius * sin(a))
            }
        }
        switch self {
        case .circle: return nil
        case .square: return regular(4, r * 1.2, Double.pi / 4)
        case .triangle: return regular(3, r * 1.3, -Double.pi / 2).map { ($0.x, $0.y + r * 0.2) }
        case .diamond: return regular(4, r * 1.3, 0)
        case .triangleDown:
            return regular(3, r * 1.3, Double.pi / 2).map { ($0.x, $0.y - r * 0.2) }
        case .hexagon: return regular(6, r * 1.1, 0)
        case .star:
            return (0..<10).map { i in
                let a = -Double.pi / 2 + Double.pi * Double(i) / 5
                let radius = i % 2 == 0 ? r * 1.45 : r * 0.65
                return (c.x + radius * cos(a), c.y + radius * sin(a))
            }
        case .plus:
            let a = r * 1.25, b = r * 0.45
            return [(-b, -a), (b, -a), (b, -b), (a, -b), (a, b), (b, b), (b, a), (-b, a),
                    (-b, b), (-a, b), (-a, -b), (-b, -b)].map { (c.x + $0.0, c.y + $0.1) }
        }
    }
}

/// One series cleaned for drawing: runs of finite points in x order.
private struct PreparedSeries {
    var name: String
    var colour: ChartColour
    var marker: Marker
    /// Stretches of the line with finite y (a non-finite y ends a stretch).
    var lines: [[(x: Double, y: Double)]]
    /// Stretches of interval with finite ends.
    var bands: [[(x: Double, low: Double, high: Double)]]
}

/// Where the legend goes.
private enum LegendPlacement {
    case none
    case inside(ChartRect)
    case below(BelowLegend)
}

/// A legend under the plot: entries in a grid, names cut to one width.
private struct BelowLegend {
    /// The series shown, in order, filling the grid's rows.
    var entries: [Int]
    /// How many series did not fit (told as "+N more" in the next cell).
    var more: Int
    var columns: Int
    var columnWidth: Int
    var spacing: Int
    /// The widest a name may be drawn.
    var textWidth: Int
    var rect: ChartRect
}

/// Draws one `LineChart`: cleans the data, lays out the plot, then paints it.
private struct ChartRenderer {
    let chart: LineChart
    var canvas: Canvas
    let width: Int
    let height: Int
    /// Text scale; all sizes derive from it.
    let s: Int
    let pad: Int
    let cell: Int
    let tick: Int
    let lineThickness: Int
    let markerRadius: Double
    let prepared: [PreparedSeries]
    /// Finite y values of references inside the final range, with their labels.
    var references: [LineChart.ReferenceLine] = []

    var xRange: (lo: Double, hi: Double) = (0, 1)
    var yRange: (lo: Double, hi: Double) = (0, 1)
    var xTicks: [Double] = []
    var xTicksFromData = false
    var yTicks: [Double] = []
    var yStep: Double = 1
    var plot = ChartRect(x: 0, y: 0, width: 1, height: 1)
    var legend = LegendPlacement.none

    init(chart: LineChart, width: Int, height: Int) {
        self.chart = chart
        canvas = Canvas(width: width, height: height, background: .white)
        self.width = canvas.width
        self.height = canvas.height
        s = min(max(min(self.width / 360, self.height / 240), 1), 3)
        pad = 4 * s + 2
        cell = BitmapFont.cellHeight * s
        tick = 2 * s + 1
        lineThickness = s + 1
        markerRadius = 1.5 * Double(s) + 1.5
        prepared = chart.series.enumerated().map { index, series in
            ChartRenderer.prepare(series, index: index)
        }
    }

    // MARK: Data

    static func prepare(_ series: LineChart.Series, index: Int) -> PreparedSeries {
        let palette = ChartColour.palette
        let markers = Marker.allCases
        let sorted = series.points.filter { $0.x.isFinite }.sorted { $0.x < $1.x }
        var lines: [[(x: Double, y: Double)]] = [[]]
        var bands: [[(x: Double, low: Double, high: Double)]] = [[]]
        for p in sorted {
            if p.y.isFinite {
                lines[lines.count - 1].append((p.x, p.y))
            } else if !(lines.last ?? []).isEmpty {
                lines.append([])
            }
            if let interval = ChartRenderer.interval(p) {
                bands[bands.count - 1].append((p.x, interval.low, interval.high))
            } else if !(bands.last ?? []).isEmpty {
                bands.append([])
            }
        }
        return PreparedSeries(
            name: series.name, colour: palette[(series.style ?? index) % palette.count],
            marker: markers[(series.style ?? index) % markers.count],
            lines: lines.filter { !$0.isEmpty }, bands: bands.filter { !$0.isEmpty })
    }

    /// A point's interval with finite, ordered ends, if it has one.
    static func interval(_ p: LineChart.Point) -> (low: Double, high: Double)? {
        guard p.low != nil || p.high != nil else { return nil }
        let a = p.low ?? p.y, b = p.high ?? p.y
        guard a.isFinite, b.isFinite else { return nil }
        return (min(a, b), max(a, b))
    }

    var distinctXs: [Double] {
        var xs: [Double] = []
        for series in prepared {
            for line in series.lines { xs += line.map(\.x) }
            for band in series.bands { xs += band.map(\.x) }
        }
        return Array(Set(xs)).sorted()
    }

    var dataYs: [Double] {
        var ys: [Double] = []
        for series in prepared {
            for line in series.lines { ys += line.map(\.y) }
            for band in series.bands { ys += band.flatMap { [$0.low, $0.high] } }
        }
        return ys + chart.referenceLines.map(\.y).filter(\.isFinite)
    }

    /// Widens an empty or degenerate extent so it has width.
    static func widened(_ lo: Double, _ hi: Double) -> (lo: Double, hi: Double) {
        guard lo.isFinite, hi.isFinite else { return (0, 1) }
        if hi > lo { return (lo, hi) }
        let d = lo == 0 ? 1 : abs(lo) * 0.1
        return (lo - d, hi + d)
    }

    mutating func computeRanges() {
        let xs = distinctXs
        if let first = xs.first, let last = xs.last {
            let (lo, hi) = ChartRenderer.widened(first, last)
            let padding = (hi - lo) * 0.05
            xRange = (lo - padding, hi + padding)
        } else {
            xRange = (0, 1)
        }
        if !(xRange.lo <= xRange.hi) { xRange = (0, 1) }
        if xs.count >= 1 && xs.count <= 12 {
            xTicks = xs
            xTicksFromData = true
        } else {
            let count = max(3, min(10, (width - 4 * pad) / max(1, 7 * BitmapFont.advance * s)))
            xTicks = LineChart.niceTicks(in: xRange.lo...xRange.hi, count: count)
        }

        let estimate = height - topMargin - bottomMargin(legendHeight: 0)
        let count = max(3, min(8, estimate / max(1, 3 * cell)))
        if let fixed = chart.yRange, fixed.lowerBound.isFinite, fixed.upperBound.isFinite {
            yRange = ChartRenderer.widened(fixed.lowerBound, fixed.upperBound)
            yStep = LineChart.niceStep(span: yRange.hi - yRange.lo, count: count) ?? 1
        } else {
            let ys = dataYs
            let raw = ChartRenderer.widened(ys.min() ?? 0, ys.max() ?? 1)
            let padding = ys.isEmpty ? 0 : (raw.hi - raw.lo) * 0.04
            var lo = raw.lo - padding
            let hi = raw.hi + padding
            if raw.lo >= 0 && lo < 0 { lo = 0 }
            let step = LineChart.niceStep(span: hi - lo, count: count) ?? 1
            let snappedLo = (lo / step).rounded(.down) * step
            let snappedHi = (hi / step).rounded(.up) * step
            if snappedLo.isFinite, snappedHi.isFinite, snappedHi > snappedLo {
                yRange = (snappedLo, snappedHi)
                yStep = LineChart.niceStep(span: snappedHi - snappedLo, count: count) ?? step
            } else {
                yRange = (lo, hi)
                yStep = step
            }
        }
        if !(yRange.lo <= yRange.hi) { yRange = (0, 1) }
        yTicks = LineChart.niceTicks(in: yRange.lo...yRange.hi, count: count)
        let span = yRange.hi - yRange.lo
        references = chart.referenceLines.filter {
            $0.y.isFinite && $0.y >= yRange.lo - span * 1e-9 && $0.y <= yRange.hi + span * 1e-9
        }
    }

    // MARK: Labels

    func xTickLabel(_ v: Double) -> String {
        if xTicksFromData { return ChartRenderer.shortest(v) }
        let step = xTicks.count > 1 ? xTicks[1] - xTicks[0] : 1
        return ChartRenderer.format(v, step: step)
    }

    func yTickLabel(_ v: Double) -> String {
        ChartRenderer.format(v, step: yStep)
    }

    /// `v` with as many decimals as a multiple of `step` needs.
    static func format(_ v: Double, step: Double) -> String {
        guard v.isFinite else { return "" }
        let big = max(abs(v), abs(step))
        if big >= 1e6 || (step > 0 && step < 1e-4) { return String(format: "%.3g", v) }
        let decimals = step > 0 ? max(0, min(6, Int(-(log10(step) + 1e-9).rounded(.down)))) : 0
        let text = String(format: "%.\(decimals)f", abs(v) < 1e-12 ? 0 : v)
        return text
    }

    /// `v` with the fewest decimals (at most 3) that show it.
    static func shortest(_ v: Double) -> String {
        guard v.isFinite else { return "" }
        if abs(v) >= 1e6 { return String(format: "%.3g", v) }
        for decimals in 0...3 {
            let text = String(format: "%.\(decimals)f", v)
            if let back = Double(text), abs(back - v) <= 1e-9 * max(1, abs(v)) {
                return text == "-0" ? "0" : text
            }
        }
        return String(format: "%.3f", v)
    }

    // MARK: Layout

    /// The title's text scale: one up from the rest on small charts, smaller if it is wide.
    var titleScale: Int {
        var scale = s == 1 ? 2 : s
        while scale > 1 && BitmapFont.width(of: chart.title, scale: scale, bold: true)
            > width - 2 * pad
        {
            scale -= 1
        }
        return scale
    }

    var topMargin: Int {
        chart.title.isEmpty ? pad + cell / 2 : pad + BitmapFont.height(scale: titleScale) + pad
    }

    func bottomMargin(legendHeight: Int) -> Int {
        var margin = tick + 2 * s + cell + pad
        if !chart.xLabel.isEmpty { margin += 2 * s + cell }
        if legendHeight > 0 { margin += legendHeight + 2 * s + s }
        return margin
    }

    var leftMargin: Int {
        let labels = yTicks.map { BitmapFont.width(of: yTickLabel($0), scale: s) }.max() ?? 0
        var margin = pad + labels + 2 * s + tick
        if !chart.yLabel.isEmpty { margin += cell + 2 * s }
        return margin
    }

    var rightMargin: Int {
        let last = xTicks.last.map { BitmapFont.width(of: xTickLabel($0), scale: s) } ?? 0
        return pad + max(2 * s, last / 2 - (xTicksFromData ? last / 4 : 0))
    }

    mutating func layOut(legendHeight: Int) {
        let left = leftMargin, top = topMargin
        let right = rightMargin, bottom = bottomMargin(legendHeight: legendHeight)
        plot = ChartRect(x: left, y: top, width: max(1, width - left - right),
                         height: max(1, height - top - bottom))
    }

    // MARK: Mapping

    func px(_ x: Double) -> Double {
        Double(plot.x) + (x - xRange.lo) / (xRange.hi - xRange.lo) * Double(plot.width)
    }

    func py(_ y: Double) -> Double {
        Double(plot.maxY) - (y - yRange.lo) / (yRange.hi - yRange.lo) * Double(plot.height)
    }

    /// The column of `x`, kept inside the plot.
    func column(_ x: Double) -> Int {
        ChartRenderer.whole(px(x), plot.x, plot.maxX - 1)
    }

    /// The row of `y`, kept inside the plot.
    func row(_ y: Double) -> Int {
        ChartRenderer.whole(py(y), plot.y, plot.maxY - 1)
    }

    static func whole(_ v: Double, _ lo: Int, _ hi: Int) -> Int {
        guard v.isFinite else { return lo }
        return min(max(Int(max(min(v, 1e8), -1e8).rounded(.down)), lo), max(lo, hi))
    }

    // MARK: Legend

    var legendEntries: [Int] {
        prepared.indices.filter { !prepared[$0].name.isEmpty }
    }

    var sampleLength: Int { 6 * s + Int(2 * markerRadius) + 4 }
    var entryHeight: Int { max(cell, Int(2 * markerRadius) + 2) + 2 * s }
    var legendPad: Int { 3 * s + 2 }

    func legendName(_ index: Int, maxWidth: Int) -> String {
        BitmapFont.fitted(prepared[index].name, maxWidth: max(0, maxWidth), scale: s)
    }

    func entryWidth(_ index: Int, maxText: Int) -> Int {
        sampleLength + 2 * s + BitmapFont.width(of: legendName(index, maxWidth: maxText), scale: s)
    }

    /// The legend box's size when it stands in the plot.
    var insideLegendSize: (width: Int, height: Int) {
        let entries = legendEntries
        let maxText = plot.width / 2
        let widest = entries.map { entryWidth($0, maxText: maxText) }.max() ?? 0
        return (widest + 2 * legendPad, entries.count * entryHeight + 2 * legendPad - 2 * s)
    }

    /// How much of the data a legend at `rect` would hide: lines and markers (`hard`) and
    /// bands, reference lines and their labels (`soft`).
    func overlap(_ rect: ChartRect) -> (hard: Double, soft: Double) {
        let area = rect.insetBy(-(2 * s + 2))
        var hard = 0.0, soft = 0.0
        func inside(_ x: Double, _ y: Double) -> Bool {
            x.isFinite && y.isFinite && x >= Double(area.x) && x < Double(area.maxX)
                && y >= Double(area.y) && y < Double(area.maxY)
        }
        for series in prepared {
            for line in series.lines {
                let points = line.map { (px($0.x), py($0.y)) }
                for p in points where inside(p.0, p.1) { hard += 5 }
                for i in points.indices.dropFirst() {
                    let a = points[i - 1], b = points[i]
                    let length = ((b.0 - a.0) * (b.0 - a.0) + (b.1 - a.1) * (b.1 - a.1))
                        .squareRoot()
                    let steps = length.isFinite ? min(Int(length / 2) + 1, 5000) : 0
                    for k in 0...steps {
                        let t = Double(k) / Double(max(steps, 1))
                        if inside(a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)) { hard += 1 }
                    }
                }
            }
            for band in series.bands {
                for gx in stride(from: rect.x, to: rect.maxX, by: 4) {
                    for gy in stride(from: rect.y, to: rect.maxY, by: 4)
                    where bandCovers(band, Double(gx), Double(gy)) {
                        soft += 0.2
                    }
                }
            }
        }
        for reference in references {
            let y = Double(row(reference.y))
            if y >= Double(rect.y) && y < Double(rect.maxY) { soft += Double(rect.width) / 10 }
            if referenceLabelRect(reference).intersects(area) { soft += 1000 }
        }
        return (hard, soft)
    }

    /// Whether pixel position (`x`, `y`) lies inside the band.
    func bandCovers(_ band: [(x: Double, low: Double, high: Double)], _ x: Double, _ y: Double)
        -> Bool
    {
        for i in band.indices.dropFirst() {
            let a = band[i - 1], b = band[i]
            let ax = px(a.x), bx = px(b.x)
            guard bx > ax, x >= ax, x <= bx else { continue }
            let t = (x - ax) / (bx - ax)
            let top = py(a.high + t * (b.high - a.high)), bottom = py(a.low + t * (b.low - a.low))
            if y >= top && y <= bottom { return true }
        }
        return false
    }

    /// Picks the legend's place: the plot corner hiding the least, else below the plot.
    mutating func placeLegend() {
        guard !legendEntries.isEmpty else {
            legend = .none
            return
        }
        let size = insideLegendSize
        let inset = 3 * s + 2
        let fits = size.width <= plot.width - 2 * inset && size.height <= plot.height - 2 * inset
        if fits {
            var best: (rect: ChartRect, score: (hard: Double, soft: Double))?
            for (x, y, penalty) in legendCandidates(size, inset: inset) {
                let rect = ChartRect(x: x, y: y, width: size.width, height: size.height)
                var score = overlap(rect)
                score.soft += penalty
                if let current = best, (current.score.hard, current.score.soft)
                    <= (score.hard, score.soft)
                {
                    continue
                }
                best = (rect, score)
            }
            if let best, best.score.hard == 0 {
                legend = .inside(best.rect)
                return
            }
        }
        placeLegendBelow()
    }

    /// Puts the legend under the x label, in as many columns as fit (names are cut so at
    /// least two do), and as many rows as a quarter of the image holds; lays out again.
    mutating func placeLegendBelow() {
        let all = legendEntries
        let spacing = 8 * s + 4
        let limit = max(1, plot.width - 2 * legendPad)
        let fixed = sampleLength + 2 * s
        var textWidth = all.map { BitmapFont.width(of: prepared[$0].name, scale: s) }.max() ?? 0
        if all.count > 1 {
            textWidth = min(textWidth, max(24 * s, (limit - spacing) / 2 - fixed))
        }
        textWidth = max(0, min(textWidth, limit - fixed))
        let columnWidth = fixed + textWidth
        let columns = max(1, min(all.count, (limit + spacing) / (columnWidth + spacing)))
        let maxRows = max(1, (height / 4) / max(1, entryHeight))
        var rows = (all.count + columns - 1) / columns
        var shown = all
        if rows > maxRows {
            rows = maxRows
            shown = Array(all.prefix(max(0, rows * columns - 1)))
        }
        let legendHeight = rows * entryHeight + 2 * legendPad - 2 * s
        layOut(legendHeight: legendHeight)
        let boxWidth = min(plot.width,
                           columns * columnWidth + (columns - 1) * spacing + 2 * legendPad)
        let rect = ChartRect(x: plot.x + (plot.width - boxWidth) / 2,
                             y: height - pad - legendHeight, width: boxWidth, height: legendHeight)
        legend = .below(BelowLegend(
            entries: shown, more: all.count - shown.count, columns: columns,
            columnWidth: columnWidth, spacing: spacing, textWidth: textWidth, rect: rect))
    }

    /// Top-left corners a legend of `size` may take inside the plot, with a small penalty
    /// for leaving the corners: the four corners, then steps along the left and right edges,
    /// then along the top and bottom.
    func legendCandidates(_ size: (width: Int, height: Int), inset: Int)
        -> [(x: Int, y: Int, penalty: Double)]
    {
        let left = plot.x + inset, right = plot.maxX - inset - size.width
        let top = plot.y + inset, bottom = plot.maxY - inset - size.height
        var candidates: [(x: Int, y: Int, penalty: Double)] = [
            (right, top, 0), (left, top, 0), (right, bottom, 0), (left, bottom, 0),
        ]
        let steps = 8
        for k in 1..<steps {
            let y = top + (bottom - top) * k / steps
            let away = 1 + 4 * Double(min(k, steps - k)) / Double(steps)
            candidates += [(right, y, away), (left, y, away)]
        }
        for k in 1..<steps {
            let x = left + (right - left) * k / steps
            let away = 2 + 4 * Double(min(k, steps - k)) / Double(steps)
            candidates += [(x, top, away), (x, bottom, away)]
        }
        return candidates
    }

    // MARK: Drawing

    mutating func draw() {
        computeRanges()
        layOut(legendHeight: 0)
        placeLegend()
        drawGrid()
        canvas.clip = plot
        for series in prepared { drawBands(series) }
        drawReferenceLines()
        for series in prepared { drawLines(series) }
        for series in prepared { drawMarkers(series) }
        canvas.clip = canvas.bounds
        if prepared.allSatisfy({ $0.lines.isEmpty && $0.bands.isEmpty }) {
            let text = BitmapFont.fitted("no data", maxWidth: plot.width, scale: s)
            canvas.text(text, x: plot.x + plot.width / 2, y: plot.y + (plot.height - cell) / 2,
                        scale: s, colour: .reference, alignment: .centre)
        }
        drawAxes()
        drawReferenceLabels()
        drawLegend()
        drawTitles()
    }

    mutating func drawGrid() {
        for t in yTicks {
            canvas.fillRect(ChartRect(x: plot.x, y: row(t), width: plot.width, height: 1),
                            colour: .grid)
        }
        for t in xTicks {
            canvas.fillRect(ChartRect(x: column(t), y: plot.y, width: 1, height: plot.height),
                            colour: .grid)
        }
    }

    mutating func drawBands(_ series: PreparedSeries) {
        for band in series.bands {
            if band.count == 1, let only = band.first {
                let x = px(only.x), top = py(only.high), bottom = py(only.low)
                let cap = markerRadius + Double(s)
                let t = max(1, s)
                canvas.line(from: (x, top), to: (x, bottom), colour: series.colour, thickness: t)
                canvas.line(from: (x - cap, top), to: (x + cap, top), colour: series.colour,
                            thickness: t)
                canvas.line(from: (x - cap, bottom), to: (x + cap, bottom),
                            colour: series.colour, thickness: t)
                continue
            }
            let upper = band.map { (x: px($0.x), y: py($0.high)) }
            let lower = band.reversed().map { (x: px($0.x), y: py($0.low)) }
            canvas.fillPolygon(upper + lower, colour: series.colour, alpha: 0.16)
            canvas.polyline(upper, colour: series.colour, thickness: 1, alpha: 0.35)
            canvas.polyline(lower.reversed(), colour: series.colour, thickness: 1, alpha: 0.35)
        }
    }

    mutating func drawReferenceLines() {
        for reference in references {
            canvas.dashedHorizontalLine(y: row(reference.y), from: plot.x, to: plot.maxX - 1,
                                        colour: .reference, thickness: max(1, s / 2 + s % 2),
                                        dash: 4 * s + 2, gap: 3 * s)
        }
    }

    mutating func drawLines(_ series: PreparedSeries) {
        for line in series.lines where line.count > 1 {
            canvas.polyline(line.map { (x: px($0.x), y: py($0.y)) }, colour: series.colour,
                            thickness: lineThickness)
        }
    }

    mutating func drawMarkers(_ series: PreparedSeries) {
        for line in series.lines {
            for p in line { drawMarker(series.marker, at: (px(p.x), py(p.y)), series.colour) }
        }
    }

    mutating func drawMarker(
        _ marker: Marker, at c: (x: Double, y: Double), _ colour: ChartColour
    ) {
        let r = markerRadius
        if let halo = marker.outline(c, r + 1.3), let shape = marker.outline(c, r) {
            canvas.fillPolygon(halo, colour: .white)
            canvas.fillPolygon(shape, colour: colour)
        } else {
            canvas.fillCircle(centre: c, radius: r + 1.3, colour: .white)
            canvas.fillCircle(centre: c, radius: r, colour: colour)
        }
    }

    mutating func drawAxes() {
        canvas.rect(plot.insetBy(-1), colour: .axis)
        let capOffset = BitmapFont.capHeight * s / 2
        for t in yTicks {
            let y = row(t)
            canvas.fillRect(ChartRect(x: plot.x - 1 - tick, y: y, width: tick, height: 1),
                            colour: .axis)
            let top = min(max(y - capOffset, 0), height - cell)
            canvas.text(yTickLabel(t), x: plot.x - 1 - tick - 2 * s, y: top, scale: s,
                        alignment: .right)
        }
        var lastRight = Int.min
        let labelTop = plot.maxY + 1 + tick + 2 * s
        for t in xTicks {
            let x = column(t)
            canvas.fillRect(ChartRect(x: x, y: plot.maxY + 1, width: 1, height: tick),
                            colour: .axis)
            let text = xTickLabel(t)
            let w = BitmapFont.width(of: text, scale: s)
            let left = min(max(x - w / 2, 1), width - 1 - w)
            guard left > lastRight + 3 * s else { continue }
            canvas.text(text, x: left, y: labelTop, scale: s)
            lastRight = left + w
        }
    }

    func referenceLabelRect(_ reference: LineChart.ReferenceLine) -> ChartRect {
        let text = referenceText(reference)
        let w = BitmapFont.width(of: text, scale: s)
        let y = row(reference.y)
        var top = y - cell - s
        if top < plot.y + s { top = y + 2 * s }
        return ChartRect(x: plot.maxX - 3 * s - w, y: top, width: w, height: cell)
    }

    func referenceText(_ reference: LineChart.ReferenceLine) -> String {
        BitmapFont.fitted(reference.label, maxWidth: plot.width / 2, scale: s)
    }

    mutating func drawReferenceLabels() {
        for reference in references {
            let rect = referenceLabelRect(reference)
            canvas.clip = plot
            canvas.fillRect(rect.insetBy(-s), colour: .white, alpha: 0.8)
            canvas.text(referenceText(reference), x: rect.x, y: rect.y, scale: s,
                        colour: .reference)
            canvas.clip = canvas.bounds
        }
    }

    mutating func drawLegend() {
        switch legend {
        case .none:
            return
        case .inside(let rect):
            drawLegendBox(rect)
            let maxText = plot.width / 2
            for (k, index) in legendEntries.enumerated() {
                drawEntry(index, x: rect.x + legendPad, y: rect.y + legendPad + k * entryHeight,
                          maxText: maxText)
            }
        case .below(let below):
            drawLegendBox(below.rect)
            for k in 0...below.entries.count {
                let x = below.rect.x + legendPad
                    + (k % below.columns) * (below.columnWidth + below.spacing)
                let y = below.rect.y + legendPad + (k / below.columns) * entryHeight
                if k < below.entries.count {
                    drawEntry(below.entries[k], x: x, y: y, maxText: below.textWidth)
                } else if below.more > 0 {
                    let centre = y + (entryHeight - 2 * s) / 2
                    canvas.text("+\(below.more) more", x: x + sampleLength + 2 * s,
                                y: centre - BitmapFont.capHeight * s / 2, scale: s)
                }
            }
        }
    }

    mutating func drawLegendBox(_ rect: ChartRect) {
        canvas.fillRect(rect, colour: .white, alpha: 0.92)
        canvas.rect(rect, colour: ChartColour(hex: 0xC8C8C8))
    }

    mutating func drawEntry(_ index: Int, x: Int, y: Int, maxText: Int) {
        let series = prepared[index]
        let centre = y + (entryHeight - 2 * s) / 2
        let capTop = centre - BitmapFont.capHeight * s / 2
        let lineY = Double(centre) + 0.5
        let a = Double(x) + 1, b = Double(x + sampleLength) - 1
        if series.bands.contains(where: { $0.count > 0 }) {
            let half = markerRadius + Double(s) * 1.5
            canvas.fillRect(ChartRect(x: x, y: Int(lineY - half), width: sampleLength,
                                      height: Int(2 * half)), colour: series.colour, alpha: 0.16)
        }
        canvas.line(from: (a, lineY), to: (b, lineY), colour: series.colour,
                    thickness: lineThickness)
        drawMarker(series.marker, at: ((a + b) / 2, lineY), series.colour)
        canvas.text(legendName(index, maxWidth: maxText), x: x + sampleLength + 2 * s,
                    y: capTop, scale: s)
    }

    mutating func drawTitles() {
        if !chart.title.isEmpty {
            let scale = titleScale
            let text = BitmapFont.fitted(chart.title, maxWidth: width - 2, scale: scale,
                                         bold: true)
            let w = BitmapFont.width(of: text, scale: scale, bold: true)
            let centre = plot.x + plot.width / 2
            let left = min(max(centre - w / 2, 1), width - 1 - w)
            canvas.text(text, x: max(0, left), y: pad, scale: scale, bold: true)
        }
        if !chart.xLabel.isEmpty {
            let text = BitmapFont.fitted(chart.xLabel, maxWidth: width - 2, scale: s)
            let w = BitmapFont.width(of: text, scale: s)
            let left = min(max(plot.x + plot.width / 2 - w / 2, 1), width - 1 - w)
            let top = plot.maxY + 1 + tick + 2 * s + cell + 2 * s
            canvas.text(text, x: max(0, left), y: top, scale: s)
        }
        if !chart.yLabel.isEmpty {
            let spanTop = chart.title.isEmpty ? 1 : pad + BitmapFont.height(scale: titleScale)
            let spanBottom = height - 1
            let text = BitmapFont.fitted(chart.yLabel, maxWidth: spanBottom - spanTop, scale: s)
            let w = BitmapFont.width(of: text, scale: s)
            let bottom = max(min(plot.y + plot.height / 2 + w / 2, spanBottom), spanTop + w)
            canvas.text(text, x: pad, y: bottom, scale: s, vertical: true)
        }
    }
}
