import RealModule

extension UnsafeBufferPointer {
    /// The first element's address; kernels only ask for it on non-empty buffers.
    @inlinable
    public var start: UnsafePointer<Element> {
        guard let base = baseAddress else { preconditionFailure("kernel: address of an empty buffer") }
        return base
    }
}

extension UnsafeMutableBufferPointer {
    /// The first element's address; kernels only ask for it on non-empty buffers.
    @inlinable
    public var start: UnsafeMutablePointer<Element> {
        guard let base = baseAddress else { preconditionFailure("kernel: address of an empty buffer") }
        return base
    }
}
