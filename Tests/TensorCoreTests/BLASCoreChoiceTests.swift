import Testing
import TensorCore

@Suite("OpenBLAS kernel family when OpenBLAS falls back")
struct BLASCoreChoiceTests {
    let avx512 = Set(["sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl",
                      "avx512dq", "avx512cd"])

    @Test func fallbackOnAVX512AsksForSkylakeXOrCooperlake() {
        #expect(BLASCoreChoice.replacement(current: "Prescott", flags: avx512) == "SkylakeX")
        let bf16 = avx512.union(["avx512_bf16"])
        #expect(BLASCoreChoice.replacement(current: "Prescott", flags: bf16) == "Cooperlake")
        #expect(BLASCoreChoice.replacement(current: "prescott", flags: bf16) == "Cooperlake")
    }

    @Test func fallbackOnAVX2AsksForHaswell() {
        let avx2: Set = ["sse2", "avx", "avx2", "fma"]
        #expect(BLASCoreChoice.replacement(current: "Prescott", flags: avx2) == "Haswell")
        // AVX-512 foundation alone is not SkylakeX's set.
        let partial = avx2.union(["avx512f"])
        #expect(BLASCoreChoice.replacement(current: "Prescott", flags: partial) == "Haswell")
    }

    @Test func aKnownChoiceOrAnOldCPUIsKept() {
        #expect(BLASCoreChoice.replacement(current: "Zen", flags: avx512) == nil)
        #expect(BLASCoreChoice.replacement(current: "Haswell", flags: avx512) == nil)
        #expect(BLASCoreChoice.replacement(current: "Prescott", flags: ["sse2", "avx"]) == nil)
        #expect(BLASCoreChoice.replacement(current: "Prescott", flags: []) == nil)
    }
}
