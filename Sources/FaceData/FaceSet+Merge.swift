/// Face sets that cannot be joined, naming both files and the values that disagree.
public struct FaceSetMergeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong, naming the files and values.
    public let description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}

extension FaceSet {
    /// One set of the faces of `sources`, in order, as the disturbance set of the paper is
    /// built from RAF-DB (gender, race, age) and Multi-PIE (identity, pose, illumination):
    /// every factor of any source, with −1 for the faces of a source that lacks it.
    ///
    /// Subject ids are shifted so that two sources never share one: source k's ids (−1 stays
    /// −1) are offset by one more than the largest id after shifting sources 0…k−1 (the
    /// offsets are returned). Expression labels are kept; the sources with a labelled
    /// expression must agree on the expression classes and their names.
    /// - Parameter sources: each set with the name (its file) errors give.
    /// - Throws: `FaceSetMergeError` when no source is given, when two sources' images have
    ///   different sides, when a factor has different class counts in two sources, or when
    ///   two sources label expressions of different classes — naming both files and values.
    public static func merged(
        _ sources: [(name: String, set: FaceSet)]
    ) throws -> (set: FaceSet, subjectOffsets: [Int]) {
        guard let first = sources.first else {
            throw FaceSetMergeError("nothing to merge: give at least one face-set file")
        }
        var factorClasses: [String: (classes: Int, source: String)] = [:]
        for (name, set) in sources {
            guard set.size == first.set.size else {
                throw FaceSetMergeError("\(first.name) has "
                    + "\(first.set.size)×\(first.set.size) images, "
                    + "\(name) \(set.size)×\(set.size): prepare both with the same "
                    + "`ddl data prepare --size`")
            }
            for (factor, classes) in set.factorClasses.sorted(by: { $0.key < $1.key }) {
                if let seen = factorClasses[factor], seen.classes != classes {
                    throw FaceSetMergeError("factor \(factor) has \(seen.classes) classes in "
                        + "\(seen.source) but \(classes) in \(name): the labels would not "
                        + "mean the same")
                }
                factorClasses[factor] = factorClasses[factor] ?? (classes, name)
            }
        }
        let labelled = sources.filter { $0.set.expressions.contains { $0 >= 0 } }
        let reference = labelled.first ?? first
        for (name, set) in labelled where set.expressionClasses != reference.set.expressionClasses
            || set.expressionClassNames != reference.set.expressionClassNames {
            throw FaceSetMergeError("\(reference.name) labels "
                + "\(reference.set.expressionClasses) expression classes "
                + "(\(reference.set.expressionClassNames.joined(separator: ", "))), "
                + "\(name) \(set.expressionClasses) "
                + "(\(set.expressionClassNames.joined(separator: ", ")))")
        }
        var out = FaceSet(
            size: first.set.size, expressionClasses: reference.set.expressionClasses,
            factorClasses: factorClasses.mapValues(\.classes),
            expressionClassNames: reference.set.expressionClassNames)
        out.pixels.reserveCapacity(sources.reduce(0) { $0 + $1.set.pixels.count })
        var offsets: [Int] = []
        var nextSubject = 0
        for (_, set) in sources {
            offsets.append(nextSubject)
            out.pixels += set.pixels
            out.expressions += set.expressions
            let shifted = set.subjects.map { $0 < 0 ? -1 : $0 + nextSubject }
            out.subjects += shifted
            nextSubject = max(nextSubject, (shifted.max() ?? -1) + 1)
            for factor in factorClasses.keys {
                out.factors[factor, default: []] +=
                    set.factors[factor] ?? [Int](repeating: -1, count: set.count)
            }
        }
        return (out, offsets)
    }
}
