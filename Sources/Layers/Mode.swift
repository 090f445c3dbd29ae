import Autodiff
import FastKernels
import TensorCore

/// How a forward pass runs: batch statistics or running statistics, dropout on or off,
/// and the seeded source of dropout masks. Train/eval is always passed, never global.
public struct Mode {
    /// Batch norm uses batch statistics and updates its running statistics.
    public var training: Bool
    /// Dropout draws masks (only meaningful in training).
    public var dropout: Bool
    /// Where dropout masks come from.
    public let random: RandomSource?

    /// A mode from its parts.
    public init(training: Bool, dropout: Bool, random: RandomSource?) {
        self.training = training
        self.dropout = dropout
        self.random = random
    }

    /// Training with dropout masks from `random`.
    public static func train(_ random: RandomSource) -> Mode {
        Mode(training: true, dropout: true, random: random)
    }
    /// Evaluation: running statistics, no dropout; deterministic.
    public static var eval: Mode { Mode(training: false, dropout: false, random: nil) }
}

/// A shared, seeded random generator for the forward passes of one run.
public final class RandomSource {
    /// The generator the masks are drawn from.
    public var generator: RandomGenerator
    /// A source seeded with `seed`.
    public init(seed: UInt64) { generator = RandomGenerator(seed: seed) }
}
