/// Landmark files and the eye centres they give.
enum Landmarks {
    /// The points of a landmark file: one `x y` pair per line (any number format `Double`
    /// reads, e.g. `3.1234000e+02`).
    /// - Throws: `.missingFile`, or `.malformedLine` naming the line.
    static func read(_ file: String) throws(DatasetError) -> [ImagePoint] {
        var points: [ImagePoint] = []
        for (number, text) in try Files.lines(file, what: "landmark file") {
            points.append(try point(text, at: SourceLine(file, number)))
        }
        return points
    }

    /// One `x y` pair.
    static func point(_ text: String, at source: SourceLine) throws(DatasetError) -> ImagePoint {
        let f = Files.fields(text)
        guard f.count == 2, let x = Double(f[0]), let y = Double(f[1]), x.isFinite, y.isFinite
        else {
            throw DatasetError(
                .malformedLine, at: source, "expected a landmark 'x y', found '\(text)'")
        }
        return ImagePoint(x: x, y: y)
    }

    /// The eye centres of the 68-point (iBUG / Multi-PIE markup) scheme: the means of
    /// points 37–42 and 43–48 (1-based), the first being the image-left eye.
    /// - Returns: nil with fewer than 48 points.
    static func eyes(of68 points: [ImagePoint]) -> FaceAlignment? {
        guard points.count >= 48 else { return nil }
        return .eyes(
            left: ImagePoint.mean(points[36..<42]), right: ImagePoint.mean(points[42..<48]))
    }
}
