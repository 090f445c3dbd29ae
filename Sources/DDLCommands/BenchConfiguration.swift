import ArgumentParser

/// The configurations of the training-step benchmark (`StepBenchmark.configurations`).
public enum BenchConfiguration: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Width 64, 90×90 inputs, batch 16.
    case paper
    /// Width 8, 36×36 inputs, batch 16.
    case quick
}
