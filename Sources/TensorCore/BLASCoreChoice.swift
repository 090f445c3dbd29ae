/// Which OpenBLAS kernel family to ask for when OpenBLAS does not recognise the CPU.
///
/// OpenBLAS picks its kernels from the CPU's family and model numbers. A CPU newer than the
/// OpenBLAS build (Debian 12 ships 0.3.21, which predates Emerald Rapids, for one) gets its
/// fallback, the SSE3 "Prescott" kernels, even when the CPU has AVX2 or AVX-512: products
/// then run two to three times slower. The CPU's feature flags say what it can run, so this
/// names the family to ask for instead, through `OPENBLAS_CORETYPE`, which OpenBLAS reads only
/// when the process starts (the `ddl` executable sets it and starts itself again).
///
/// Only the fallback is replaced: a family OpenBLAS chose for a CPU it knows is kept, and so is
/// any `OPENBLAS_CORETYPE` the user set.
public enum BLASCoreChoice {
    /// The core name OpenBLAS reports when it fell back for a CPU it does not know.
    public static let fallback = "Prescott"

    /// The family to ask for, or nil to keep OpenBLAS's choice.
    ///
    /// - Parameters:
    ///   - current: the family OpenBLAS chose (`BLASLibrary.core`).
    ///   - flags: the CPU's feature flags, as `/proc/cpuinfo` names them (read by the `ddl`
    ///     executable, which is compiled for the baseline CPU).
    public static func replacement(current: String, flags: Set<String>) -> String? {
        guard current.lowercased() == fallback.lowercased() else { return nil }
        let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
        if avx512.allSatisfy(flags.contains) {
            return flags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
        }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }
}
