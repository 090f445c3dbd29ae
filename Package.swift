// swift-tools-version:6.0
// The layers of the building, imports pointing down only:
// C shims → TensorCore → Autodiff → Layers (nn) → DDLModel → Training → Reproduction →
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
        // Tensor core: storage, shapes, BLAS-backed kernels. Knows nothing of gradients.
        .target(
            name: "TensorCore",
            dependencies: [
                "COpenBLAS",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // HDF5 files: named tensors, groups and attributes. Knows nothing of layers.
        .target(name: "HDF5Files", dependencies: ["CHDF5", "TensorCore"]),
        // Reverse-mode autodiff: the graph and one backward per op, written with core kernels.
        .target(name: "Autodiff", dependencies: ["TensorCore"]),
        // Layers (nn): convolution, batch norm, PReLU, linear, pools, dropout, Sequential;
        // parameter visiting under PyTorch state-dict names; state dicts in HDF5.
        .target(name: "Layers", dependencies: ["Autodiff", "TensorCore", "HDF5Files"]),
        // The DDL model: trunk, attention blocks, heads, DDM, DFEM, discriminator, losses,
        // variants and presets, checkpoints.
        .target(name: "DDLModel", dependencies: ["Layers", "Autodiff", "TensorCore", "HDF5Files"]),
        // Image decoding (libjpeg-turbo, libpng) with errors returned, never process exits.
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png")]
        ),
        // The real FER databases as distributed: layouts, alignment, folds, prepared caches.
        .target(name: "FaceDatasets", dependencies: ["CImageCodecs", "FaceData", "HDF5Files", "TensorCore"]),
        // Face data: the in-memory face set, the synthetic disturbed-faces generator.
        .target(name: "FaceData", dependencies: ["HDF5Files", "TensorCore"]),
        // Training: optimisers, schedules, batches and augmentation, the two stages, evaluation.
        .target(name: "Training", dependencies: ["DDLModel", "Layers", "FaceData", "HDF5Files", "Autodiff", "TensorCore"]),
        // The paper's tables: the Table 2 protocol over databases, stored results, summaries.
        .target(name: "Reproduction", dependencies: ["Training", "FaceDatasets", "FaceData", "DDLModel", "TensorCore"]),
        // Central-difference gradient checks and the catalogue of checked ops.
        .target(name: "GradCheck", dependencies: ["Autodiff", "TensorCore"]),
        // PyTorch fixtures: reading the schema of fixtures/README.md and checking components.
        .target(name: "FixtureCheck", dependencies: ["Training", "DDLModel", "Layers", "HDF5Files", "GradCheck", "Autodiff", "TensorCore"]),
        // Subcommands of the `ddl` tool, in a library so tests can run them.
        .target(
            name: "DDLCommands",
            dependencies: [
                "Reproduction", "FaceDatasets", "Training", "FaceData", "DDLModel", "Layers", "FixtureCheck", "HDF5Files", "GradCheck", "Autodiff", "TensorCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "ddl", dependencies: ["DDLCommands"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "TensorCore", "GradCheck"]),
        .testTarget(name: "HDF5FilesTests", dependencies: ["HDF5Files", "TensorCore"]),
        .testTarget(name: "GradCheckTests", dependencies: ["GradCheck", "Autodiff", "TensorCore"]),
        .testTarget(name: "FaceDatasetsTests", dependencies: ["FaceDatasets", "CImageCodecs", "FaceData", "HDF5Files", "TensorCore"]),
        .testTarget(name: "FaceDataTests", dependencies: ["FaceData", "HDF5Files", "TensorCore"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "FaceData", "DDLModel", "Layers", "HDF5Files", "Autodiff", "TensorCore"]),
        .testTarget(name: "DDLModelTests", dependencies: ["DDLModel", "Layers", "GradCheck", "HDF5Files", "Autodiff", "TensorCore"]),
        .testTarget(name: "FixtureCheckTests", dependencies: ["FixtureCheck", "Training", "DDLModel", "Layers", "HDF5Files", "Autodiff", "TensorCore"]),
        .testTarget(name: "ReproductionTests", dependencies: ["Reproduction", "FaceDatasets", "Training", "FaceData", "DDLModel"]),
        // Re-runs the commands the Notebooks-md walkthroughs mark as checked.
        .testTarget(name: "NotebookTests", dependencies: ["DDLCommands"]),
        .testTarget(name: "DDLCommandsTests", dependencies: ["DDLCommands"]),
    ],
    swiftLanguageModes: [.v6]
)
