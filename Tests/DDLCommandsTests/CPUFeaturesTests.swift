import Testing
import DDLCommands

@Suite("CPU flags: reading /proc/cpuinfo and checking the kernels' instructions")
struct CPUFeaturesTests {
    @Test func flagsAreReadFromTheFirstProcessor() {
        let text = """
            processor\t: 0
            model name\t: Some CPU
            flags\t\t: fpu sse2 avx2 fma
            bugs\t\t: none

            processor\t: 1
            flags\t\t: fpu
            """
        #expect(CPUFeatures.flags(cpuinfo: text) == ["fpu", "sse2", "avx2", "fma"])
        #expect(CPUFeatures.flags(cpuinfo: "processor : 0\n") == [])
    }

    @Test func missingFlagsAreListedInOrder() {
        let needed = ["avx2", "fma", "avx512f", "avx512bw"]
        #expect(CPUFeatures.missing(needed, from: ["sse2", "fma"]) == ["avx2", "avx512f", "avx512bw"])
        #expect(CPUFeatures.missing(needed, from: Set(needed + ["sse2"])).isEmpty)
    }

    @Test func aMissingFlagIsAnErrorWithTheRebuildCommand() throws {
        // Nothing needed: nothing to report, on any machine. A flag no CPU has is reported,
        // with the way to rebuild, wherever the flags can be read.
        #expect(CPUFeatures.kernelError(needed: []) == nil)
        guard CPUFeatures.current != nil else { return }
        let error = try #require(CPUFeatures.kernelError(needed: ["sse2", "no_such_flag"]))
        #expect(error.contains("lacks no_such_flag"))
        #expect(error.contains("DDL_TARGET_CPU=generic"))
        #expect(!error.contains("lacks sse2"))
    }
}
