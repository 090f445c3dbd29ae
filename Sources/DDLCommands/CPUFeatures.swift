import Foundation

/// The CPU's feature flags as Linux lists them in `/proc/cpuinfo`. Read by the `ddl` executable
/// before any kernel runs: to choose OpenBLAS's kernels (`BLASCoreStartup`) and to check that
/// the CPU has what the kernel targets were compiled for (Package.swift's `DDL_TARGET_CPU`).
/// This file's target is compiled for the baseline CPU, so the check itself runs anywhere.
public enum CPUFeatures {
    /// What kernels compiled for `haswell` need (x86-64-v3). Package.swift compiles for
    /// `haswell` only on a host with these flags; the two lists must agree.
    public static let avx2Kernels = ["avx2", "fma", "bmi2", "f16c", "movbe"]
    /// What kernels compiled for an AVX-512 CPU (Skylake-SP or newer) need.
    public static let avx512Kernels = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"]

    /// The flags of the first processor listed in `cpuinfo` (its `flags` line, x86), or an
    /// empty set when there is none.
    public static func flags(cpuinfo: String) -> Set<String> {
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2,
                parts[0].trimmingCharacters(in: .whitespaces) == "flags"
            else { continue }
            return Set(parts[1].split(separator: " ").map(String.init))
        }
        return []
    }

    /// This machine's flags, or nil when `/proc/cpuinfo` cannot be read or lists none
    /// (not Linux, not x86): then nothing is checked or chosen. Read once per process.
    public static let current: Set<String>? = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        else { return nil }
        let found = flags(cpuinfo: text)
        return found.isEmpty ? nil : found
    }()

    /// The flags of `needed` that `flags` lacks, in `needed`'s order.
    public static func missing(_ needed: [String], from flags: Set<String>) -> [String] {
        needed.filter { !flags.contains($0) }
    }

    /// The error for a binary whose kernels need flags this CPU lacks, or nil when it has
    /// them all (or they cannot be read).
    public static func kernelError(needed: [String]) -> String? {
        guard !needed.isEmpty, let flags = current else { return nil }
        let lacking = missing(needed, from: flags)
        guard !lacking.isEmpty else { return nil }
        return "ddl: this build's kernels were compiled for a CPU with "
            + "\(needed.joined(separator: ", ")), and this CPU lacks "
            + "\(lacking.joined(separator: ", ")) (it would stop on an illegal instruction). "
            + "Build on this machine, or for any x86-64: "
            + "DDL_TARGET_CPU=generic swift build -c release --product ddl"
    }
}
