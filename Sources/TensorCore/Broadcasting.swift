import RealModule

/// A plan for walking two operands broadcast against each other: the output shape, and for
/// each operand its strides over the output (0 along broadcast axes), with adjacent axes
/// merged wherever both operands are contiguous across them.
public struct BroadcastPlan: Sendable {
    /// The broadcast output shape.
    public let outShape: [Int]
    /// Merged sizes; the last is the inner, contiguous loop.
    public let sizes: [Int]
    /// Strides of the first operand over the merged axes (0 where broadcast).
    public let stridesA: [Int]
    /// Strides of the second operand over the merged axes (0 where broadcast).
    public let stridesB: [Int]

    /// The plan for operands of shapes `a` and `b`.
    public init(_ a: [Int], _ b: [Int], operation: String) throws(ShapeError) {
        let out = try Shape.broadcast(a, b, operation: operation)
        outShape = out
        let rank = out.count
        func strides(_ s: [Int]) -> [Int] {
            let padded = [Int](repeating: 1, count: rank - s.count) + s
            let natural = Shape.strides(padded)
            return (0..<rank).map { padded[$0] == 1 && out[$0] != 1 ? 0 : natural[$0] }
        }
        var sa = strides(a), sb = strides(b), sz = out
        // Drop size-1 axes, then merge neighbours that are contiguous for both operands.
        var keep = (0..<rank).filter { sz[$0] != 1 }
        if keep.isEmpty { keep = [] }
        sa = keep.map { sa[$0] }; sb = keep.map { sb[$0] }; sz = keep.map { sz[$0] }
        var i = sz.count - 1
        while i > 0 {
            if sa[i - 1] == sa[i] * sz[i], sb[i - 1] == sb[i] * sz[i] {
                sz[i - 1] *= sz[i]
                sa[i - 1] = sa[i]; sb[i - 1] = sb[i]
                sz.remove(at: i); sa.remove(at: i); sb.remove(at: i)
            }
            i -= 1
        }
        if sz.isEmpty { sz = [1]; sa = [0]; sb = [0] }
        sizes = sz; stridesA = sa; stridesB = sb
    }

    /// The plan for summing a tensor of `shape` down to `target`, a shape it was broadcast
    /// from (stops with the shapes when it was not).
    public static func summing(_ shape: [Int], to target: [Int]) -> BroadcastPlan {
        requireShapes { () throws(ShapeError) -> BroadcastPlan in
            let b = try Shape.broadcast(shape, target, operation: "sum_to_shape")
            guard b == shape else {
                throw ShapeError(
                    "sum_to_shape", "\(describe(target)) does not broadcast to \(describe(shape))")
            }
            return try BroadcastPlan(shape, target, operation: "sum_to_shape")
        }
    }

    /// Runs of the inner axis.
    @inlinable
    public var runCount: Int { sizes.dropLast().reduce(1, *) }

    /// Calls `body(offsetA, offsetB, outOffset, innerCount, innerStrideA, innerStrideB)` for
    /// every run of the inner axis, in output order.
    @inlinable
    public func forEachRun(_ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        forEachRun(in: 0..<runCount, body)
    }

    /// The same for the runs `runs` only.
    @inlinable
    public func forEachRun(in runs: Range<Int>, _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        let rank = sizes.count
        let inner = sizes[rank - 1], ia = stridesA[rank - 1], ib = stridesB[rank - 1]
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        var offA = 0, offB = 0
        // The odometer at the first run.
        var rest = runs.lowerBound
        var axis = rank - 2
        while axis >= 0 {
            index[axis] = rest % sizes[axis]
            rest /= sizes[axis]
            offA += index[axis] * stridesA[axis]; offB += index[axis] * stridesB[axis]
            axis -= 1
        }
        for run in runs {
            body(offA, offB, run * inner, inner, ia, ib)
            // Odometer step over the outer axes.
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                offA += stridesA[axis]; offB += stridesB[axis]
                if index[axis] < sizes[axis] { break }
                offA -= stridesA[axis] * sizes[axis]; offB -= stridesB[axis] * sizes[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

extension Tensor {
    /// Applies `op` elementwise to two tensors broadcast against each other.
    @inlinable
    public static func broadcasting(
        _ a: Tensor, _ b: Tensor, operation: String, _ op: (Scalar, Scalar) -> Scalar
    ) -> Tensor {
        if a.shape == b.shape {
            return Tensor(shape: a.shape) { out in
                a.scalars.withUnsafeBufferPointer { pa in
                    b.scalars.withUnsafeBufferPointer { pb in
                        for i in 0..<out.count { out[i] = op(pa[i], pb[i]) }
                    }
                }
            }
        }
        let plan = requireShapes { () throws(ShapeError) in
            try BroadcastPlan(a.shape, b.shape, operation: operation)
        }
        return Tensor(shape: plan.outShape) { out in
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    plan.forEachRun { oa, ob, oo, n, sa, sb in
                        for j in 0..<n { out[oo + j] = op(pa[oa + j * sa], pb[ob + j * sb]) }
                    }
                }
            }
        }
    }

    /// A binary op of the kernel table with broadcasting, its work spread by `split`: by
    /// runs of the inner axis, or within the single run.
    static func binaryReference(
        _ op: BinaryOperation, _ a: Tensor, _ b: Tensor, split: WorkSplitter
    ) -> Tensor {
        switch op {
        case .add: broadcastingKernel(a, b, AddOperation.self, split: split)
        case .sub: broadcastingKernel(a, b, SubtractOperation.self, split: split)
        case .mul: broadcastingKernel(a, b, MultiplyOperation.self, split: split)
        case .div: broadcastingKernel(a, b, DivideOperation.self, split: split)
        }
    }

    /// `broadcasting` for one binary op given as a type, so each of the four gets its own
    /// specialised loop.
    static func broadcastingKernel<Op: ElementwiseOperation>(
        _ a: Tensor, _ b: Tensor, _: Op.Type, split: WorkSplitter
    ) -> Tensor {
        let plan = requireShapes { () throws(ShapeError) in
            try BroadcastPlan(a.shape, b.shape, operation: Op.name)
        }
        return Tensor(shape: plan.outShape) { out in
            guard out.count > 0 else { return }
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    let (x, y, z) = (
                        SendablePointer(pa.start), SendablePointer(pb.start),
                        SendableMutablePointer(out.start)
                    )
                    let runs = plan.runCount
                    if runs == 1 {
                        let sa = plan.stridesA[0], sb = plan.stridesB[0]
                        split.run(out.count, out.count) { range in
                            if sa == 1 && sb == 1 {
                                for j in range {
                                    z.pointer[j] = Op.apply(x.pointer[j], y.pointer[j])
                                }
                            } else if sa == 1 && sb == 0 {
                                // A scalar operand, read once, so the loop vectorises.
                                let c = y.pointer[0]
                                for j in range { z.pointer[j] = Op.apply(x.pointer[j], c) }
                            } else if sa == 0 && sb == 1 {
                                let c = x.pointer[0]
                                for j in range { z.pointer[j] = Op.apply(c, y.pointer[j]) }
                            } else {
                                for j in range {
                                    z.pointer[j] = Op.apply(x.pointer[j * sa], y.pointer[j * sb])
                                }
                            }
                        }
                    } else {
                        split.run(runs, out.count) { range in
                            plan.forEachRun(in: range) { oa, ob, oo, n, sa, sb in
                                let (u, v, w) = (x.pointer + oa, y.pointer + ob, z.pointer + oo)
                                if sa == 1 && sb == 0 {
                                    let c = v[0]
                                    for j in 0..<n { w[j] = Op.apply(u[j], c) }
                                } else if sa == 0 && sb == 1 {
                                    let c = u[0]
                                    for j in 0..<n { w[j] = Op.apply(c, v[j]) }
                                } else {
                                    for j in 0..<n { w[j] = Op.apply(u[j * sa], v[j * sb]) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Sums this tensor down to `target`, a shape it was broadcast from (the backward of
    /// broadcasting). Axes of size 1 in `target` and missing leading axes are summed over.
    /// Each run is added in one chain, in order.
    func summedKernel(toShape target: [Int]) -> Tensor {
        summed(toShape: target) { p, n in
            var acc: Scalar = 0
            for j in 0..<n { acc += p[j] }
            return acc
        }
    }

    /// `summedKernel(toShape:)` with the sum of each contiguous run reduced to one number
    /// left to `runSum(start, count)` (a fast layer's partial sums); strided runs are added
    /// in one chain, and runs that land on several outputs element by element.
    @inlinable
    public func summed(
        toShape target: [Int], contiguousRunSum runSum: (UnsafePointer<Scalar>, Int) -> Scalar
    ) -> Tensor {
        if target == shape { return self }
        let plan = BroadcastPlan.summing(shape, to: target)
        var result = [Scalar](repeating: 0, count: Shape.count(target))
        scalars.withUnsafeBufferPointer { src in
            result.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                plan.forEachRun { oa, ob, _, n, sa, sb in
                    if sb == 0 && sa == 1 {
                        d[ob] += runSum(s + oa, n)
                    } else if sb == 0 {
                        var acc: Scalar = 0
                        for j in 0..<n { acc += s[oa + j * sa] }
                        d[ob] += acc
                    } else {
                        for j in 0..<n { d[ob + j * sb] += s[oa + j * sa] }
                    }
                }
            }
        }
        return Tensor(shape: target, scalars: result)
    }

    /// Applies `f` to every element.
    @inlinable
    public func map(_ f: (Scalar) -> Scalar) -> Tensor {
        Tensor(shape: shape) { out in
            scalars.withUnsafeBufferPointer { p in
                for i in 0..<out.count { out[i] = f(p[i]) }
            }
        }
    }

    /// Combines two tensors of the same shape element by element.
    @inlinable
    public func zip(_ other: Tensor, operation: String = "zip", _ f: (Scalar, Scalar) -> Scalar)
        -> Tensor
    {
        requireShapes { () throws(ShapeError) in
            guard shape == other.shape else {
                throw ShapeError(
                    operation, "shapes \(describe(shape)) and \(describe(other.shape)) differ")
            }
        }
        return Tensor.broadcasting(self, other, operation: operation, f)
    }

    /// Adds `other` (same shape) into this tensor in place.
    mutating func addInPlaceKernel(_ other: Tensor) {
        requireShapes { () throws(ShapeError) in
            guard shape == other.shape else {
                throw ShapeError(
                    "accumulate", "shapes \(describe(shape)) and \(describe(other.shape)) differ")
            }
        }
        other.scalars.withUnsafeBufferPointer { src in
            storage.withUnsafeMutableBufferPointer { dst in
                for i in 0..<dst.count { dst[i] += src[i] }
            }
        }
    }
}

/// One of the four binary operations as a type (see `Tensor.broadcastingKernel`).
protocol ElementwiseOperation: SendableMetatype {
    static var name: String { get }
    static func apply<S: TensorElement>(_ a: S, _ b: S) -> S
}

enum AddOperation: ElementwiseOperation {
    static var name: String { "add" }
    @inline(__always) static func apply<S: TensorElement>(_ a: S, _ b: S) -> S { a + b }
}

enum SubtractOperation: ElementwiseOperation {
    static var name: String { "sub" }
    @inline(__always) static func apply<S: TensorElement>(_ a: S, _ b: S) -> S { a - b }
}

enum MultiplyOperation: ElementwiseOperation {
    static var name: String { "mul" }
    @inline(__always) static func apply<S: TensorElement>(_ a: S, _ b: S) -> S { a * b }
}

enum DivideOperation: ElementwiseOperation {
    static var name: String { "div" }
    @inline(__always) static func apply<S: TensorElement>(_ a: S, _ b: S) -> S { a / b }
}
