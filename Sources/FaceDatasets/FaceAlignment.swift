/// A point in image pixel coordinates: x to the right, y down, the centre of the pixel in
/// row i and column j at (j, i) — the convention of the databases' landmark files.
public struct ImagePoint: Sendable, Equatable, Hashable {
    /// Column coordinate.
    public var x: Double
    /// Row coordinate.
    public var y: Double

    /// The point (x, y).
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    /// The mean of `points`.
    /// - Precondition: `points` is not empty.
    public static func mean(_ points: some Collection<ImagePoint>) -> ImagePoint {
        precondition(!points.isEmpty, "ImagePoint.mean of no points")
        let n = Double(points.count)
        return ImagePoint(
            x: points.reduce(0) { $0 + $1.x } / n, y: points.reduce(0) { $0 + $1.y } / n)
    }
}

/// How a face is brought into its square crop.
public enum FaceAlignment: Sendable, Equatable {
    /// The largest centred square, resized (already aligned faces, or no landmarks).
    case centre
    /// The similarity transform (rotation, uniform scale, shift) that puts the two eye
    /// centres at the aligner's fixed positions. The eye further left in the image goes to
    /// the left position whatever order the points come in.
    case eyes(left: ImagePoint, right: ImagePoint)
    /// The square around a face box (x, y of its top-left corner, width, height, in
    /// pixels), of side the box's longer side, resized.
    case box(x: Double, y: Double, width: Double, height: Double)
}

/// Source coordinates of crop pixel (x, y): `(a·x + b·y + tx, c·x + d·y + ty)`.
struct AffineMap: Equatable {
    var a, b, c, d, tx, ty: Double

    /// Source pixels per crop pixel.
    var scale: Double { (a * a + c * c).squareRoot() }

    /// The source point of crop point (x, y).
    func apply(_ x: Double, _ y: Double) -> ImagePoint {
        ImagePoint(x: a * x + b * y + tx, y: c * x + d * y + ty)
    }

    /// The same map into an image shrunk `factor` times by `RGBImage.shrunk(by:)`, whose
    /// pixel k covers source pixels `k·factor ..< (k + 1)·factor`.
    func intoShrunk(by factor: Int) -> AffineMap {
        let f = Double(factor)
        return AffineMap(
            a: a / f, b: b / f, c: c / f, d: d / f, tx: (tx + 0.5) / f - 0.5,
            ty: (ty + 0.5) / f - 0.5)
    }
}

/// Crops faces to `side × side`: by the eyes when landmarks exist (the eye centres land at
/// `leftEye` and `rightEye`, given as fractions of the side), otherwise centre-crop (or
/// face box) and resize. Sampling is bilinear with the border pixels repeated outward;
/// when the crop shrinks the face more than twice, the image is first reduced by block
/// averages so that no source pixel is skipped.
public struct FaceAligner: Sendable, Equatable {
    /// Side of the crop in pixels (100 in the paper).
    public let side: Int
    /// Where the image-left eye centre lands, as fractions of the side.
    public let leftEye: ImagePoint
    /// Where the image-right eye centre lands, as fractions of the side.
    public let rightEye: ImagePoint

    /// An aligner to `side × side` crops; by default the eyes land at (0.32, 0.40) and
    /// (0.68, 0.40) of the side: 32 and 68 pixels across, 40 down, in a 100-pixel crop.
    /// - Precondition: `side > 0` and the two eye positions differ.
    public init(
        side: Int = 100, leftEye: ImagePoint = ImagePoint(x: 0.32, y: 0.40),
        rightEye: ImagePoint = ImagePoint(x: 0.68, y: 0.40)
    ) {
        precondition(side > 0, "FaceAligner: side \(side) must be positive")
        precondition(leftEye != rightEye, "FaceAligner: the two eye positions coincide")
        self.side = side
        self.leftEye = leftEye
        self.rightEye = rightEye
    }

    /// Where the left and right eyes land in crop pixel coordinates.
    public var eyeTargets: (left: ImagePoint, right: ImagePoint) {
        let s = Double(side)
        return (
            ImagePoint(x: leftEye.x * s - 0.5, y: leftEye.y * s - 0.5),
            ImagePoint(x: rightEye.x * s - 0.5, y: rightEye.y * s - 0.5)
        )
    }

    /// The map from crop pixels to the pixels of a `width × height` image.
    func map(_ alignment: FaceAlignment, width: Int, height: Int) -> AffineMap {
        let s = Double(side)
        func square(centreX: Double, centreY: Double, side m: Double) -> AffineMap {
            let k = m / s
            return AffineMap(
                a: k, b: 0, c: 0, d: k, tx: centreX - m / 2 + 0.5 * k - 0.5,
                ty: centreY - m / 2 + 0.5 * k - 0.5)
        }
        let centred = square(
            centreX: Double(width) / 2, centreY: Double(height) / 2,
            side: Double(min(width, height)))
        switch alignment {
        case .centre:
            return centred
        case .box(let x, let y, let w, let h):
            guard w > 0, h > 0 else { return centred }
            return square(centreX: x + w / 2, centreY: y + h / 2, side: max(w, h))
        case .eyes(let first, let second):
            let (p1, p2) = first.x <= second.x ? (first, second) : (second, first)
            let (q1, q2) = eyeTargets
            // Crop → source is the similarity p = p1 + u·(q − q1) with u = (p2 − p1)/(q2 − q1)
            // in complex arithmetic.
            let (pr, pi) = (p2.x - p1.x, p2.y - p1.y), (qr, qi) = (q2.x - q1.x, q2.y - q1.y)
            let norm = qr * qr + qi * qi
            guard pr * pr + pi * pi > 1e-12, norm > 0 else { return centred }
            let ur = (pr * qr + pi * qi) / norm, ui = (pi * qr - pr * qi) / norm
            return AffineMap(a: ur, b: -ui, c: ui, d: ur,
                             tx: p1.x - ur * q1.x + ui * q1.y, ty: p1.y - ui * q1.x - ur * q1.y)
        }
    }

    /// The `side × side` crop of `image`, as planar RGB (`3 × side × side` bytes, CHW), the
    /// layout of `FaceSet` images.
    public func crop(_ image: RGBImage, _ alignment: FaceAlignment) -> [UInt8] {
        var map = map(alignment, width: image.width, height: image.height)
        var source = image
        let factor = Int(map.scale.rounded(.down))
        if factor >= 2 {
            source = image.shrunk(by: factor)
            map = map.intoShrunk(by: factor)
        }
        return Self.sample(source, map, side: side)
    }

    /// Bilinear samples of `image` at the source points of every crop pixel, planar RGB.
    static func sample(_ image: RGBImage, _ map: AffineMap, side: Int) -> [UInt8] {
        let plane = side * side, w = image.width, h = image.height
        let maxX = Double(w - 1), maxY = Double(h - 1)
        var out = [UInt8](repeating: 0, count: 3 * plane)
        out.withUnsafeMutableBufferPointer { o in
            image.pixels.withUnsafeBufferPointer { p in
                for y in 0..<side {
                    for x in 0..<side {
                        let fx = Double(x), fy = Double(y)
                        let sx = min(max(map.a * fx + map.b * fy + map.tx, 0), maxX)
                        let sy = min(max(map.c * fx + map.d * fy + map.ty, 0), maxY)
                        let x0 = Int(sx), y0 = Int(sy)
                        let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
                        let wx = sx - Double(x0), wy = sy - Double(y0)
                        let i00 = 3 * (y0 * w + x0), i01 = 3 * (y0 * w + x1)
                        let i10 = 3 * (y1 * w + x0), i11 = 3 * (y1 * w + x1)
                        let target = y * side + x
                        for k in 0..<3 {
                            let top =
                                Double(p[i00 + k]) + wx * (Double(p[i01 + k]) - Double(p[i00 + k]))
                            let bottom =
                                Double(p[i10 + k]) + wx * (Double(p[i11 + k]) - Double(p[i10 + k]))
                            let v = top + wy * (bottom - top)
                            o[k * plane + target] = UInt8(min(max(v + 0.5, 0), 255))
                        }
                    }
                }
            }
        }
        return out
    }
}
