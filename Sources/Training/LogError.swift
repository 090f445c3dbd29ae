/// A log line that cannot be read, with the file and the 1-based line number.
public struct LogError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int
    public let reason: String
    public var description: String { "\(file):\(line): \(reason)" }
}
