import Autodiff
import FastKernels
import TensorCore

/// What running a component on a fixture's inputs produced.
public struct ComponentRun<S: TensorScalar> {
    /// The fixture's differentiable inputs as graph leaves, by name.
    public var inputs: [String: Variable<S>] = [:]
    /// The component's parameters as graph leaves, by state-dict name.
    public var parameters: [String: Variable<S>] = [:]
    /// The outputs, by the fixture's output names.
    public var outputs: [String: Variable<S>] = [:]
    /// Buffers after the forward pass (running statistics), by state-dict name.
    public var buffersAfter: [String: Tensor<S>] = [:]

    /// An empty run, filled in by a runner.
    public init() {}
}

/// Runs one kind of component on a fixture's inputs and parameters.
public protocol ComponentRunner: Sendable {
    /// The `component` attributes this runner understands.
    var components: [String] { get }
    /// Builds leaves from the fixture, runs the forward pass and returns everything to compare.
    func run<S: TensorScalar>(_ fixture: Fixture, as: S.Type) throws -> ComponentRun<S>
}

extension Fixture {
    /// Leaves for the fixture's inputs, in input order: differentiable when the fixture has a
    /// gradient for them; integer inputs (labels) are left out.
    public func inputLeaves<S: TensorScalar>(
        as: S.Type
    ) throws -> [(name: String, leaf: Variable<S>)] {
        let tensors = try tensors("inputs", as: S.self)
        let gradNames = Set(try names("grads/inputs"))
        return try inputOrder.compactMap { name in
            guard let t = tensors[name] else {
                if try names("inputs").contains(name) { return nil }  // an integer input
                throw error("/inputs/\(name)", "input named in input_order is missing")
            }
            return (name, Variable(t, requiresGrad: gradNames.contains(name)))
        }
    }

    /// Leaves for the fixture's parameters, all differentiable.
    public func parameterLeaves<S: TensorScalar>(as: S.Type) throws -> [String: Variable<S>] {
        try tensors("parameters", as: S.self).mapValues { Variable($0, requiresGrad: true) }
    }
}
