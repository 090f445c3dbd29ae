import RealModule

extension UnsafeBufferPointer {
    /// The first element's address; kernels only ask for it on non-empty buffers.
    @inlinable
    public var start: UnsafePointer<Element> {
        guard let base = baseAddress else {
            preconditionFailure("kernel: address of an empty buffer")
        }
        return base
    }
}

extension UnsafeMutableBufferPointer {
    /// The first element's address; kernels only ask for it on non-empty buffers.
    @inlinable
    public var start: UnsafeMutablePointer<Element> {
        guard let base = baseAddress else {
            preconditionFailure("kernel: address of an empty buffer")
        }
        return base
    }
}

/// A pointer that may cross into a worker thread; the workers write disjoint regions.
public struct SendablePointer<T>: @unchecked Sendable {
    /// The address.
    public let pointer: UnsafePointer<T>
    /// Wraps an address.
    @inlinable public init(_ p: UnsafePointer<T>) { pointer = p }
}

/// A mutable pointer that may cross into a worker thread; the workers write disjoint regions.
public struct SendableMutablePointer<T>: @unchecked Sendable {
    /// The address.
    public let pointer: UnsafeMutablePointer<T>
    /// Wraps an address.
    @inlinable public init(_ p: UnsafeMutablePointer<T>) { pointer = p }
}
