import Foundation
import TensorCore

/// The `ddl` executable's start-up choice of OpenBLAS kernels (see `BLASCoreChoice`): when the
/// user set no `OPENBLAS_CORETYPE` and OpenBLAS fell back to its SSE3 kernels on a CPU with
/// AVX2 or AVX-512, the family to start again with. The note in `noteVariable` says so in
/// `ddl bench`'s report.
public enum BLASCoreStartup {
    /// The environment variable that carries the note across the restart.
    public static let noteVariable = "DDL_BLAS_CORE_NOTE"

    /// The family to set in `OPENBLAS_CORETYPE` before starting again, or nil to keep the
    /// current one.
    public static func replacement() -> String? {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
            let flags = CPUFeatures.current
        else { return nil }
        return BLASCoreChoice.replacement(current: BLASLibrary.core, flags: flags)
    }

    /// The note `ddl` passes to itself when it restarts with `replacement()`.
    public static let restartNote =
        "chosen by ddl, as OpenBLAS fell back to \(BLASCoreChoice.fallback) on this CPU"

    /// The note for reports: why the kernels are not OpenBLAS's own choice, or nil.
    public static var note: String? { ProcessInfo.processInfo.environment[noteVariable] }
}
