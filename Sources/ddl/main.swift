import DDLCommands
#if canImport(Glibc)
import Glibc
#endif

// OpenBLAS keeps its idle threads spinning for about 2^28 cycles after each threaded product
// (its default thread timeout), which on a two-core machine takes a core away from the
// tensor core's own two-thread kernels (Winograd workers, batch norm, activations): the
// paper-configuration training step runs about 15% slower. OpenBLAS reads the timeout only
// when it loads, so `ddl` sets it (2^4 cycles: idle threads sleep at once) and starts itself
// again, once; a value already in the environment is left as it is.
#if os(Linux)
if getenv("OPENBLAS_THREAD_TIMEOUT") == nil, setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1) == 0 {
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    // execv returns only when it failed; carry on with the default timeout.
}
#endif

DDL.main()
