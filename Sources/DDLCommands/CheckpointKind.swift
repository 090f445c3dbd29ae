import ArgumentParser

/// The models `ddl checkpoint create` writes.
public enum CheckpointKind: String, ExpressibleByArgument, CaseIterable, Sendable {
    case ddm, dfem
}
