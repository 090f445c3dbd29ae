import Foundation
import HDF5Files

/// A face-set file that cannot be used, naming the file, the dataset and what is wrong.
public struct FaceSetError: Error, CustomStringConvertible, Sendable {
    /// The face-set file.
    public let file: String
    /// The dataset or attribute inside it.
    public let path: String
    /// What is wrong.
    public let reason: String
    /// The error as one line: `file: path: reason`.
    public var description: String { "\(file): \(path): \(reason)" }
}

extension FaceSet {
    /// The format attribute of face-set files.
    public static let format = "ddl-swift-faces"
    /// The most classes a label (expression or factor) of a file may have; a larger count is
    /// a corrupt file, refused before anything that size is allocated.
    public static let maximumClasses: Int64 = 100_000

    /// Writes the set atomically as HDF5: `images` (uint8 [N, 3, S, S]), `expressions`,
    /// `subjects` (int64 [N]), `factors/<name>` (int64 [N]); attributes `format`,
    /// `expression_classes`, `expression_names` (JSON array), `factor_classes` (JSON) and a
    /// free-text `source`.
    public func save(to path: String, source: String = "") throws {
        try HDF5File.write(to: path) { root in
            try root.setAttribute("format", FaceSet.format)
            try root.setAttribute("expression_classes", Int64(expressionClasses))
            let classes = try JSONSerialization.data(
                withJSONObject: factorClasses, options: [.sortedKeys])
            try root.setAttribute("factor_classes", String(decoding: classes, as: UTF8.self))
            let names = try JSONSerialization.data(withJSONObject: expressionClassNames)
            try root.setAttribute("expression_names", String(decoding: names, as: UTF8.self))
            try root.setAttribute("source", source)
            try root.write("images", shape: [count, 3, size, size], values: pixels)
            try root.write("expressions", shape: [count], values: expressions.map(Int64.init))
            try root.write("subjects", shape: [count], values: subjects.map(Int64.init))
            let f = try root.createGroup("factors")
            for (name, labels) in factors.sorted(by: { $0.key < $1.key }) {
                try f.write(name, shape: [count], values: labels.map(Int64.init))
            }
        }
    }

    /// Reads a set written by `save(to:)`, checking every shape and label range. Files
    /// without `expression_names` (older ones) get `defaultExpressionClassNames`.
    public static func load(from path: String) throws -> FaceSet {
        let root = try HDF5File.open(path).root
        func fail(_ where_: String, _ why: String) -> FaceSetError {
            FaceSetError(file: path, path: where_, reason: why)
        }
        guard root.hasAttribute("format"), try root.stringAttribute("format") == format else {
            throw fail("/", "not a face-set file (no format attribute '\(format)'); make one with "
                + "`ddl synth` or `ddl data prepare`")
        }
        let storedClasses = try root.integerAttribute("expression_classes")
        guard (1...maximumClasses).contains(storedClasses) else {
            throw fail(
                "/@expression_classes",
                "\(storedClasses) expression classes is outside 1…\(maximumClasses)")
        }
        let expressionClasses = Int(storedClasses)
        let classesJSON = try root.stringAttribute("factor_classes")
        guard
            let factorClasses = (try? JSONSerialization.jsonObject(with: Data(classesJSON.utf8)))
                as? [String: Int]
        else {
            throw fail("/@factor_classes", "not a JSON object of class counts: \(classesJSON)")
        }
        if let (name, classes) = factorClasses.first(where: {
            !(1...Int(maximumClasses)).contains($0.value)
        }) {
            throw fail(
                "/@factor_classes",
                "factor \(name) has \(classes) classes, outside 1…\(maximumClasses)")
        }
        var names: [String]? = nil
        if root.hasAttribute("expression_names") {
            let json = try root.stringAttribute("expression_names")
            guard
                let list = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String],
                list.count == expressionClasses
            else {
                throw fail(
                    "/@expression_names",
                    "not a JSON array of \(expressionClasses) class names: \(json)")
            }
            names = list
        }
        let images = try root.read("images", as: UInt8.self)
        guard images.shape.count == 4, images.shape[1] == 3, images.shape[2] == images.shape[3],
            images.shape[2] > 0
        else {
            throw fail("/images", "expected [N, 3, S, S], found \(images.shape)")
        }
        let n = images.shape[0]
        func labels(_ name: String, in group: HDF5Group, classes: Int?) throws -> [Int] {
            let v = try group.read(name, as: Int64.self, expectedShape: [n]).values.map { Int($0) }
            if let classes, let bad = v.firstIndex(where: { $0 < -1 || $0 >= classes }) {
                throw fail(
                    group.childPath(name),
                    "label \(v[bad]) at image \(bad) is outside -1..<\(classes)")
            }
            return v
        }
        var set = FaceSet(
            size: images.shape[2], expressionClasses: expressionClasses,
            factorClasses: factorClasses,
            expressionClassNames: names)
        set.pixels = images.values
        set.expressions = try labels("expressions", in: root, classes: expressionClasses)
        set.subjects = try labels("subjects", in: root, classes: nil)
        let group = try root.group("factors")
        for (name, classes) in factorClasses {
            set.factors[name] = try labels(name, in: group, classes: classes)
        }
        return set
    }
}
