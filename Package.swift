// swift-tools-version:6.0
// The layers of the building, imports pointing down only:
// C shims → TensorCore (reference kernels) → FastKernels (fast kernels, the choice) → Autodiff → Layers (nn) → DDLModel → Training → Reproduction →
// DDLCommands (CLI) → ddl. Beside that spine: HDF5Files (on CHDF5 and TensorCore; used from
// Layers up), GradCheck (on Autodiff), FaceData (on HDF5Files) and FaceDatasets (on FaceData
// and CImageCodecs; used by Reproduction), FixtureCheck (on Training and GradCheck; used by
// DDLCommands).
import Foundation
import PackageDescription

// The CPU the kernel targets (TensorCore, FastKernels) are compiled for. Swift compiles for the
// baseline of the architecture (SSE2 on x86-64) unless told otherwise, so the kernels' SIMD code
// and loops run at a quarter of AVX2's width. On an x86-64 Linux host with AVX2 and FMA they are
// compiled for `haswell` (x86-64-v3); DDL_TARGET_CPU names another LLVM CPU, or `generic` for
// the baseline (for a binary that must run on older CPUs, or when another package depends on
// this one: SwiftPM refuses unsafe flags in a versioned dependency). Results do not change:
// Swift contracts no multiply-add and reorders no floating-point sum, so the same operations run
// in wider registers (the README says how this was checked).
let kernelCPU: String? = {
    if let name = ProcessInfo.processInfo.environment["DDL_TARGET_CPU"] {
        return name.isEmpty || name == "generic" ? nil : name
    }
    #if os(Linux) && arch(x86_64)
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return nil }
    let flags = Set(line.split(separator: " ").map(String.init))
    // The same flags as CPUFeatures.avx2Kernels, which `ddl` checks at start.
    return ["avx2", "fma", "bmi2", "f16c", "movbe"].allSatisfy(flags.contains) ? "haswell" : nil
    #else
    return nil
    #endif
}()
let kernelSettings: [SwiftSetting] = kernelCPU.map { [.unsafeFlags(["-target-cpu", $0])] } ?? []
// The `ddl` executable, compiled for the baseline, checks at start that the CPU has what the
// kernels were compiled for, and stops with an error naming the missing flags and the way to
// rebuild (a binary copied to an older node would otherwise die of an illegal instruction).
let kernelCheck: [SwiftSetting] = {
    guard let cpu = kernelCPU?.lowercased() else { return [] }
    let avx512 = [
        "skylake-avx512", "skx", "cascadelake", "cooperlake", "cannonlake", "icelake-client",
        "icelake-server", "tigerlake", "rocketlake", "sapphirerapids", "emeraldrapids",
        "graniterapids", "znver4", "znver5",
    ]
    let avx2 = [
        "haswell", "core-avx2", "broadwell", "skylake", "alderlake", "raptorlake", "meteorlake",
        "arrowlake", "znver1", "znver2", "znver3",
    ]
    if avx512.contains(cpu) {
        return [.define("DDL_KERNELS_NEED_AVX512"), .define("DDL_KERNELS_NEED_AVX2")]
    }
    return avx2.contains(cpu) ? [.define("DDL_KERNELS_NEED_AVX2")] : []
}()

let package = Package(
    name: "ddl-swift",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ddl", targets: ["ddl"]),
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "FastKernels", targets: ["FastKernels"]),
        .library(name: "Autodiff", targets: ["Autodiff"]),
        .library(name: "GradCheck", targets: ["GradCheck"]),
        .library(name: "HDF5Files", targets: ["HDF5Files"]),
        .library(name: "Layers", targets: ["Layers"]),
        .library(name: "DDLModel", targets: ["DDLModel"]),
        .library(name: "FaceData", targets: ["FaceData"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "FaceDatasets", targets: ["FaceDatasets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // C shims: each wraps one system library; macros and globals become inline functions.
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CHDF5",
            pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]
        ),
        // Tensor core: storage, shapes, one broadcasting mechanism and the reference kernels,
        // plain loops (BLAS for the big products) that define the maths. Knows nothing of
        // gradients or threads.
        .target(
            name: "TensorCore",
            dependencies: [
                "COpenBLAS",
                .product(name: "RealModule", package: "swift-numerics"),
            ],
            swiftSettings: kernelSettings
        ),
        // Fast kernels: Winograd, SIMD pooling, two-thread work, BLAS thread policy, fused
        // kernels, the profiler, and the one place (KernelChoice) that picks them; the ops the
        // layers above call. Double runs the reference kernels unchanged.
        .target(name: "FastKernels", dependencies: ["TensorCore"], swiftSettings: kernelSettings),
        // HDF5 files: named tensors, groups and attributes. Knows nothing of layers.
        .target(name: "HDF5Files", dependencies: ["CHDF5", "FastKernels", "TensorCore"]),
        // Reverse-mode autodiff: the graph and one backward per op, written with core kernels.
        .target(name: "Autodiff", dependencies: ["FastKernels", "TensorCore"]),
        // Layers (nn): convolution, batch norm, PReLU, linear, pools, dropout, Sequential;
        // parameter visiting under PyTorch state-dict names; state dicts in HDF5.
        .target(name: "Layers", dependencies: ["Autodiff", "FastKernels", "TensorCore", "HDF5Files"]),
        // The DDL model: trunk, attention blocks, heads, DDM, DFEM, discriminator, losses,
        // variants and presets, checkpoints.
        .target(name: "DDLModel", dependencies: ["Layers", "Autodiff", "FastKernels", "TensorCore", "HDF5Files"]),
        // Image decoding (libjpeg-turbo, libpng) with errors returned, never process exits.
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png")]
        ),
        // The real FER databases as distributed: layouts, alignment, folds, prepared caches.
        .target(name: "FaceDatasets", dependencies: ["CImageCodecs", "FaceData", "HDF5Files", "FastKernels", "TensorCore"]),
        // Face data: the in-memory face set, the synthetic disturbed-faces generator.
        .target(name: "FaceData", dependencies: ["HDF5Files", "FastKernels", "TensorCore"]),
        // Training: optimisers, schedules, batches and augmentation, the two stages, evaluation.
        .target(name: "Training", dependencies: ["DDLModel", "Layers", "FaceData", "HDF5Files", "Autodiff", "FastKernels", "TensorCore"]),
        // The paper's tables: the Table 2 protocol over databases, stored results, summaries.
        .target(name: "Reproduction", dependencies: ["Training", "FaceDatasets", "FaceData", "DDLModel", "FastKernels", "TensorCore"]),
        // Central-difference gradient checks and the catalogue of checked ops.
        .target(name: "GradCheck", dependencies: ["Autodiff", "FastKernels", "TensorCore"]),
        // PyTorch fixtures: reading the schema of fixtures/README.md and checking components.
        .target(name: "FixtureCheck", dependencies: ["Training", "DDLModel", "Layers", "HDF5Files", "GradCheck", "Autodiff", "FastKernels", "TensorCore"]),
        // Subcommands of the `ddl` tool, in a library so tests can run them.
        .target(
            name: "DDLCommands",
            dependencies: [
                "Reproduction", "FaceDatasets", "Training", "FaceData", "DDLModel", "Layers", "FixtureCheck", "HDF5Files", "GradCheck", "Autodiff", "FastKernels", "TensorCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "ddl", dependencies: ["DDLCommands"], swiftSettings: kernelCheck),
        .testTarget(name: "TensorCoreTests", dependencies: ["FastKernels", "TensorCore"]),
        .testTarget(name: "FastKernelsTests", dependencies: ["FastKernels", "TensorCore"]),
        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "FastKernels", "TensorCore", "GradCheck"]),
        .testTarget(name: "HDF5FilesTests", dependencies: ["HDF5Files", "FastKernels", "TensorCore"]),
        .testTarget(name: "GradCheckTests", dependencies: ["GradCheck", "Autodiff", "FastKernels", "TensorCore"]),
        .testTarget(name: "FaceDatasetsTests", dependencies: ["FaceDatasets", "CImageCodecs", "FaceData", "HDF5Files", "FastKernels", "TensorCore"]),
        .testTarget(name: "FaceDataTests", dependencies: ["FaceData", "HDF5Files", "FastKernels", "TensorCore"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "FaceData", "DDLModel", "Layers", "HDF5Files", "Autodiff", "FastKernels", "TensorCore"]),
        .testTarget(name: "DDLModelTests", dependencies: ["DDLModel", "Layers", "GradCheck", "HDF5Files", "Autodiff", "FastKernels", "TensorCore"]),
        .testTarget(name: "FixtureCheckTests", dependencies: ["FixtureCheck", "Training", "DDLModel", "Layers", "HDF5Files", "Autodiff", "FastKernels", "TensorCore"]),
        .testTarget(name: "ReproductionTests", dependencies: ["Reproduction", "FaceDatasets", "Training", "FaceData", "DDLModel", "FastKernels", "TensorCore"]),
        // Re-runs the commands the Notebooks-md walkthroughs mark as checked.
        .testTarget(name: "NotebookTests", dependencies: ["DDLCommands"]),
        .testTarget(name: "DDLCommandsTests", dependencies: ["DDLCommands"]),
    ],
    swiftLanguageModes: [.v6]
)
