import Foundation
import HDF5Files

/// What a face-set file holds, read without its images: the side, the number of faces, and
/// for the expressions and each factor the class count and how many faces are labelled.
public struct FaceSetFileSummary: Sendable, Equatable {
    /// Classes of a label and the faces that have one (label ≥ 0).
    public struct Labels: Sendable, Equatable {
        /// Number of classes.
        public var classes: Int
        /// Faces with a label (≥ 0).
        public var labelled: Int
    }

    /// The file read.
    public let file: String
    /// Number of faces.
    public let count: Int
    /// Side of the images.
    public let size: Int
    /// The expression classes and labelled faces.
    public let expressions: Labels
    /// By factor name (the keys of `factor_classes`, stored under `factors/<name>`).
    public let factors: [String: Labels]

    /// Reads the summary of the face-set file at `path` (shapes, class counts, labels).
    /// - Throws: `FaceSetError` naming the file and key for a file that is not a face set,
    ///   or an HDF5 error naming the file.
    public static func read(_ path: String) throws -> FaceSetFileSummary {
        let root = try HDF5File.open(path).root
        guard root.hasAttribute("format"), try root.stringAttribute("format") == FaceSet.format
        else {
            throw FaceSetError(
                file: path, path: "/",
                reason: "not a face-set file (no format attribute '\(FaceSet.format)')")
        }
        let shape = try root.shape(of: "images")
        guard shape.count == 4, shape[1] == 3, shape[2] == shape[3] else {
            throw FaceSetError(
                file: path, path: "/images", reason: "expected [N, 3, S, S], found \(shape)")
        }
        let json = try root.stringAttribute("factor_classes")
        guard
            let classes = (try? JSONSerialization.jsonObject(with: Data(json.utf8)))
                as? [String: Int]
        else {
            throw FaceSetError(
                file: path, path: "/@factor_classes",
                reason: "not a JSON object of class counts: \(json)")
        }
        func labelled(_ name: String, in group: HDF5Group) throws -> Int {
            try group.read(name, as: Int64.self, expectedShape: [shape[0]]).values.reduce(0) {
                $0 + ($1 >= 0 ? 1 : 0)
            }
        }
        let factorGroup = try root.group("factors")
        var factors: [String: Labels] = [:]
        for (name, k) in classes {
            factors[name] = Labels(classes: k, labelled: try labelled(name, in: factorGroup))
        }
        let expressions = Labels(
            classes: Int(try root.integerAttribute("expression_classes")),
            labelled: try labelled("expressions", in: root))
        return FaceSetFileSummary(
            file: path, count: shape[0], size: shape[2], expressions: expressions, factors: factors)
    }
}
