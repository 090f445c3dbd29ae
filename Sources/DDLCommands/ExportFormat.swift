import ArgumentParser

/// The file formats `ddl export` writes.
public enum ExportFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// safetensors: the format's header and raw little-endian tensors under state-dict names.
    case safetensors
    /// A `torch.save` state-dict file (`.pt`): torch's ZIP layout and pickle, which
    /// `torch.load(..., weights_only=True)` reads; no metadata (use safetensors for that).
    case pytorch
}
