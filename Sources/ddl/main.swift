import DDLCommands
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// The kernel targets may be compiled for this machine's CPU (Package.swift, DDL_TARGET_CPU):
// a binary taken to a CPU without those instructions stops here with an error saying so,
// before any kernel runs, instead of on an illegal instruction later.
#if DDL_KERNELS_NEED_AVX512
let kernelFlags = CPUFeatures.avx512Kernels
#elseif DDL_KERNELS_NEED_AVX2
let kernelFlags = CPUFeatures.avx2Kernels
#else
let kernelFlags: [String] = []
#endif
if let error = CPUFeatures.kernelError(needed: kernelFlags) {
    FileHandle.standardError.write(Data((error + "\n").utf8))
    exit(70)
}

// Settings that the C libraries read only when the process starts, so `ddl` sets them
// and starts itself again, once; a value already in the environment is left as it is.
//
// OPENBLAS_THREAD_TIMEOUT=4: OpenBLAS keeps its idle threads spinning for about 2^28 cycles
// after each threaded product (its default), which on a two-core machine takes a core away
// from the tensor core's own two-thread kernels (Winograd workers, batch norm, activations)
// and so slows every training step. 2^4 cycles: idle threads sleep.
//
// GLIBC_TUNABLES (malloc): tensors of up to 32 MiB (a 16×64×90×90 activation is 31.6 MiB)
// come from the heap and are reused, and freed memory is kept up to 1 GiB, instead of every
// large tensor being mapped afresh and faulted in page by page on first touch (glibc's
// threshold starts at 128 KiB), a cost every training step would pay again.
//
// OPENBLAS_CORETYPE: see below.
#if canImport(Glibc)
var restart = false
if getenv("OPENBLAS_THREAD_TIMEOUT") == nil {
    restart = setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1) == 0 || restart
}
if getenv("GLIBC_TUNABLES") == nil {
    let tunables = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824"
    restart = setenv("GLIBC_TUNABLES", tunables, 1) == 0 || restart
}
// OPENBLAS_CORETYPE: OpenBLAS 0.3.21 does not know some newer CPUs and falls back to its SSE3
// kernels on them, two to three times slower than the AVX2 or AVX-512 kernels the CPU can run
// (`BLASCoreChoice`); ddl then asks for those. A value the user set is kept.
if let core = BLASCoreStartup.replacement() {
    setenv("OPENBLAS_CORETYPE", core, 1)
    setenv(BLASCoreStartup.noteVariable, BLASCoreStartup.restartNote, 1)
    restart = true
}
if restart {
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    // execv returns only when it failed; carry on with the defaults.
}
#endif

// HDF5 files are walked in a child process before libhdf5 reads them here, so that a file
// that crashes or hangs the library is an error naming it (`HDF5Preflight`).
HDF5PreflightCommand.enable()

// Closed or broken streams, raw file errors: see `DDL.runMain`.
DDL.runMain()
