import ArgumentParser

/// The file formats `ddl export` writes.
public enum ExportFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// safetensors: the format's header and raw little-endian tensors under state-dict names.
    case safetensors
}
