import FastKernels
import TensorCore

/// A node of the reverse-mode graph: a tensor value, its gradient, and how it was made.
///
/// Each op records its parents in order and a pullback that maps the node's gradient to one
/// gradient per parent (nil for parents that need none); `backward()` walks the graph once in
/// reverse topological order and accumulates into the parents' gradients.
public final class Variable<Scalar: TensorScalar> {
    /// The forward value; a leaf's value can be replaced with `assign(_:)`. A held-back
    /// value (see `Deferral`) is computed the first time it is read.
    public var value: Tensor<Scalar> {
        if let stored { return stored }
        guard let deferral else { preconditionFailure("\(operation): a node without a value") }
        let v = deferral.compute()
        stored = v
        self.deferral = nil
        return v
    }
    /// The value once computed.
    private var stored: Tensor<Scalar>?
    /// The op that will compute the value when it is read, unless the op consuming it
    /// absorbs it first.
    public private(set) var deferral: Deferral<Scalar>?
    /// The shape of the value, known before the value is computed.
    public let shape: [Int]
    /// Counts the changes of a leaf's value, so that what was prepared from it is redone.
    private var version = 0
    /// Forms of the value prepared for kernels, by what they were made for, and the version
    /// they were made from.
    private var preparedForms: (version: Int, forms: [[Int]: Tensor<Scalar>?])?
    /// The accumulated gradient of the last `backward()`; kept for leaves, freed for
    /// intermediates unless the graph is retained.
    public internal(set) var grad: Tensor<Scalar>?
    /// Whether gradients flow to this node.
    public let requiresGrad: Bool
    /// The op that made this node (`"leaf"` for inputs and parameters).
    public let operation: String
    /// The inputs of the op, in order (emptied only when the node is released).
    private(set) var parents: [Variable]
    /// Maps this node's gradient to its parents' gradients; `needs[i]` tells whether parent
    /// `i` wants one. Dropped after `backward()` unless the graph is retained.
    var pullback: ((Tensor<Scalar>, [Bool]) -> [Tensor<Scalar>?])?

    /// A leaf: an input or a parameter.
    public init(_ value: Tensor<Scalar>, requiresGrad: Bool = false) {
        self.stored = value
        self.shape = value.shape
        self.requiresGrad = requiresGrad
        self.operation = "leaf"
        self.parents = []
        self.pullback = nil
    }

    init(
        value: Tensor<Scalar>?, deferral: Deferral<Scalar>? = nil, shape: [Int], operation: String,
        parents: [Variable], requiresGrad: Bool = true,
        pullback: ((Tensor<Scalar>, [Bool]) -> [Tensor<Scalar>?])?
    ) {
        self.stored = value
        self.deferral = deferral
        self.shape = shape
        self.requiresGrad = requiresGrad
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
        guard GradMode.isEnabled, parents.contains(where: { $0.requiresGrad }) else {
            return Variable(value)
        }
        return Variable(
            value: value, shape: value.shape, operation: operation, parents: parents,
            pullback: pullback)
    }

    /// Records an op whose value is held back: computed by `compute` when first read, unless
    /// the op consuming it absorbs it (`absorbing`). The kernel layer decides which ops are
    /// held back (`KernelFusion.defers`); others are recorded as by `record`.
    public static func recordDeferred(
        _ operation: String, kernel: DeferredKernel<Scalar>, shape: [Int], parents: [Variable],
        compute: @escaping () -> Tensor<Scalar>,
        pullback: @escaping (Tensor<Scalar>, [Bool]) -> [Tensor<Scalar>?]
    ) -> Variable {
        let recording = GradMode.isEnabled && parents.contains(where: { $0.requiresGrad })
        guard KernelFusion.defers(kernel, recording: recording) else {
            return record(operation, value: compute(), parents: parents, pullback: pullback)
        }
        return Variable(
            value: nil, deferral: Deferral(kernel: kernel, parents: parents, compute: compute),
            shape: shape, operation: recording ? operation : "leaf",
            parents: recording ? parents : [],
            requiresGrad: recording, pullback: recording ? pullback : nil)
    }

    /// The op `consumer` applied to this node, computed together with the op that made it
    /// when that op's value is still held back and the kernel layer fuses the two; nil
    /// otherwise. `extra` are the consumer's own inputs after this one. Without a gradient
    /// to record, the two may become one op that is itself held back (`KernelFusion.merge`),
    /// for the next consumer to absorb in turn.
    public func absorbing(
        _ operation: String, _ consumer: Consumer<Scalar>, extra: [Variable]
    ) -> Variable? {
        guard let deferral else { return nil }
        let parents = deferral.parents + extra
        let recording = GradMode.isEnabled && parents.contains(where: { $0.requiresGrad })
        if !recording, let merged = KernelFusion.merge(deferral.kernel, into: consumer) {
            return Variable(
                value: nil,
                deferral: Deferral(
                    kernel: merged, parents: parents, compute: { KernelFusion.compute(merged) }),
                shape: shape, operation: "leaf", parents: [], requiresGrad: false, pullback: nil)
        }
        guard let fused = KernelFusion.absorb(deferral.kernel, into: consumer) else {
            return nil
        }
        return Variable.record(
            operation, value: fused.value, parents: deferral.parents + extra,
            pullback: fused.pullback)
    }

    /// Releases a chain of ancestors that only this node holds in a loop rather than by
    /// recursion (each node's release would otherwise release its parents inside it, one
    /// stack frame per op of the chain): each uniquely held ancestor gives up its parents,
    /// its held-back op's inputs and its pullback to the loop before it goes.
    deinit {
        guard !parents.isEmpty || deferral != nil else { return }
        var pending = parents
        if let d = deferral { pending += d.parents }
        parents = []
        deferral = nil
        while var node = pending.popLast() {
            guard isKnownUniquelyReferenced(&node) else { continue }
            pending += node.parents
            if let d = node.deferral { pending += d.parents }
            node.parents = []
            node.deferral = nil
            node.pullback = nil
        }
    }

    /// Whether this node is a leaf of the graph.
    public var isLeaf: Bool { parents.isEmpty }

    /// Clears the stored gradient.
    public func zeroGrad() { grad = nil }

    /// Replaces a leaf's value (an optimiser step, a loaded checkpoint), keeping its shape.
    public func assign(_ newValue: Tensor<Scalar>) {
        precondition(
            isLeaf, "assign: only a leaf's value can be replaced, not the result of \(operation)")
        precondition(
            newValue.shape == value.shape,
            "assign: new value \(describe(newValue.shape)) does not match \(describe(value.shape))")
        stored = newValue
        version &+= 1
    }

    /// Updates a leaf's value in place (an optimiser step), without copying it when nothing
    /// else holds it; the shape must stay the same.
    public func update(_ body: (inout Tensor<Scalar>) -> Void) {
        precondition(
            isLeaf, "update: only a leaf's value can be changed, not the result of \(operation)")
        let shape = value.shape
        version &+= 1
        body(&stored!)
        precondition(
            value.shape == shape,
            "update: the shape changed from \(describe(shape)) to \(describe(value.shape))")
    }

    /// A form of this node's value that the kernel layer prepares for the op using it (a
    /// convolution weight's transformed kernels), made by `make` once for each value of a
    /// leaf and each `key` (what the form depends on besides the value, such as the input's
    /// shape) and kept until the value changes; nil when `make` gives nil.
    public func prepared(
        for key: [Int], _ make: (Tensor<Scalar>) -> Tensor<Scalar>?
    ) -> Tensor<Scalar>? {
        if preparedForms?.version != version { preparedForms = (version, [:]) }
        if let kept = preparedForms?.forms[key] { return kept }
        let tensor = make(value)
        preparedForms?.forms[key] = .some(tensor)
        return tensor
    }

    /// How many prepared forms of the current value are kept (for the tests).
    var preparedFormCount: Int { preparedForms?.forms.count ?? 0 }

    /// Sets a leaf's gradient directly (optimiser tests, gradient clipping).
    public func setGrad(_ g: Tensor<Scalar>?) {
        if let g {
            precondition(
                g.shape == value.shape, "setGrad: \(describe(g.shape)) vs \(describe(value.shape))")
        }
        grad = g
    }
}

/// How a held-back value will be computed, and what the kernel layer needs to fuse it with
/// its consumer: the op's description and its inputs in the graph.
public struct Deferral<Scalar: TensorScalar> {
    /// The op, as the kernel layer describes it.
    public let kernel: DeferredKernel<Scalar>
    /// The op's inputs, in order (the parents a fused node takes over).
    let parents: [Variable<Scalar>]
    /// Computes the value.
    let compute: () -> Tensor<Scalar>
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
