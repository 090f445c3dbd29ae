/// One face of a database copy, found but not yet decoded.
public struct FaceRecord: Sendable, Equatable {
    /// The image file.
    public var path: String
    /// The expression class (an index into the manifest's `expressionNames`), or −1.
    public var expression: Int
    /// The subject as the database names it (`S005`, `P001`, `001`), or nil when unknown.
    public var subject: String?
    /// Disturbing-factor labels by factor name; factors not given are missing (−1).
    public var factors: [String: Int]
    /// How the face is cropped.
    public var alignment: FaceAlignment
    /// The label-file line that named the face, if one did.
    public var listedAt: SourceLine?

    /// A face record; see the properties.
    public init(path: String, expression: Int, subject: String? = nil, factors: [String: Int] = [:],
                alignment: FaceAlignment = .centre, listedAt: SourceLine? = nil) {
        self.path = path
        self.expression = expression
        self.subject = subject
        self.factors = factors
        self.alignment = alignment
        self.listedAt = listedAt
    }
}

/// The faces a layout found in a database copy, with the classes of its labels: what
/// `ddl data inspect --layout` counts and `ddl data prepare` decodes.
public struct FaceManifest: Sendable, Equatable {
    /// The layout that read it.
    public var layout: FaceLayout
    /// The database copy's root folder.
    public var root: String
    /// The name of each expression class (an index of `FaceRecord.expression`).
    public var expressionNames: [String]
    /// Classes per factor (`gender` 3, `pose` 15, …).
    public var factorClasses: [String: Int]
    /// The faces in a fixed order (natural order of folders and files, or label-file order).
    public var records: [FaceRecord]
    /// Problems skipped under `--skip-bad`, in the order met.
    public var skipped: [DatasetError]
    /// Facts worth telling the user that are not problems (e.g. AffectNet rows left out).
    public var notes: [String]

    /// A manifest; see the properties.
    public init(
        layout: FaceLayout, root: String, expressionNames: [String],
        factorClasses: [String: Int] = [:],
        records: [FaceRecord] = [], skipped: [DatasetError] = [], notes: [String] = []
    ) {
        self.layout = layout
        self.root = root
        self.expressionNames = expressionNames
        self.factorClasses = factorClasses
        self.records = records
        self.skipped = skipped
        self.notes = notes
    }

    /// The number of expression classes.
    public var expressionClasses: Int { expressionNames.count }

    /// The integer id of every subject name of the records (see `SubjectNumbering`).
    public var subjectIDs: [String: Int] {
        SubjectNumbering.ids(for: Set(records.compactMap(\.subject)))
    }
}

/// Integer subject ids from the names a database gives its subjects.
///
/// When every name is one shared prefix of letters followed by digits (`S005`, `P001`,
/// `001`) and the numbers differ, a subject's id is its number (S005 → 5), so ids read the
/// same as the database's own. Otherwise the ids are 0, 1, 2… in natural order of the names.
public enum SubjectNumbering {
    /// The id of each name.
    public static func ids(for names: Set<String>) -> [String: Int] {
        var prefixes = Set<Substring>(), numbers: [String: Int] = [:]
        for name in names {
            let digits = name.reversed().prefix { $0.isASCII && $0.isNumber }.count
            guard digits > 0, digits <= 9, let n = Int(name.suffix(digits)) else {
                return ranks(names)
            }
            let prefix = name.dropLast(digits)
            guard prefix.allSatisfy({ $0.isLetter }) else { return ranks(names) }
            prefixes.insert(prefix)
            numbers[name] = n
        }
        guard prefixes.count <= 1, Set(numbers.values).count == names.count else {
            return ranks(names)
        }
        return numbers
    }

    private static func ranks(_ names: Set<String>) -> [String: Int] {
        Dictionary(
            uniqueKeysWithValues: names.sorted(by: naturalOrder).enumerated().map { ($1, $0) })
    }
}
