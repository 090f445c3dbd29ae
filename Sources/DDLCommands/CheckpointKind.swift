import ArgumentParser

/// The models `ddl checkpoint create` writes.
public enum CheckpointKind: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// A DDM (`ddm`) or a DFEM (`dfem`) checkpoint.
    case ddm, dfem
}
