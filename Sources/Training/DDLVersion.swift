/// The version of this implementation, in run headers, result files and `ddl --version`.
public enum DDLVersion {
    /// The current version (semantic versioning; see CHANGELOG.md).
    public static let current = "0.9.0"
}
