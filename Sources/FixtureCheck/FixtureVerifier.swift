import Autodiff
import FastKernels
import TensorCore

/// The comparison of one fixture with the Swift implementation.
public struct FixtureReport: Sendable {
    /// The file checked.
    public let path: String
    /// The component it names.
    public let component: String
    /// `float64` or `float32`.
    public let dtype: String
    /// One comparison per output, buffer and gradient, named `outputs/…`, `grads/inputs/…`, ….
    public let comparisons: [(name: String, result: Closeness)]

    /// Whether every comparison passed.
    public var passed: Bool { comparisons.allSatisfy(\.result.passed) }

    /// The largest absolute error among comparisons whose names start with `prefix`.
    public func maxAbsError(_ prefix: String) -> Double {
        comparisons.filter { $0.name.hasPrefix(prefix) }.map(\.result.maxAbsError).max() ?? 0
    }

    /// The largest relative error among comparisons whose names start with `prefix`.
    public func maxRelError(_ prefix: String) -> Double {
        comparisons.filter { $0.name.hasPrefix(prefix) }.map(\.result.maxRelError).max() ?? 0
    }
}

/// Tolerances of fixture comparisons, `|swift − torch| ≤ atol + rtol·|torch|`, by precision.
public struct FixtureTolerance: Sendable {
    /// Absolute tolerance.
    public var atol: Double
    /// Relative tolerance (a fraction of `|torch|`).
    public var rtol: Double

    /// The tighter of these tolerances and a file's own (`atol`, `rtol` attributes): a file
    /// may tighten its check, never loosen it.
    public func tightened(by own: (atol: Double, rtol: Double)?) -> FixtureTolerance {
        guard let own else { return self }
        func tighter(_ mine: Double, _ theirs: Double) -> Double {
            theirs.isFinite && theirs >= 0 ? min(mine, theirs) : mine
        }
        return FixtureTolerance(atol: tighter(atol, own.atol), rtol: tighter(rtol, own.rtol))
    }

    /// Double: within ~1e-10 relative. Float: within ~1e-4 relative.
    public static func `default`(for dtype: String) -> FixtureTolerance {
        dtype == "float64"
            ? FixtureTolerance(atol: 1e-12, rtol: 1e-10) : FixtureTolerance(atol: 1e-5, rtol: 1e-4)
    }
}

/// Runs fixtures through the Swift implementation.
public struct FixtureVerifier: Sendable {
    /// The runners, by the components they understand.
    public let runners: [any ComponentRunner]

    /// A verifier with the given runners (every op and DDL component by default).
    public init(runners: [any ComponentRunner] = FixtureVerifier.allRunners) {
        self.runners = runners
    }

    /// The runners of the tensor core's ops, of every DDL component, of the optimisers and of
    /// the training trajectories.
    public static let allRunners: [any ComponentRunner] = [
        OpRunner(), BatchNormRunner(), DDLComponentRunner(), OptimizerRunner(), TrajectoryRunner(),
    ]

    /// Checks one fixture file: forward outputs, buffers after the forward pass, and the
    /// gradient of every input and parameter for the fixture's upstream gradients.
    public func verify(path: String, tolerance: FixtureTolerance? = nil) throws -> FixtureReport {
        let fixture = try Fixture(path: path)
        guard let runner = runners.first(where: { $0.components.contains(fixture.component) })
        else {
            throw fixture.error("/@component", "unknown component '\(fixture.component)'")
        }
        let tol =
            tolerance
            ?? FixtureTolerance.default(for: fixture.dtype).tightened(by: fixture.tolerance)
        if fixture.dtype == "float32" {
            return try compare(fixture, runner.run(fixture, as: Float.self), tol)
        }
        return try compare(fixture, runner.run(fixture, as: Double.self), tol)
    }

    func compare<S: TensorScalar>(
        _ fixture: Fixture, _ run: ComponentRun<S>, _ tol: FixtureTolerance
    ) throws -> FixtureReport {
        var results: [(String, Closeness)] = []
        func check(_ name: String, _ mine: Tensor<S>?, _ reference: Tensor<S>) {
            let result =
                mine.map { fixtureCompare($0, reference, tol) }
                ?? Closeness(
                    passed: false, maxAbsError: .infinity, maxRelError: .infinity,
                    firstFailure: nil,
                    reason: "the Swift side produced nothing for \(name)")
            results.append((name, result))
        }
        // Forward.
        let expected = try fixture.tensors("outputs", as: S.self)
        guard !expected.isEmpty else { throw fixture.error("/outputs", "no outputs to compare") }
        for (name, reference) in expected.sorted(by: { $0.key < $1.key }) {
            check("outputs/\(name)", run.outputs[name]?.value, reference)
        }
        for (name, reference) in try fixture.tensors("buffers_after", as: S.self).sorted(by: {
            $0.key < $1.key
        }) {
            check("buffers_after/\(name)", run.buffersAfter[name], reference)
        }
        // Backward: one pass for Σ ⟨output, upstream⟩ over every output.
        let upstream = try fixture.tensors("upstream", as: S.self)
        var objective: Variable<S>? = nil
        for (name, up) in upstream.sorted(by: { $0.key < $1.key }) {
            guard let out = run.outputs[name] else {
                throw fixture.error("/upstream/\(name)", "no output of that name")
            }
            guard out.shape == up.shape else {
                throw fixture.error(
                    "/upstream/\(name)",
                    "shape \(describe(up.shape)) does not match the output \(describe(out.shape))")
            }
            let term = (out * Variable(up)).sum()
            objective = objective.map { $0 + term } ?? term
        }
        objective?.backward()
        for (name, reference) in try fixture.tensors("grads/inputs", as: S.self).sorted(by: {
            $0.key < $1.key
        }) {
            check(
                "grads/inputs/\(name)", run.inputs[name].map { $0.grad ?? .zeros($0.shape) },
                reference)
        }
        for (name, reference) in try fixture.tensors("grads/parameters", as: S.self).sorted(by: {
            $0.key < $1.key
        }) {
            check(
                "grads/parameters/\(name)",
                run.parameters[name].map { $0.grad ?? .zeros($0.shape) }, reference)
        }
        return FixtureReport(
            path: fixture.path, component: fixture.component, dtype: fixture.dtype,
            comparisons: results)
    }
}

/// `compare` for fixtures, where a non-finite number is never close to anything but itself:
/// an element whose value or reference is ±∞ or NaN passes only when both are the same
/// non-finite value (`|a − r| ≤ atol + rtol·|r|` would let any value pass an infinite
/// reference). The remaining elements go through the one comparison helper.
func fixtureCompare<S: TensorScalar>(
    _ mine: Tensor<S>, _ reference: Tensor<S>, _ tol: FixtureTolerance
) -> Closeness {
    guard mine.shape == reference.shape else {
        return compare(mine, reference, atol: tol.atol, rtol: tol.rtol)
    }
    var a = mine.scalars, r = reference.scalars
    for i in a.indices where !a[i].isFinite || !r[i].isFinite {
        let same = (a[i].isNaN && r[i].isNaN) || a[i] == r[i]
        guard same else {
            let index = reference.multiIndex(i)
            return Closeness(
                passed: false, maxAbsError: .infinity, maxRelError: .infinity, firstFailure: index,
                reason:
                    "non-finite at \(index): \(a[i]) vs reference \(r[i]) (only the same "
                        + "non-finite value matches)"
            )
        }
        a[i] = 0
        r[i] = 0
    }
    return compare(
        Tensor(shape: mine.shape, scalars: a), Tensor(shape: reference.shape, scalars: r),
        atol: tol.atol, rtol: tol.rtol)
}
