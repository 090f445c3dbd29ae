import ArgumentParser
import DDLModel
import FaceData
import FaceDatasets
import Foundation
import HDF5Files
import Reproduction
import Training

/// `ddl visualize`: Figure 5's attention pictures and training curves.
public struct VisualizeCommand: ParsableCommand {
    /// The command's name, help text and subcommands for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "visualize",
        abstract: "Pictures: attention maps over faces (Figure 5) and training curves.",
        subcommands: [Attention.self, CurvesCommand.self]
    )

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// `ddl visualize attention`.
    public struct Attention: ParsableCommand {
        /// The command's name and help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            commandName: "attention",
            abstract: "Figure 5: the Eq. 10 map summed over channels, upsampled and laid over the "
                + "faces (PNG).",
            discussion: "Uses the first image of each expression class of the test set (centre "
                + "crops, evaluation mode)."
        )
        /// `--checkpoint`: A DDM checkpoint.
        @Option(help: "A DDM checkpoint.") public var checkpoint: String
        /// The `DataArguments` option group.
        @OptionGroup public var data: DataArguments
        /// `--out`: The PNG to write.
        @Option(help: "The PNG to write.") public var out: String
        /// `--per-class`: Images per class.
        @Option(help: "Images per class.") public var perClass: Int = 1

        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}

        /// Runs `ddl visualize attention` with the parsed options.
        public func run() throws {
            let (ddm, meta) = try DDM<Float>.load(from: checkpoint)
            let test = try data.testSet()
            let augmentation = Augmentation.evaluation(of: meta)
            guard augmentation.fits(side: test.size) else {
                throw ValidationError("the test images (\(test.size)×\(test.size)) are smaller "
                    + "than the model's input \(meta.config.inputSize)")
            }
            var indices: [Int] = []
            for c in 0..<test.expressionClasses {
                indices += test.expressions.indices.filter { test.expressions[$0] == c }.prefix(
                    perClass)
            }
            guard !indices.isEmpty else {
                throw ValidationError("the test set has no labelled image")
            }
            let (crops, maps) = AttentionMaps.maps(
                ddm, test, indices: indices, augmentation: augmentation)
            let names = indices.map { test.expressionClassNames[test.expressions[$0]] }
            let predicted = predictExpressions(
                ddm, test.subset(indices), augmentation: augmentation
            )
            .map { test.expressionClassNames[$0] }
            let figure = AttentionFigure(
                faces: AttentionMaps.overlays(crops: crops, maps: maps), labels: names,
                predictions: predicted, mapSide: maps.shape[1])
            try ImageCodecs.write(figure.render(), to: out, as: .png)
            print("\(out): \(indices.count) faces (\(names.joined(separator: ", "))), maps "
                + "\(maps.shape[1])×\(maps.shape[2]) upsampled to "
                + "\(crops.shape[2])×\(crops.shape[2])")
        }
    }

    /// `ddl visualize curves`.
    public struct CurvesCommand: ParsableCommand {
        /// The command's name and help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            commandName: "curves",
            abstract: "Every loss term, the accuracies and the rate per epoch of a run's "
                + "log.jsonl, as PNG or SVG.",
            discussion: "One panel per loss term (each on its own scale), one of the train and "
                + "test accuracies, one of the learning rate; epochs from 1.")
        /// `--run`: A run folder (or its log.jsonl).
        @Option(name: .customLong("run"), help: "A run folder (or its log.jsonl).")
        public var runFolder: String
        /// `--out`: The picture to write: FILE.png or FILE.svg.
        @Option(help: "The picture to write: FILE.png or FILE.svg.") public var out: String

        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}

        /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
        public func validate() throws {
            guard ["png", "svg"].contains(URL(fileURLWithPath: out).pathExtension.lowercased())
            else {
                throw ValidationError("--out must end in .png or .svg, got '\(out)'")
            }
        }

        /// Runs `ddl visualize curves` with the parsed options.
        public func run() throws {
            let path = runFolder.hasSuffix(".jsonl") ? runFolder : runFolder + "/log.jsonl"
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("no log at \(path)")
            }
            let records = try EpochLog(path: path).records()
            guard !records.isEmpty else { throw ValidationError("\(path) has no epoch yet") }
            let curves = TrainingCurves(records, title: runFolder)
            switch URL(fileURLWithPath: out).pathExtension.lowercased() {
            case "png": try ImageCodecs.write(curves.render(), to: out, as: .png)
            case "svg":
                try FileSystemError.wrap("writing the curves", path: out) {
                    try curves.svg().write(toFile: out, atomically: true, encoding: .utf8)
                }
            default:
                // validate() refuses it first
                throw ValidationError("--out must end in .png or .svg, got '\(out)'")
            }
            print("\(out): \(records.count) epochs, "
                + "\(Set(records.flatMap { $0.losses.keys }).count) loss terms")
        }
    }
}
