import FaceDatasets
import Foundation

/// A fixed 5 × 7 bitmap font for chart text, drawn at a whole-number scale.
///
/// Each glyph sits in a cell 6 pixels wide (5 for the glyph, 1 for the gap) and 9 high:
/// 7 rows of capital height, the last of them on the baseline, and 2 rows below it for the
/// descenders of `g j p q y ρ` and the comma. It covers printable ASCII (32–126) and
/// `ρ λ ± – — · × … °`; any other character is drawn as a hollow box.
public enum BitmapFont {
    /// How text is placed against the anchor it is drawn at.
    public enum Alignment: Sendable, Equatable {
        /// The anchor is where the text starts.
        case left
        /// The anchor is the middle of the text.
        case centre
        /// The anchor is where the text ends.
        case right
    }

    /// Width of a glyph, in unscaled pixels.
    public static let glyphWidth = 5
    /// Capital height, in unscaled pixels (rows 0–6; row 6 is the baseline).
    public static let capHeight = 7
    /// Height of a text cell, descenders included, in unscaled pixels.
    public static let cellHeight = 9
    /// Horizontal distance from one glyph to the next, in unscaled pixels.
    public static let advance = 6

    /// The nine rows of the glyph for `character`, top first; bit 4 of a row is its left
    /// column and bit 0 its right one (bit 5, used only by the em dash, fills the gap column).
    /// Characters without a glyph give a hollow box.
    public static func rows(for character: Character) -> [UInt8] {
        let stored = glyphs[character] ?? unknown
        return stored.count >= cellHeight
            ? Array(stored.prefix(cellHeight))
            : stored + [UInt8](repeating: 0, count: cellHeight - stored.count)
    }

    /// Whether `character` has its own glyph (rather than the box of unknown characters).
    public static func hasGlyph(_ character: Character) -> Bool {
        glyphs[character] != nil
    }

    /// Width in pixels of `text` drawn at `scale`, without the trailing gap (0 when empty);
    /// bold text is one pixel wider.
    public static func width(of text: String, scale: Int = 1, bold: Bool = false) -> Int {
        let count = text.count
        guard count > 0 else { return 0 }
        let s = clampedScale(scale)
        return count * advance * s - s + (bold ? 1 : 0)
    }

    /// Height in pixels of a line of text at `scale`, descenders included.
    public static func height(scale: Int = 1) -> Int {
        cellHeight * clampedScale(scale)
    }

    /// `text` itself if it fits in `maxWidth` pixels at `scale`, otherwise its longest prefix
    /// that fits once followed by "…" (empty if not even that fits).
    public static func fitted(_ text: String, maxWidth: Int, scale: Int = 1, bold: Bool = false)
        -> String
    {
        if width(of: text, scale: scale, bold: bold) <= maxWidth { return text }
        var kept = Array(text)
        while !kept.isEmpty {
            kept.removeLast()
            let candidate = String(kept) + "…"
            if width(of: candidate, scale: scale, bold: bold) <= maxWidth { return candidate }
        }
        return ""
    }

    /// Draws `text` on `canvas` with its cell's top edge at `y` and `x` placed by `alignment`;
    /// when `vertical`, the text is turned 90° anticlockwise (reading upwards): its cell's left
    /// edge is at `x` and `y` is where it starts, is centred or ends, by `alignment`.
    /// Pixels outside the canvas's clip rectangle are left alone.
    public static func draw(
        _ text: String, on canvas: inout Canvas, x: Int, y: Int, scale: Int = 1,
        colour: ChartColour, alignment: Alignment = .left, vertical: Bool = false,
        bold: Bool = false
    ) {
        let s = clampedScale(scale)
        let total = width(of: text, scale: s, bold: bold)
        let offset: Int
        switch alignment {
        case .left: offset = 0
        case .centre: offset = -total / 2
        case .right: offset = -total
        }
        let thick = bold ? s + 1 : s
        for (index, character) in text.enumerated() {
            let glyph = rows(for: character)
            let start = offset + index * advance * s
            for (row, bits) in glyph.enumerated() where bits != 0 {
                for column in 0..<advance where isSet(bits, column: column) {
                    let along = start + column * s
                    let across = row * s
                    let block: ChartRect
                    if vertical {
                        block = ChartRect(x: x + across, y: y - along - thick, width: s,
                                          height: thick)
                    } else {
                        block = ChartRect(x: x + along, y: y + across, width: thick, height: s)
                    }
                    canvas.fillRect(block, colour: colour)
                }
            }
        }
    }

    /// Whether column `column` (0 = left; 5 = the gap column) of a glyph row is inked.
    static func isSet(_ bits: UInt8, column: Int) -> Bool {
        if column == glyphWidth { return bits & 0b10_0000 != 0 }
        guard column >= 0 && column < glyphWidth else { return false }
        return (bits >> UInt8(glyphWidth - 1 - column)) & 1 == 1
    }

    /// Scales below 1 draw at 1; above 16 at 16.
    static func clampedScale(_ scale: Int) -> Int {
        min(max(scale, 1), 16)
    }

    /// The box drawn for characters without a glyph.
    static let unknown: [UInt8] = [
        0b11111, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11111,
    ]

    /// The glyphs: 7 rows (nothing below the baseline) or 9 (with descenders).
    static let glyphs: [Character: [UInt8]] = [
        " ": [0, 0, 0, 0, 0, 0, 0],
        "!": [0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00000, 0b00100],
        "\"": [0b01010, 0b01010, 0b01010, 0, 0, 0, 0],
        "#": [0b01010, 0b01010, 0b11111, 0b01010, 0b11111, 0b01010, 0b01010],
        "$": [0b00100, 0b01111, 0b10100, 0b01110, 0b00101, 0b11110, 0b00100],
        "%": [0b11000, 0b11001, 0b00010, 0b00100, 0b01000, 0b10011, 0b00011],
        "&": [0b01100, 0b10010, 0b10100, 0b01000, 0b10101, 0b10010, 0b01101],
        "'": [0b00100, 0b00100, 0b01000, 0, 0, 0, 0],
        "(": [0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00100, 0b00010],
        ")": [0b01000, 0b00100, 0b00010, 0b00010, 0b00010, 0b00100, 0b01000],
        "*": [0b00000, 0b00100, 0b10101, 0b01110, 0b10101, 0b00100, 0b00000],
        "+": [0b00000, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000],
        ",": [0, 0, 0, 0, 0, 0b01100, 0b00100, 0b01000, 0],
        "-": [0, 0, 0, 0b01110, 0, 0, 0],
        ".": [0, 0, 0, 0, 0, 0b01100, 0b01100],
        "/": [0b00000, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b00000],
        "0": [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
        "1": [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        "2": [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
        "3": [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],
        "4": [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
        "5": [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
        "6": [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
        "7": [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
        "8": [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
        "9": [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
        ":": [0, 0b01100, 0b01100, 0, 0b01100, 0b01100, 0],
        ";": [0, 0b01100, 0b01100, 0, 0b01100, 0b00100, 0b01000],
        "<": [0b00010, 0b00100, 0b01000, 0b10000, 0b01000, 0b00100, 0b00010],
        "=": [0, 0, 0b11111, 0, 0b11111, 0, 0],
        ">": [0b01000, 0b00100, 0b00010, 0b00001, 0b00010, 0b00100, 0b01000],
        "?": [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b00000, 0b00100],
        "@": [0b01110, 0b10001, 0b00001, 0b01101, 0b10101, 0b10101, 0b01110],
        "A": [0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        "B": [0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110],
        "C": [0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110],
        "D": [0b11100, 0b10010, 0b10001, 0b10001, 0b10001, 0b10010, 0b11100],
        "E": [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111],
        "F": [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000],
        "G": [0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111],
        "H": [0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        "I": [0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        "J": [0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100],
        "K": [0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001],
        "L": [0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111],
        "M": [0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001],
        "N": [0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001],
        "O": [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        "P": [0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000],
        "Q": [0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101],
        "R": [0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001],
        "S": [0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110],
        "T": [0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100],
        "U": [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        "V": [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100],
        "W": [0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010],
        "X": [0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001],
        "Y": [0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100, 0b00100],
        "Z": [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111],
        "[": [0b01110, 0b01000, 0b01000, 0b01000, 0b01000, 0b01000, 0b01110],
        "\\": [0b00000, 0b10000, 0b01000, 0b00100, 0b00010, 0b00001, 0b00000],
        "]": [0b01110, 0b00010, 0b00010, 0b00010, 0b00010, 0b00010, 0b01110],
        "^": [0b00100, 0b01010, 0b10001, 0, 0, 0, 0],
        "_": [0, 0, 0, 0, 0, 0, 0, 0b11111, 0],
        "`": [0b01000, 0b00100, 0b00010, 0, 0, 0, 0],
        "a": [0, 0, 0b01110, 0b00001, 0b01111, 0b10001, 0b01111],
        "b": [0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b11110],
        "c": [0, 0, 0b01110, 0b10000, 0b10000, 0b10001, 0b01110],
        "d": [0b00001, 0b00001, 0b01101, 0b10011, 0b10001, 0b10001, 0b01111],
        "e": [0, 0, 0b01110, 0b10001, 0b11111, 0b10000, 0b01110],
        "f": [0b00110, 0b01001, 0b01000, 0b11100, 0b01000, 0b01000, 0b01000],
        "g": [0, 0, 0b01111, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110],
        "h": [0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001],
        "i": [0b00100, 0b00000, 0b01100, 0b00100, 0b00100, 0b00100, 0b01110],
        "j": [0b00010, 0b00000, 0b00110, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100],
        "k": [0b10000, 0b10000, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010],
        "l": [0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        "m": [0, 0, 0b11010, 0b10101, 0b10101, 0b10001, 0b10001],
        "n": [0, 0, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001],
        "o": [0, 0, 0b01110, 0b10001, 0b10001, 0b10001, 0b01110],
        "p": [0, 0, 0b11110, 0b10001, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000],
        "q": [0, 0, 0b01111, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b00001],
        "r": [0, 0, 0b10110, 0b11001, 0b10000, 0b10000, 0b10000],
        "s": [0, 0, 0b01111, 0b10000, 0b01110, 0b00001, 0b11110],
        "t": [0b01000, 0b01000, 0b11100, 0b01000, 0b01000, 0b01001, 0b00110],
        "u": [0, 0, 0b10001, 0b10001, 0b10001, 0b10011, 0b01101],
        "v": [0, 0, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100],
        "w": [0, 0, 0b10001, 0b10001, 0b10101, 0b10101, 0b01010],
        "x": [0, 0, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001],
        "y": [0, 0, 0b10001, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110],
        "z": [0, 0, 0b11111, 0b00010, 0b00100, 0b01000, 0b11111],
        "{": [0b00010, 0b00100, 0b00100, 0b01000, 0b00100, 0b00100, 0b00010],
        "|": [0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100],
        "}": [0b01000, 0b00100, 0b00100, 0b00010, 0b00100, 0b00100, 0b01000],
        "~": [0, 0, 0b01000, 0b10101, 0b00010, 0, 0],
        "ρ": [0, 0, 0b01110, 0b10001, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000],
        "λ": [0b01000, 0b00100, 0b00100, 0b01010, 0b01010, 0b10001, 0b10001],
        "±": [0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000, 0b11111],
        "–": [0, 0, 0, 0b11111, 0, 0, 0],
        "—": [0, 0, 0, 0b11_1111, 0, 0, 0],
        "·": [0, 0, 0, 0b01100, 0b01100, 0, 0],
        "×": [0, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0],
        "…": [0, 0, 0, 0, 0, 0, 0b10101],
        "°": [0b01100, 0b10010, 0b10010, 0b01100, 0, 0, 0],
    ]
}
