import FastKernels
import TensorCore

extension Variable {
    /// The nodes that need gradients, parents before children (iterative depth-first walk).
    func topologicalOrder() -> [Variable] {
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: Variable, expanded: Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for p in node.parents.reversed()
            where p.requiresGrad && !visited.contains(ObjectIdentifier(p)) {
                stack.append((p, false))
            }
        }
        return order
    }

    /// Back-propagates from this node, accumulating into the gradients of every node that
    /// requires one.
    ///
    /// - Parameters:
    ///   - upstream: the gradient of the final objective with respect to this value; may be
    ///     omitted only when the value has one element (it is then 1).
    ///   - retainGraph: keep intermediate gradients (until the next pass) and pullbacks (for a
    ///     second backward). Leaf gradients accumulate across passes, as in PyTorch.
    public func backward(upstream: Tensor<Scalar>? = nil, retainGraph: Bool = false) {
        guard requiresGrad else { return }
        let seed: Tensor<Scalar>
        if let upstream {
            precondition(
                upstream.shape == value.shape,
                "backward: upstream \(describe(upstream.shape)) does not match value "
                    + "\(describe(value.shape))"
            )
            seed = upstream
        } else {
            precondition(
                value.count == 1,
                "backward: implicit upstream needs a one-element value, got "
                    + "\(describe(value.shape))"
            )
            seed = Tensor(repeating: 1, shape: value.shape)
        }
        let order = topologicalOrder()
        // Intermediate gradients belong to one pass; leaves accumulate across passes.
        for node in order where !node.isLeaf { node.grad = nil }
        accumulate(seed)
        for node in order.reversed() {
            guard let g = node.grad, let pullback = node.pullback else { continue }
            let needs = node.parents.map { $0.requiresGrad }
            let grads = pullback(g, needs)
            precondition(
                grads.count == node.parents.count,
                "\(node.operation): pullback returned \(grads.count) gradients for "
                    + "\(node.parents.count) inputs"
            )
            for (parent, grad) in zip(node.parents, grads) where parent.requiresGrad {
                if let grad { parent.accumulate(grad) }
            }
            if !retainGraph {
                node.pullback = nil
                if !node.isLeaf { node.grad = nil }
            }
        }
    }

    /// Adds `g` into this node's gradient.
    func accumulate(_ g: Tensor<Scalar>) {
        precondition(
            g.shape == shape,
            "\(operation): gradient \(describe(g.shape)) does not match value "
                + "\(describe(value.shape))"
        )
        if var existing = grad {
            grad = nil  // keep the buffer uniquely referenced so the add is in place
            existing.addInPlace(g)
            grad = existing
        } else {
            grad = g
        }
    }
}
