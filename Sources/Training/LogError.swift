/// A log line that cannot be read, with the file and the 1-based line number.
public struct LogError: Error, CustomStringConvertible, Sendable {
    /// The log.
    public let file: String
    /// The 1-based line.
    public let line: Int
    /// What is wrong.
    public let reason: String
    /// `file:line: reason`.
    public var description: String { "\(file):\(line): \(reason)" }
}
