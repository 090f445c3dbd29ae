import RealModule

/// A shape that an operation cannot accept, naming the operation and every shape involved.
public struct ShapeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The operation that refused the shapes, e.g. `"add"` or `"conv2d"`.
    public let operation: String
    /// What was wrong, with the shapes written out.
    public let message: String

    /// Creates an error for `operation` with a message that names the shapes.
    public init(_ operation: String, _ message: String) {
        self.operation = operation
        self.message = message
    }

    /// The error as printed: `operation: message`.
    public var description: String { "\(operation): \(message)" }
}

/// Formats a shape the way errors print it: `[2, 3, 4]`.
@inlinable
public func describe(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

/// Runs a shape validation and stops the program with its message if it fails.
///
/// Public ops validate with throwing functions (tested directly) and call them through this,
/// so a programmer error names both shapes instead of reading out of bounds.
@inlinable
public func requireShapes<T>(_ check: () throws(ShapeError) -> T) -> T {
    do {
        return try check()
    } catch {
        preconditionFailure(error.description)
    }
}
