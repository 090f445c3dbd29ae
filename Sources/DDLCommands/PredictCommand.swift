import ArgumentParser
import FaceDatasets
import HDF5Files
import Foundation

/// `ddl predict`: a trained DDM's class probabilities for image files.
public struct PredictCommand: ParsableCommand {
    /// The command's name and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run a trained DDM on JPEG/PNG faces: every class probability and the top class "
            + "per image.",
        discussion: """
            Each image is aligned as `ddl data prepare` aligns faces (by the eye centres of \
            --landmarks when it has a row for the image, else the largest centred square), \
            resized to the training faces' side, centre-cropped to the network input and scaled \
            as in training (x·2/255 − 1); the checkpoint records all of this. Folders are searched \
            for .jpg, .jpeg and .png files. Writes CSV (path, one column per class, top_class), \
            or JSON with --json, to --out or standard output.
            """
    )
    /// `--checkpoint`: A DDM checkpoint (a run's checkpoint.h5 or best.h5).
    @Option(help: "A DDM checkpoint (a run's checkpoint.h5 or best.h5).")
    public var checkpoint: String
    /// `<images>`: Image files or folders of images.
    @Argument(help: "Image files or folders of images.") public var images: [String]
    /// `--out`: The file to write (default: standard output).
    @Option(help: "The file to write (default: standard output).") public var out: String?
    /// `--json`: Write JSON instead of CSV.
    @Flag(help: "Write JSON instead of CSV.") public var json = false
    /// The `--landmarks` option.
    @Option(help: "A CSV of eye centres: path,left_x,left_y,right_x,right_y (pixels of the image).")
    public var landmarks: String?
    /// `--batch-size`: Images per forward pass.
    @Option(help: "Images per forward pass.") public var batchSize: Int = 32

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
    public func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image or folder") }
        guard (1...4096).contains(batchSize) else {
            throw ValidationError("--batch-size must be in 1…4096, got \(batchSize)")
        }
    }

    /// Runs `ddl predict` with the parsed options.
    public func run() throws {
        let predictor = try Predictor(checkpoint: checkpoint)
        if let note = predictor.assumption { StandardStreams.error("note: \(note)\n") }
        let paths = try ImageInputs.files(images)
        let marks = try landmarks.map { try EyeLandmarks(file: $0) }
        let live = isatty(STDERR_FILENO) != 0
        let faces = try predictor.faces(paths, landmarks: marks)
        let probabilities = predictor.probabilities(faces, batchSize: batchSize) { done, all in
            if live { StandardStreams.error("\rpredict \(done)/\(all) images") }
        }
        if live { StandardStreams.error("\r\u{1B}[K") }
        let report = PredictionReport(
            checkpoint: checkpoint, predictor: predictor, paths: paths, probabilities: probabilities
        )
        let text = json ? report.json : report.csv
        if let out {
            try FileSystemError.wrap("writing the predictions", path: out) {
                try text.write(toFile: out, atomically: true, encoding: .utf8)
            }
            StandardStreams.error(
                "\(out): \(paths.count) images, "
                    + "\(predictor.preprocessing.classNames.count) classes\n"
            )
        } else {
            StandardStreams.output(text)
        }
    }
}
