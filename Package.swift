// swift-tools-version:6.0
// The layers of the building, imports pointing down only:
// C shims → TensorCore (reference kernels) → FastKernels (fast kernels, the choice) → Autodiff → Layers (nn) → DDLModel → Training → Reproduction →
// DDLCommands (CLI) → ddl. Beside that spine: HDF5Files (on CHDF5 and TensorCore; used from
// Layers up), GradCheck (on Autodiff), FaceData (on HDF5Files) and FaceDatasets (on FaceData
// and CImageCodecs; used by Reproduction), FixtureCheck (on Training and GradCheck; used by
// DDLCommands).
import PackageDescription

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
            ]
        ),
        // Fast kernels: Winograd, SIMD pooling, two-thread work, BLAS thread policy, fused
        // kernels, the profiler, and the one place (KernelChoice) that picks them; the ops the
        // layers above call. Double runs the reference kernels unchanged.
        .target(name: "FastKernels", dependencies: ["TensorCore"]),
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
        .executableTarget(name: "ddl", dependencies: ["DDLCommands"]),
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
