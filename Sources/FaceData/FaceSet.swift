import FastKernels
import TensorCore

/// The seven basic expressions in the order every loader maps to:
/// 0 anger, 1 disgust, 2 fear, 3 happiness, 4 sadness, 5 surprise, 6 neutral (a 6-class
/// database uses 0–5; CK+'s contempt is mapped by its loader).
public let expressionNames = [
    "anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"
]

/// The names of `classes` expression classes when a set gives none: `expressionNames` in
/// order, then "class 7", "class 8", ….
public func defaultExpressionClassNames(_ classes: Int) -> [String] {
    (0..<max(classes, 0)).map { $0 < expressionNames.count ? expressionNames[$0] : "class \($0)" }
}

/// A set of face images with expression labels, subject ids and disturbing-factor labels.
///
/// Images are square RGB, uint8, stored NCHW in one contiguous array. Any label may be −1
/// ("missing"): the expression of a disturbance-only set, a factor a database does not
/// label.
public struct FaceSet: Sendable, Equatable {
    /// Side of every image.
    public let size: Int
    /// `count × 3 × size × size` bytes, NCHW.
    public internal(set) var pixels: [UInt8]
    /// Expression class per image (−1 when withheld).
    public internal(set) var expressions: [Int]
    /// Subject (identity) id per image, for subject-independent folds (−1 when unknown).
    public internal(set) var subjects: [Int]
    /// Disturbing-factor labels by factor name, one per image (−1 when missing).
    public internal(set) var factors: [String: [Int]]
    /// Classes per factor (e.g. `["pose": 5]`).
    public let factorClasses: [String: Int]
    /// Number of expression classes.
    public let expressionClasses: Int
    /// The name of each expression class (`expressionClasses` of them). Every database maps
    /// to the `expressionNames` order; a database with other classes names them here (CK+:
    /// class 6 is contempt, not neutral).
    public let expressionClassNames: [String]

    /// An empty set; `expressionClassNames` defaults to `defaultExpressionClassNames`.
    /// - Precondition: `size > 0`; names, when given, number `expressionClasses`.
    public init(
        size: Int, expressionClasses: Int = 7, factorClasses: [String: Int] = [:],
        expressionClassNames: [String]? = nil
    ) {
        precondition(size > 0, "FaceSet: size must be positive")
        precondition(expressionClassNames.map { $0.count == expressionClasses } ?? true,
                     "FaceSet: \(expressionClassNames?.count ?? 0) class names for "
                         + "\(expressionClasses) expression classes")
        self.size = size
        self.expressionClasses = expressionClasses
        self.expressionClassNames =
            expressionClassNames ?? defaultExpressionClassNames(expressionClasses)
        self.factorClasses = factorClasses
        pixels = []
        expressions = []
        subjects = []
        factors = factorClasses.mapValues { _ in [] }
    }

    /// The number of images.
    public var count: Int { expressions.count }
    /// Bytes per image.
    public var imageBytes: Int { 3 * size * size }

    /// Appends one image (3 × size × size bytes) with its labels; factors not given are −1.
    public mutating func append(
        image: [UInt8], expression: Int, subject: Int = -1, factors labels: [String: Int] = [:]
    ) {
        precondition(
            image.count == imageBytes,
            "FaceSet.append: \(image.count) bytes for a \(size)×\(size) RGB image")
        precondition(
            expression >= -1 && expression < expressionClasses,
            "FaceSet.append: expression \(expression) outside -1..<\(expressionClasses)")
        for (name, label) in labels {
            guard let classes = factorClasses[name] else {
                preconditionFailure("FaceSet.append: unknown factor \(name)")
            }
            precondition(
                label >= -1 && label < classes,
                "FaceSet.append: \(name) label \(label) outside -1..<\(classes)")
        }
        pixels += image
        expressions.append(expression)
        subjects.append(subject)
        for name in factorClasses.keys {
            self.factors[name, default: []].append(labels[name] ?? -1)
        }
    }

    /// The bytes of image `i`.
    public func image(_ i: Int) -> ArraySlice<UInt8> {
        pixels[(i * imageBytes)..<((i + 1) * imageBytes)]
    }

    /// The images at `indices`, in that order, with their labels.
    public func subset(_ indices: [Int]) -> FaceSet {
        var s = FaceSet(
            size: size, expressionClasses: expressionClasses, factorClasses: factorClasses,
            expressionClassNames: expressionClassNames)
        s.pixels.reserveCapacity(indices.count * imageBytes)
        for i in indices {
            precondition(i >= 0 && i < count, "FaceSet.subset: index \(i) outside 0..<\(count)")
            s.pixels += image(i)
            s.expressions.append(expressions[i])
            s.subjects.append(subjects[i])
            for (name, labels) in factors { s.factors[name, default: []].append(labels[i]) }
        }
        return s
    }

    /// The same images with every expression label withheld (−1).
    public func withoutExpressions() -> FaceSet {
        var s = self
        s.expressions = expressions.map { _ in -1 }
        return s
    }

    /// The same images with every factor label withheld (−1).
    public func withoutFactors() -> FaceSet {
        var s = self
        s.factors = factors.mapValues { $0.map { _ in -1 } }
        return s
    }

    /// The same images with the factor label of image `i` for `factor` withheld (−1)
    /// wherever `keep(factor, i)` is false.
    public func keepingFactorLabels(where keep: (_ factor: String, _ index: Int) -> Bool) -> FaceSet
    {
        var s = self
        for (name, labels) in factors {
            s.factors[name] = labels.indices.map { keep(name, $0) ? labels[$0] : -1 }
        }
        return s
    }

    /// Images per expression class (index = class).
    public var expressionCounts: [Int] {
        var c = [Int](repeating: 0, count: expressionClasses)
        for e in expressions where e >= 0 { c[e] += 1 }
        return c
    }
}
