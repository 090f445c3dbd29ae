import FastKernels
import TensorCore

/// A node of the reverse-mode graph: a tensor value, its gradient, and how it was made.
///
/// Each op records its parents in order and a pullback that maps the node's gradient to one
/// gradient per parent (nil for parents that need none); `backward()` walks the graph once in
/// reverse topological order and accumulates into the parents' gradients.
public final class Variable<Scalar: TensorScalar> {
    /// The forward value; a leaf's value can be replaced with `assign(_:)`.
    public private(set) var value: Tensor<Scalar>
    /// The accumulated gradient of the last `backward()`; kept for leaves, freed for
    /// intermediates unless the graph is retained.
    public internal(set) var grad: Tensor<Scalar>?
    /// Whether gradients flow to this node.
    public let requiresGrad: Bool
    /// The op that made this node (`"leaf"` for inputs and parameters).
    public let operation: String
    /// The inputs of the op, in order.
    let parents: [Variable]
    /// Maps this node's gradient to its parents' gradients; `needs[i]` tells whether parent
    /// `i` wants one. Dropped after `backward()` unless the graph is retained.
    var pullback: ((Tensor<Scalar>, [Bool]) -> [Tensor<Scalar>?])?

    /// A leaf: an input or a parameter.
    public init(_ value: Tensor<Scalar>, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.operation = "leaf"
        self.parents = []
        self.pullback = nil
    }

    init(
        value: Tensor<Scalar>, operation: String, parents: [Variable],
        pullback: @escaping (Tensor<Scalar>, [Bool]) -> [Tensor<Scalar>?]
    ) {
        self.value = value
        self.requiresGrad = true
        self.operation = operation
        self.parents = parents
        self.pullback = pullback
    }

    /// Records the result of an op. Without grad mode, or when no parent needs a gradient,
    /// the result is a constant and the pullback is not kept.
    public static func record(
        _ operation: String, value: Tensor<Scalar>, parents: [Variable],
        pullback: @escaping (Tensor<Scalar>, [Bool]) -> [Tensor<Scalar>?]
    ) -> Variable {
        guard GradMode.isEnabled, parents.contains(where: \.requiresGrad) else {
            return Variable(value)
        }
        return Variable(value: value, operation: operation, parents: parents, pullback: pullback)
    }

    /// Whether this node is a leaf of the graph.
    public var isLeaf: Bool { parents.isEmpty }

    /// The shape of the value.
    public var shape: [Int] { value.shape }

    /// Clears the stored gradient.
    public func zeroGrad() { grad = nil }

    /// Replaces a leaf's value (an optimiser step, a loaded checkpoint), keeping its shape.
    public func assign(_ newValue: Tensor<Scalar>) {
        precondition(
            isLeaf, "assign: only a leaf's value can be replaced, not the result of \(operation)")
        precondition(
            newValue.shape == value.shape,
            "assign: new value \(describe(newValue.shape)) does not match \(describe(value.shape))")
        value = newValue
    }

    /// Updates a leaf's value in place (an optimiser step), without copying it when nothing
    /// else holds it; the shape must stay the same.
    public func update(_ body: (inout Tensor<Scalar>) -> Void) {
        precondition(
            isLeaf, "update: only a leaf's value can be changed, not the result of \(operation)")
        let shape = value.shape
        body(&value)
        precondition(
            value.shape == shape,
            "update: the shape changed from \(describe(shape)) to \(describe(value.shape))")
    }

    /// Sets a leaf's gradient directly (optimiser tests, gradient clipping).
    public func setGrad(_ g: Tensor<Scalar>?) {
        if let g {
            precondition(
                g.shape == value.shape, "setGrad: \(describe(g.shape)) vs \(describe(value.shape))")
        }
        grad = g
    }
}

extension Variable: CustomStringConvertible {
    /// `Variable(operation, value)`, for debugging.
    public var description: String { "Variable(\(operation), \(value))" }
}

/// Whether ops record the graph. Off inside `withoutGradients`, e.g. for inference.
public enum GradMode {
    @TaskLocal static var enabled = true

    /// Whether ops currently record the graph.
    public static var isEnabled: Bool { enabled }
}

/// Runs `body` without recording the graph: every result is a constant.
public func withoutGradients<T>(_ body: () throws -> T) rethrows -> T {
    try GradMode.$enabled.withValue(false) { try body() }
}
