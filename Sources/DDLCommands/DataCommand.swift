import ArgumentParser
import FaceData
import FaceDatasets
import Foundation

/// `ddl data`: the real FER databases as distributed — prepared caches, counts, folds.
public struct DataCommand: ParsableCommand {
    /// The command's name, help text and subcommands for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "data",
        abstract:
            "Read FER databases as distributed: prepare HDF5 caches, merge them into a "
                + "disturbance set, inspect counts, make and apply subject-independent folds.",
        discussion: "Layouts (folder trees in docs/DATASETS.md): "
            + FaceLayout.allCases.map(\.rawValue).joined(separator: ", ") + ".",
        subcommands: [Prepare.self, Merge.self, Inspect.self, Folds.self, Split.self]
    )

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// `ddl data prepare`: decode, align and resize once into a face-set cache.
    public struct Prepare: ParsableCommand {
        /// The command's help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            abstract: "Decode, align and resize a database copy once into an HDF5 face-set cache "
                + "that training reads.",
            discussion: """
                Faces are aligned by the eyes where the layout has landmarks (CK+ Landmarks, \
                AffectNet, RAF-DB with --rafdb-original), otherwise centre-cropped; then resized \
                to --size. The cache holds uint8 images, expression labels, subject ids and factor \
                labels (−1 where missing).
                """
        )
        /// The `LayoutArguments` option group.
        @OptionGroup public var source: LayoutArguments
        /// `--out`: The cache to write (HDF5).
        @Option(help: "The cache to write (HDF5).") public var out: String
        /// `--size`: Side of the prepared images (100 in the paper).
        @Option(help: "Side of the prepared images (100 in the paper).") public var size: Int = 100

        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}

        /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
        public func validate() throws {
            guard size >= 8 else { throw ValidationError("--size must be at least 8") }
        }

        /// Runs `ddl data prepare` with the parsed options.
        public func run() throws {
            let (layout, root, options) = try source.resolved()
            let result = try FacePreparation.prepareCache(
                layout: layout, root: root, options: options, side: size,
                skipBad: source.skipBad, output: out
            ) { done, all in
                if done % 1000 == 0 || done == all {
                    StandardStreams.error("decoded \(done) of \(all) faces\n")
                }
            }
            warn(result.skipped)
            print("\(out): \(result.set.count) faces, \(size)×\(size), "
                  + "\(result.set.expressionClasses) expression classes"
                  + (result.skipped.isEmpty ? "" : ", \(result.skipped.count) skipped"))
        }
    }

    /// `ddl data inspect`: counts per class, per subject and per factor.
    public struct Inspect: ParsableCommand {
        /// The command's help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            abstract: "Print counts per expression class, per subject and per factor class of a "
                + "cache or a database copy."
        )
        /// `<file>`: A prepared cache (face-set file); or give --layout and --root.
        @Argument(help: "A prepared cache (face-set file); or give --layout and --root.")
        public var file: String?
        /// The `LayoutArguments` option group.
        @OptionGroup public var source: LayoutArguments

        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}

        /// Runs `ddl data inspect` with the parsed options.
        public func run() throws {
            for line in try report() { print(line) }
        }

        /// The lines `run` prints.
        public func report() throws -> [String] {
            if let file {
                guard source.layout == nil else {
                    throw ValidationError("give a cache file or --layout with --root, not both")
                }
                return DatasetSummary(set: try FaceSet.load(from: file), title: file).lines
            }
            let (layout, root, options) = try source.resolved()
            let manifest = try layout.manifest(
                root: root, options: options, skipBad: source.skipBad)
            warn(manifest.skipped)
            return DatasetSummary(manifest: manifest).lines + manifest.notes.map { "note: \($0)" }
        }
    }

    /// `ddl data folds`: subject-independent k-fold lists of a cache.
    public struct Folds: ParsableCommand {
        /// The command's help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            abstract: "Write subject-independent k-fold lists of a cache (checked: no subject on "
                + "both sides of a fold).",
            discussion: "The same cache, --k and --seed give the same folds. `ddl data split` "
                + "applies a fold."
        )
        /// `--cache`: A prepared cache with subject ids.
        @Option(help: "A prepared cache with subject ids.") public var cache: String
        /// `--k`: Number of folds.
        @Option(help: "Number of folds.") public var k: Int = 10
        /// `--seed`: Seed of the subject shuffle.
        @Option(help: "Seed of the subject shuffle.") public var seed: UInt64 = 0
        /// `--out`: The fold file to write (JSON).
        @Option(help: "The fold file to write (JSON).") public var out: String

        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}

        /// Runs `ddl data folds` with the parsed options.
        public func run() throws {
            let set = try FaceSet.load(from: cache)
            let folds = try SubjectFolds.make(subjects: set.subjects, k: k, seed: seed, file: cache)
            try folds.check(subjects: set.subjects, file: out)
            try folds.write(to: out)
            print("\(out): \(k) subject-independent folds of \(set.count) faces, "
                + "\(Set(set.subjects).count) subjects")
            for (f, fold) in folds.folds.enumerated() {
                print("  fold \(f): \(fold.test.count) test faces, "
                    + "\(fold.testSubjects.count) subjects")
            }
        }
    }

    /// `ddl data split`: the training and test sets of one fold.
    public struct Split: ParsableCommand {
        /// The command's help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            abstract:
                "Write fold K of a cache as OUT/train.h5 and OUT/test.h5 (for "
                    + "`ddl train --data OUT`).",
            discussion:
                "Folds are numbered from 0. The fold file is checked against the cache first."
        )
        /// `--cache`: The prepared cache the folds were made from.
        @Option(help: "The prepared cache the folds were made from.") public var cache: String
        /// `--folds`: The fold file of `ddl data folds`.
        @Option(help: "The fold file of `ddl data folds`.") public var folds: String
        /// `--fold`: The fold, 0 … k−1.
        @Option(help: "The fold, 0 … k−1.") public var fold: Int
        /// `--out`: Folder for train.h5 and test.h5.
        @Option(help: "Folder for train.h5 and test.h5.") public var out: String

        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}

        /// Runs `ddl data split` with the parsed options.
        public func run() throws {
            let (train, test) = try SubjectFolds.writeSplit(
                cache: cache, folds: folds, fold: fold, to: out)
            print("\(out)/train.h5: \(train.count) faces; \(out)/test.h5: \(test.count) faces")
        }
    }
}

/// Which database copy to read and how, shared by `data prepare` and `data inspect`.
public struct LayoutArguments: ParsableArguments {
    /// The `--layout` option.
    @Option(help: "Layout: \(FaceLayout.allCases.map(\.rawValue).joined(separator: ", ")).")
    public var layout: String?
    /// `--root`: The database copy's root folder.
    @Option(help: "The database copy's root folder.") public var root: String?
    /// The `--split` option.
    @Option(
        help: "rafdb: train|test; sfew: train|val; affectnet: training|validation (default: all).")
    public var split: String?
    /// The `--list` option.
    @Option(
        help: "mmi, generic: a list file of 'path label subject' lines (paths relative to --root).")
    public var list: String?
    /// `--peak-frames`: CK+ peak frames / Oulu-CASIA last frames per sequence.
    @Option(help: "CK+ peak frames / Oulu-CASIA last frames per sequence.")
    public var peakFrames: Int = 3
    /// The `--rafdb-original` flag.
    @Flag(
        help: "rafdb: read Image/original and align by the annotated eyes instead of Image/aligned."
    )
    public var rafdbOriginal = false
    /// `--oulu-folder`: oulu-casia: the sub-tree read below --root.
    @Option(help: "oulu-casia: the sub-tree read below --root.")
    public var ouluFolder: String = "VL/Strong"
    /// The `--skip-bad` flag.
    @Flag(help: """
        Skip bad input (corrupt image, unknown label, missing file, empty folder) with a warning \
        instead of stopping.
        """)
    public var skipBad = false

    /// Empty options, for ArgumentParser to fill in from the command line.
    public init() {}

    /// The layout, root and options given.
    public func resolved() throws -> (FaceLayout, String, LayoutOptions) {
        guard let name = layout, let root else {
            throw ValidationError("give --layout NAME and --root DIR")
        }
        guard let layout = FaceLayout(name: name) else {
            throw ValidationError("unknown layout '\(name)': use one of "
                + "\(FaceLayout.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var options = LayoutOptions()
        options.split = split
        options.list = list
        options.peakFrames = peakFrames
        options.rafdbOriginal = rafdbOriginal
        options.ouluFolder = ouluFolder
        return (layout, root, options)
    }
}

/// Prints each skipped problem to standard error.
private func warn(_ skipped: [DatasetError]) {
    for problem in skipped { StandardStreams.error("warning: skipped: \(problem)\n") }
    if !skipped.isEmpty {
        StandardStreams.error("warning: \(skipped.count) bad inputs skipped (--skip-bad)\n")
    }
}
