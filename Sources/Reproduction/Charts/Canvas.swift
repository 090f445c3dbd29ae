import FaceDatasets
import Foundation

/// An opaque 8-bit RGB colour.
public struct ChartColour: Sendable, Hashable {
    /// Red, 0–255.
    public var red: UInt8
    /// Green, 0–255.
    public var green: UInt8
    /// Blue, 0–255.
    public var blue: UInt8

    /// A colour from its three channels.
    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A colour from `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(UInt8(truncatingIfNeeded: hex >> 16), UInt8(truncatingIfNeeded: hex >> 8),
                  UInt8(truncatingIfNeeded: hex))
    }

    /// Pure white, the chart background.
    public static let white = ChartColour(255, 255, 255)
    /// Pure black.
    public static let black = ChartColour(0, 0, 0)
    /// Near-black, for text.
    public static let ink = ChartColour(hex: 0x222222)
    /// Dark grey, for axes and tick marks.
    public static let axis = ChartColour(hex: 0x4D4D4D)
    /// Mid grey, for reference lines and their labels.
    public static let reference = ChartColour(hex: 0x7A7A7A)
    /// Light grey, for grid lines.
    public static let grid = ChartColour(hex: 0xE3E3E3)

    /// The Okabe–Ito palette, distinguishable under the common colour-vision deficiencies,
    /// ordered so the first colours are the most distinct on white (yellow comes last).
    public static let palette: [ChartColour] = [
        ChartColour(hex: 0x0072B2),  // blue
        ChartColour(hex: 0xD55E00),  // vermillion
        ChartColour(hex: 0x009E73),  // bluish green
        ChartColour(hex: 0xCC79A7),  // reddish purple
        ChartColour(hex: 0xE69F00),  // orange
        ChartColour(hex: 0x56B4E9),  // sky blue
        ChartColour(hex: 0x000000),  // black
        ChartColour(hex: 0xC9B800),  // yellow, darkened to show on white
    ]

    /// This colour mixed with `other`: `amount` 0 gives `self`, 1 gives `other`.
    public func mixed(with other: ChartColour, amount: Double) -> ChartColour {
        let t = amount.isFinite ? min(max(amount, 0), 1) : 0
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8((Double(a) * (1 - t) + Double(b) * t).rounded())
        }
        return ChartColour(mix(red, other.red), mix(green, other.green), mix(blue, other.blue))
    }
}

/// A rectangle of whole pixels: columns `x ..< x + width`, rows `y ..< y + height`.
public struct ChartRect: Sendable, Equatable {
    /// Left column.
    public var x: Int
    /// Top row.
    public var y: Int
    /// Columns covered (0 or less: empty).
    public var width: Int
    /// Rows covered (0 or less: empty).
    public var height: Int

    /// A rectangle from its top-left corner and size.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// One past the right column.
    public var maxX: Int { x + width }
    /// One past the bottom row.
    public var maxY: Int { y + height }
    /// Whether it covers no pixel.
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    /// Whether pixel (`px`, `py`) is inside.
    public func contains(_ px: Int, _ py: Int) -> Bool {
        px >= x && px < maxX && py >= y && py < maxY
    }

    /// The pixels in both (possibly empty).
    public func intersection(_ other: ChartRect) -> ChartRect {
        let left = max(x, other.x), top = max(y, other.y)
        let right = min(maxX, other.maxX), bottom = min(maxY, other.maxY)
        return ChartRect(x: left, y: top, width: max(0, right - left), height: max(0, bottom - top))
    }

    /// Whether the two share a pixel.
    public func intersects(_ other: ChartRect) -> Bool {
        !intersection(other).isEmpty
    }

    /// The rectangle grown by `amount` pixels on every side (shrunk when negative).
    public func insetBy(_ amount: Int) -> ChartRect {
        ChartRect(x: x + amount, y: y + amount, width: width - 2 * amount,
                  height: height - 2 * amount)
    }
}

/// An RGB raster to draw charts on: rectangles, anti-aliased lines and polygons, translucent
/// fills, dashed lines and bitmap text, all confined to the `clip` rectangle.
///
/// Coordinates given as `Double` are continuous: pixel (i, j) covers `[i, i+1) × [j, j+1)`,
/// so its centre is (i + 0.5, j + 0.5). Non-finite coordinates draw nothing.
public struct Canvas: Sendable {
    /// Columns (at least 1).
    public let width: Int
    /// Rows (at least 1).
    public let height: Int
    /// `height × width × 3` bytes, rows top to bottom, each pixel red, green, blue.
    public private(set) var pixels: [UInt8]
    /// Drawing touches only pixels inside this rectangle; it is always kept inside the canvas.
    public var clip: ChartRect {
        get { clipRect }
        set { clipRect = newValue.intersection(bounds) }
    }

    private var clipRect: ChartRect

    /// A canvas of one colour; sides below 1 are taken as 1.
    public init(width: Int, height: Int, background: ChartColour = .white) {
        self.width = max(1, width)
        self.height = max(1, height)
        var bytes = [UInt8](repeating: 0, count: self.width * self.height * 3)
        for i in stride(from: 0, to: bytes.count, by: 3) {
            bytes[i] = background.red
            bytes[i + 1] = background.green
            bytes[i + 2] = background.blue
        }
        pixels = bytes
        clipRect = ChartRect(x: 0, y: 0, width: self.width, height: self.height)
    }

    /// A canvas holding a copy of `image`.
    public init(image: RGBImage) {
        width = image.width
        height = image.height
        pixels = image.pixels
        clipRect = ChartRect(x: 0, y: 0, width: image.width, height: image.height)
    }

    /// The whole canvas as a rectangle.
    public var bounds: ChartRect { ChartRect(x: 0, y: 0, width: width, height: height) }

    /// The drawing as an image.
    public var image: RGBImage { RGBImage(width: width, height: height, pixels: pixels) }

    /// The colour of pixel (`x`, `y`), or nil outside the canvas.
    public func colour(atX x: Int, y: Int) -> ChartColour? {
        guard x >= 0, x < width, y >= 0, y < height else { return nil }
        let i = 3 * (y * width + x)
        return ChartColour(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Mixes `colour` into pixel (`x`, `y`) with opacity `alpha` (0–1), if inside the clip.
    public mutating func blend(x: Int, y: Int, colour: ChartColour, alpha: Double = 1) {
        guard clipRect.contains(x, y), alpha > 0 else { return }
        let i = 3 * (y * width + x)
        if alpha >= 1 {
            pixels[i] = colour.red
            pixels[i + 1] = colour.green
            pixels[i + 2] = colour.blue
            return
        }
        func mix(_ old: UInt8, _ new: UInt8) -> UInt8 {
            UInt8((Double(old) * (1 - alpha) + Double(new) * alpha).rounded())
        }
        pixels[i] = mix(pixels[i], colour.red)
        pixels[i + 1] = mix(pixels[i + 1], colour.green)
        pixels[i + 2] = mix(pixels[i + 2], colour.blue)
    }

    /// Paints every pixel inside the clip rectangle (by default the whole canvas).
    public mutating func fill(_ colour: ChartColour) {
        fillRect(clipRect, colour: colour)
    }

    /// Paints the pixels of `rect` with `colour` at opacity `alpha`.
    public mutating func fillRect(_ rect: ChartRect, colour: ChartColour, alpha: Double = 1) {
        let area = rect.intersection(clipRect)
        guard !area.isEmpty else { return }
        for py in area.y..<area.maxY {
            for px in area.x..<area.maxX { blend(x: px, y: py, colour: colour, alpha: alpha) }
        }
    }

    /// Outlines `rect` with a border `thickness` pixels wide, drawn inside it.
    public mutating func rect(_ rect: ChartRect, colour: ChartColour, thickness: Int = 1) {
        let t = max(1, min(thickness, (min(rect.width, rect.height) + 1) / 2))
        guard !rect.isEmpty else { return }
        fillRect(ChartRect(x: rect.x, y: rect.y, width: rect.width, height: t), colour: colour)
        fillRect(ChartRect(x: rect.x, y: rect.maxY - t, width: rect.width, height: t),
                 colour: colour)
        fillRect(ChartRect(x: rect.x, y: rect.y + t, width: t, height: rect.height - 2 * t),
                 colour: colour)
        fillRect(ChartRect(x: rect.maxX - t, y: rect.y + t, width: t, height: rect.height - 2 * t),
                 colour: colour)
    }

    /// A straight line `thickness` pixels wide with round ends, anti-aliased unless told not.
    public mutating func line(
        from start: (x: Double, y: Double), to end: (x: Double, y: Double),
        colour: ChartColour, thickness: Int = 1, alpha: Double = 1, antialiased: Bool = true
    ) {
        polyline([start, end], colour: colour, thickness: thickness, alpha: alpha,
                 antialiased: antialiased)
    }

    /// Connected straight segments through `points`, `thickness` pixels wide with round joins;
    /// each pixel is painted once, so translucent lines do not darken where segments meet.
    public mutating func polyline(
        _ points: [(x: Double, y: Double)], colour: ChartColour, thickness: Int = 1,
        alpha: Double = 1, antialiased: Bool = true
    ) {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard !finite.isEmpty else { return }
        let half = Double(max(1, thickness)) / 2
        let reach = half + 1
        let xs = finite.map(\.x), ys = finite.map(\.y)
        let box = Canvas.pixelBox(
            minX: (xs.min() ?? 0) - reach, maxX: (xs.max() ?? 0) + reach,
            minY: (ys.min() ?? 0) - reach, maxY: (ys.max() ?? 0) + reach
        ).intersection(clipRect)
        guard !box.isEmpty else { return }
        var coverage = [Double](repeating: 0, count: box.width * box.height)
        let segments = finite.count == 1 ? [(finite[0], finite[0])]
            : (1..<finite.count).map { (finite[$0 - 1], finite[$0]) }
        for (a, b) in segments {
            let area = Canvas.pixelBox(
                minX: min(a.x, b.x) - reach, maxX: max(a.x, b.x) + reach,
                minY: min(a.y, b.y) - reach, maxY: max(a.y, b.y) + reach
            ).intersection(box)
            guard !area.isEmpty else { continue }
            let dx = b.x - a.x, dy = b.y - a.y
            let lengthSquared = dx * dx + dy * dy
            for py in area.y..<area.maxY {
                let cy = Double(py) + 0.5
                for px in area.x..<area.maxX {
                    let cx = Double(px) + 0.5
                    var t = lengthSquared > 0 ? ((cx - a.x) * dx + (cy - a.y) * dy) / lengthSquared
                        : 0
                    t = min(max(t, 0), 1)
                    let ex = a.x + t * dx - cx, ey = a.y + t * dy - cy
                    let distance = (ex * ex + ey * ey).squareRoot()
                    let c = antialiased ? min(max(half + 0.5 - distance, 0), 1)
                        : (distance <= half ? 1 : 0)
                    let k = (py - box.y) * box.width + (px - box.x)
                    if c > coverage[k] { coverage[k] = c }
                }
            }
        }
        paint(coverage, in: box, colour: colour, alpha: alpha)
    }

    /// A horizontal dashed line through row `y` from column `x0` to `x1` (inclusive).
    public mutating func dashedHorizontalLine(
        y: Int, from x0: Int, to x1: Int, colour: ChartColour, thickness: Int = 1,
        dash: Int = 6, gap: Int = 4
    ) {
        let t = max(1, thickness), on = max(1, dash), off = max(0, gap)
        let left = min(x0, x1), right = max(x0, x1)
        var x = left
        while x <= right {
            let length = min(on, right - x + 1)
            fillRect(ChartRect(x: x, y: y - (t - 1) / 2, width: length, height: t), colour: colour)
            x += on + off
        }
    }

    /// A vertical dashed line through column `x` from row `y0` to `y1` (inclusive).
    public mutating func dashedVerticalLine(
        x: Int, from y0: Int, to y1: Int, colour: ChartColour, thickness: Int = 1,
        dash: Int = 6, gap: Int = 4
    ) {
        let t = max(1, thickness), on = max(1, dash), off = max(0, gap)
        let top = min(y0, y1), bottom = max(y0, y1)
        var y = top
        while y <= bottom {
            let length = min(on, bottom - y + 1)
            fillRect(ChartRect(x: x - (t - 1) / 2, y: y, width: t, height: length), colour: colour)
            y += on + off
        }
    }

    /// Fills the polygon through `points` (even–odd rule) with `colour` at opacity `alpha`;
    /// each pixel's share inside is measured exactly across and on `samples` rows down it
    /// (1: no anti-aliasing), so edges are smooth and overlapping parts are painted once.
    public mutating func fillPolygon(
        _ points: [(x: Double, y: Double)], colour: ChartColour, alpha: Double = 1,
        samples: Int = 4
    ) {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard finite.count >= 3 else { return }
        let xs = finite.map(\.x), ys = finite.map(\.y)
        let box = Canvas.pixelBox(
            minX: xs.min() ?? 0, maxX: xs.max() ?? 0, minY: ys.min() ?? 0, maxY: ys.max() ?? 0
        ).intersection(clipRect)
        guard !box.isEmpty else { return }
        let rows = max(1, min(samples, 16))
        var coverage = [Double](repeating: 0, count: box.width * box.height)
        var crossings: [Double] = []
        for py in box.y..<box.maxY {
            for k in 0..<rows {
                let sy = Double(py) + (Double(k) + 0.5) / Double(rows)
                crossings.removeAll(keepingCapacity: true)
                for i in 0..<finite.count {
                    let a = finite[i], b = finite[(i + 1) % finite.count]
                    if (a.y <= sy && sy < b.y) || (b.y <= sy && sy < a.y) {
                        crossings.append(a.x + (sy - a.y) * (b.x - a.x) / (b.y - a.y))
                    }
                }
                crossings.sort()
                var j = 0
                while j + 1 < crossings.count {
                    let from = max(crossings[j], Double(box.x))
                    let to = min(crossings[j + 1], Double(box.maxX))
                    j += 2
                    guard to > from else { continue }
                    let first = Int(from.rounded(.down)), last = Int(to.rounded(.up)) - 1
                    for px in max(first, box.x)...min(max(last, first), box.maxX - 1) {
                        let share = min(to, Double(px + 1)) - max(from, Double(px))
                        if share > 0 {
                            coverage[(py - box.y) * box.width + (px - box.x)] +=
                                share / Double(rows)
                        }
                    }
                }
            }
        }
        paint(coverage, in: box, colour: colour, alpha: alpha)
    }

    /// A filled, anti-aliased disc.
    public mutating func fillCircle(
        centre: (x: Double, y: Double), radius: Double, colour: ChartColour, alpha: Double = 1
    ) {
        guard centre.x.isFinite, centre.y.isFinite, radius.isFinite, radius > 0 else { return }
        let box = Canvas.pixelBox(
            minX: centre.x - radius - 1, maxX: centre.x + radius + 1,
            minY: centre.y - radius - 1, maxY: centre.y + radius + 1
        ).intersection(clipRect)
        guard !box.isEmpty else { return }
        var coverage = [Double](repeating: 0, count: box.width * box.height)
        for py in box.y..<box.maxY {
            for px in box.x..<box.maxX {
                let dx = Double(px) + 0.5 - centre.x, dy = Double(py) + 0.5 - centre.y
                let c = radius + 0.5 - (dx * dx + dy * dy).squareRoot()
                coverage[(py - box.y) * box.width + (px - box.x)] = min(max(c, 0), 1)
            }
        }
        paint(coverage, in: box, colour: colour, alpha: alpha)
    }

    /// Copies `image` with its top-left corner at (`x`, `y`); parts outside the clip are dropped.
    public mutating func draw(_ image: RGBImage, x: Int, y: Int) {
        let area = ChartRect(x: x, y: y, width: image.width, height: image.height)
            .intersection(clipRect)
        guard !area.isEmpty else { return }
        for py in area.y..<area.maxY {
            let source = 3 * ((py - y) * image.width + (area.x - x))
            let target = 3 * (py * width + area.x)
            let count = 3 * area.width
            pixels.replaceSubrange(target..<target + count,
                                   with: image.pixels[source..<source + count])
        }
    }

    /// Draws `text` in the built-in bitmap font (see `BitmapFont.draw`): its cell's top edge at
    /// `y` and `x` placed by `alignment`, or turned to read upwards when `vertical`.
    public mutating func text(
        _ text: String, x: Int, y: Int, scale: Int = 1, colour: ChartColour = .ink,
        alignment: BitmapFont.Alignment = .left, vertical: Bool = false, bold: Bool = false
    ) {
        BitmapFont.draw(text, on: &self, x: x, y: y, scale: scale, colour: colour,
                        alignment: alignment, vertical: vertical, bold: bold)
    }

    /// Blends `colour` into `box` with each pixel's coverage (clamped to 0–1) times `alpha`.
    private mutating func paint(
        _ coverage: [Double], in box: ChartRect, colour: ChartColour, alpha: Double
    ) {
        let opacity = alpha.isFinite ? min(max(alpha, 0), 1) : 0
        guard opacity > 0 else { return }
        for py in box.y..<box.maxY {
            for px in box.x..<box.maxX {
                let c = coverage[(py - box.y) * box.width + (px - box.x)]
                if c > 0.002 { blend(x: px, y: py, colour: colour, alpha: min(c, 1) * opacity) }
            }
        }
    }

    /// The whole pixels touching the continuous box (coordinates clamped to ±10⁸, so the
    /// conversion to `Int` never traps).
    static func pixelBox(minX: Double, maxX: Double, minY: Double, maxY: Double) -> ChartRect {
        func clamped(_ v: Double) -> Int {
            guard v.isFinite else { return v > 0 ? 100_000_000 : -100_000_000 }
            return Int(min(max(v, -1e8), 1e8))
        }
        let left = clamped(minX.rounded(.down)), top = clamped(minY.rounded(.down))
        let right = clamped(maxX.rounded(.up)), bottom = clamped(maxY.rounded(.up))
        return ChartRect(x: left, y: top, width: max(0, right - left), height: max(0, bottom - top))
    }
}
