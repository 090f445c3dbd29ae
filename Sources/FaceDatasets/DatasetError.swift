/// A line of a text file, where a face or a problem came from.
public struct SourceLine: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The file's path.
    public let file: String
    /// The 1-based line number.
    public let line: Int

    /// The line `line` of `file`.
    public init(_ file: String, _ line: Int) {
        self.file = file
        self.line = line
    }

    /// `file:line`.
    public var description: String { "\(file):\(line)" }
}

/// Input a user can get wrong in a database copy: it names the file (and the line when a
/// text file is at fault) and says what is wrong.
public struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem, so that callers and tests need not parse the text.
    public enum Kind: String, Sendable, Equatable {
        /// An image that cannot be decoded (corrupt, truncated, not an image).
        case unreadableImage = "unreadable image"
        /// A file or folder the layout needs, or a label file names, does not exist.
        case missingFile = "missing file"
        /// A label code or class name outside the database's list.
        case unknownLabel = "unknown label"
        /// A line of a text file that does not have the expected fields.
        case malformedLine = "malformed line"
        /// A class folder without images.
        case emptyFolder = "empty folder"
        /// Anything else about the layout (an unexpected folder, too few subjects for k folds…).
        case layout
    }

    /// The kind of problem.
    public let kind: Kind
    /// The file or folder at fault.
    public let file: String
    /// The 1-based line of `file` at fault, when it is a text file.
    public let line: Int?
    /// What is wrong, and where useful what was expected.
    public let reason: String

    /// A problem with `file` (at `line`, if a text line is at fault).
    public init(_ kind: Kind, file: String, line: Int? = nil, _ reason: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.reason = reason
    }

    /// A problem with a line of a text file.
    public init(_ kind: Kind, at source: SourceLine, _ reason: String) {
        self.init(kind, file: source.file, line: source.line, reason)
    }

    /// `file:line: reason` (or `file: reason`).
    public var description: String {
        if let line { return "\(file):\(line): \(reason)" }
        return "\(file): \(reason)"
    }
}

/// What to do with bad input: stop at the first problem (the default), or skip the face it
/// concerns and keep the problem as a warning (`--skip-bad`).
public struct BadInputPolicy: Sendable {
    /// Whether bad input is skipped rather than thrown.
    public let skipBad: Bool
    /// The problems skipped so far, in the order met.
    public private(set) var skipped: [DatasetError] = []

    /// A policy; `skipBad` false throws the first problem.
    public init(skipBad: Bool) { self.skipBad = skipBad }

    /// Throws `problem`, or records it when skipping bad input.
    public mutating func handle(_ problem: DatasetError) throws(DatasetError) {
        guard skipBad else { throw problem }
        skipped.append(problem)
    }
}
