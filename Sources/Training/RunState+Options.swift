import HDF5Files

extension RunState {
    /// The training options recorded in the checkpoint at `path` (`training@options`), or
    /// nil when it has none (a model written by `ddl checkpoint create` or PyTorch).
    /// - Throws: an unreadable file or options that do not parse, naming the file.
    public static func recordedOptions(inCheckpoint path: String) throws -> TrainingOptions? {
        let root = try HDF5File.open(path).root
        guard root.contains("training") else { return nil }
        return try read(from: root).options
    }
}
