import ArgumentParser
import DDLModel
import FaceData
import FaceDatasets
import Reproduction
import Foundation
import Training

/// `ddl pretrain-dfem`: stage 1, a DFEM per factor group of the variant.
public struct PretrainDFEMCommand: ParsableCommand {
    /// The command's name and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "pretrain-dfem",
        abstract: "Stage 1: train the DFEM(s) of a variant on disturbance-labelled faces (Eq. 1).",
        discussion: """
            Trains one DFEM with every factor of the variant (paper preset) or one per source \
            database (official preset), each in RUN/dfem-<k>/ (checkpoint.h5, log.jsonl). Missing \
            labels (−1) are left out of their head's loss. Without data options the synthetic \
            disturbed faces are used.
            """
    )
    /// The `ModelOptions` option group.
    @OptionGroup public var model: ModelOptions
    /// The `TrainingArguments` option group.
    @OptionGroup public var training: TrainingArguments
    /// The `DataArguments` option group.
    @OptionGroup public var data: DataArguments
    /// The `PreprocessingArguments` option group.
    @OptionGroup(title: "Preprocessing (before the crop; rotation and jitter in training only)")
    public var preprocessing: PreprocessingArguments
    /// The `--trunk` option.
    @Option(help: """
        A checkpoint whose trunk (trunk.* entries, e.g. from `ddl pretrain-trunk`) starts the \
        DFEM's trunk.
        """)
    public var trunk: String?
    /// The `--hold-out` option.
    @Option(help: """
        Fraction of the subjects (and, for identity, of the other subjects' faces) held out to \
        score each factor after every epoch; 0 trains on everything.
        """)
    public var holdOut: Double = 0.125

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
    public func validate() throws {
        guard holdOut >= 0, holdOut < 1 else {
            throw ValidationError("--hold-out must be in [0, 1), got \(holdOut)")
        }
    }

    /// Runs `ddl pretrain-dfem` with the parsed options.
    public func run() throws {
        let all = try data.disturbanceSet()
        let (set, heldOut) =
            holdOut > 0
            ? DFEMHeldOut.split(all, fraction: holdOut, seed: training.seed) : (all, nil)
        if let heldOut {
            StandardStreams.error(
                "held out \(heldOut.count) of \(all.count) faces to score the factors\n")
        }
        var config = model.config()
        guard config.variant.usesDisturbanceBranch else {
            throw ValidationError(
                "\(config.variant.rawValue) has no disturbance branch, so no DFEM to train")
        }
        config.factors = try factors(of: config.variant, in: set)
        var options = training.options(imageSize: set.size)
        options.preprocessing = preprocessing.preprocessing(imageSize: set.size)
        let source = data.source(of: data.disturbance, "disturbance.h5")
        options.crop = try training.cropSide(imageSize: set.size, input: model.input,
                                             what: "the disturbance-labelled images (\(source))")
        config.inputSize = options.crop
        let progress = ProgressPrinter()
        for (k, group) in config.dfemFactorGroups.enumerated() {
            var c = config
            c.factors = group
            let directory = training.run + "/dfem-\(k)"
            let heads = group.map { "\($0.name) \($0.classes)" }.joined(separator: ", ")
            StandardStreams.error("DFEM \(k): \(heads) on \(set.count) faces → \(directory)\n")
            let run = try DFEMTraining(
                config: c, options: options, set: set, directory: directory,
                resume: training.resume,
                existingRun: training.existingRun, trunk: trunk, heldOut: heldOut)
            try run.run(report: progress.callAsFunction)
            if let heldOut {
                let results = DFEMHeldOut.evaluate(
                    run.dfem, on: heldOut, crop: options.crop,
                    preprocessing: options.preprocessing ?? .plain)
                for line in DFEMHeldOut.describe(results) { print("held-out \(line)") }
            }
            print(run.checkpointPath)
        }
    }
}

/// `ddl train`: stage 2, the DDM of a variant with its frozen DFEMs and D.
public struct TrainCommand: ParsableCommand {
    /// The command's name and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Stage 2: train the DDM of a Table 1 variant (D step on L_AD, then DDM step on "
            + "Eq. 11 per batch).",
        discussion: """
            Writes RUN/checkpoint.h5 after every epoch (atomically) and RUN/log.jsonl (every loss \
            term and accuracy per epoch); --resume continues from the checkpoint and gives the \
            same weights as an uninterrupted run. ddl variants need the DFEM checkpoint(s) of `ddl \
            pretrain-dfem` (--dfem, once per DFEM); baselines need none.
            """
    )
    /// The `ModelOptions` option group.
    @OptionGroup public var model: ModelOptions
    /// The `TrainingArguments` option group.
    @OptionGroup public var training: TrainingArguments
    /// The `DataArguments` option group.
    @OptionGroup public var data: DataArguments
    /// The `PreprocessingArguments` option group.
    @OptionGroup(title: "Preprocessing (before the crop; rotation and jitter in training only)")
    public var preprocessing: PreprocessingArguments
    /// `--dfem`: A DFEM checkpoint (repeat for the official preset's two DFEMs).
    @Option(help: "A DFEM checkpoint (repeat for the official preset's two DFEMs).")
    public var dfem: [String] = []
    /// The `LossWeightArguments` option group.
    @OptionGroup public var weights: LossWeightArguments
    /// The `--trunk` option.
    @Option(
        help:
            "A checkpoint whose trunk (trunk.* entries, e.g. from `ddl pretrain-trunk`) starts S_g."
    )
    public var trunk: String?

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Runs `ddl train` with the parsed options.
    public func run() throws {
        let (train, test) = try data.expressionSets()
        var config = model.config()
        config.lambda1 = weights.lambdaAdv
        config.lambda2 = weights.lambdaAt
        var options = training.options(imageSize: train.size)
        options.preprocessing = preprocessing.preprocessing(imageSize: train.size)
        options.crop = try training.cropSide(
            imageSize: train.size, input: model.input,
            what: "the training images (\(data.source(of: data.train, "train.h5")))")
        if let p = options.preprocessing { StandardStreams.error("preprocessing: \(p)\n") }
        if let test, options.preprocessing?.resize == nil, test.size < options.crop {
            throw ValidationError("the model input \(options.crop)×\(options.crop) is larger than "
                + "the test images (\(data.source(of: data.test, "test.h5"))), "
                + "\(test.size)×\(test.size)")
        }
        config.inputSize = options.crop
        config.classes = model.classesWereSet ? config.classes : train.expressionClasses
        if config.variant.usesDisturbanceBranch {
            guard !dfem.isEmpty else {
                throw ValidationError("\(config.variant.rawValue) needs --dfem CHECKPOINT (from "
                    + "`ddl pretrain-dfem`) for each of its "
                    + "\(config.dfemFactorGroups.count) DFEM(s)")
            }
            // The DFEMs' own factor classes (from their checkpoints) define the configuration's.
            var loaded: [Factor] = []
            for path in dfem { loaded += try Checkpoint.metadata(of: path).config.factors }
            let byName = Dictionary(loaded.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            config.factors = try config.variant.factors.map { f in
                guard let found = byName[f.name] else {
                    throw ValidationError("no --dfem checkpoint has a \(f.name) head")
                }
                return found
            }
        }
        var dfemScalars = 0.0
        for path in dfem {
            let c = try Checkpoint.metadata(of: path).config
            dfemScalars += ModelSize.dfemScalars(
                width: c.width, factors: c.factors, finalPReLU: c.finalPReLU)
        }
        try TrainingMemory.check(config, batchSize: options.batchSize, dfemScalars: dfemScalars)
        let run = try DDMTraining(
            config: config, options: options, train: train, test: test, dfemPaths: dfem,
            directory: training.run, resume: training.resume, existingRun: training.existingRun,
            trunk: trunk)
        StandardStreams.error(
            "\(config.variant.rawValue) (\(config.preset.rawValue)), width \(config.width), "
                + "\(train.count) training faces, \(test?.count ?? 0) test faces → "
                + "\(training.run)\n"
        )
        try run.run(report: ProgressPrinter().callAsFunction)
        let records = try EpochLog(path: run.logPath).records()
        if let last = records.last?.testAccuracy {
            print("test accuracy (last epoch): \(format(last * 100, 2))%")
        }
        if let best = run.state.bestAccuracy, let epoch = run.state.bestEpoch {
            print(
                "test accuracy (best epoch \(epoch), test-set selection): \(format(best * 100, 2))%"
            )
        }
    }
}

/// The weights of the joint loss (Eq. 11), for ablations.
public struct LossWeightArguments: ParsableArguments {
    /// `--lambda-adv`: λ1, the weight of the adversarial loss L_adv in Eq. 11 (the paper: 1.0).
    @Option(help: "λ1, the weight of the adversarial loss L_adv in Eq. 11 (the paper: 1.0).")
    public var lambdaAdv: Double = 1.0
    /// The `--lambda-at` option.
    @Option(help: "λ2, the weight of the attention-transfer loss L_AT in Eq. 11 (the paper: 0.05).")
    public var lambdaAt: Double = 0.05

    /// Empty options, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
    public func validate() throws {
        guard lambdaAdv.isFinite, lambdaAdv >= 0, lambdaAt.isFinite, lambdaAt >= 0 else {
            throw ValidationError("--lambda-adv and --lambda-at must be finite and ≥ 0, got "
                + "\(lambdaAdv) and \(lambdaAt)")
        }
    }
}

/// `ddl pretrain-trunk`: S_g trained for expressions on a large set, to start later stages.
public struct PretrainTrunkCommand: ParsableCommand {
    /// The command's name and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "pretrain-trunk",
        abstract:
            "Pre-train the trunk S_g on a large expression-labelled set (the paper: AffectNet).",
        discussion: """
            Trains the plain baseline (trunk, average pooling, expression head) on --train (e.g. a \
            prepared AffectNet cache) or, by default, on a large synthetic set of its own \
            identities drawn independently of the expressions, and writes RUN/checkpoint.h5. Its \
            trunk.* entries start `pretrain-dfem`, `train` and `reproduce` through --trunk; the \
            checkpoint must have the same width.
            """
    )
    /// The `ModelOptions` option group.
    @OptionGroup public var model: ModelOptions
    /// The `TrainingArguments` option group.
    @OptionGroup public var training: TrainingArguments
    /// The `DataArguments` option group.
    @OptionGroup public var data: DataArguments

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Runs `ddl pretrain-trunk` with the parsed options.
    public func run() throws {
        let (train, test) = try data.expressionSets()
        var config = model.config()
        config.variant = .baseline
        var options = training.options(imageSize: train.size)
        options.crop = try training.cropSide(
            imageSize: train.size, input: model.input,
            what: "the training images (\(data.source(of: data.train, "train.h5")))")
        config.inputSize = options.crop
        config.classes = model.classesWereSet ? config.classes : train.expressionClasses
        let run = try DDMTraining(
            config: config, options: options, train: train, test: test, dfemPaths: [],
            directory: training.run, resume: training.resume, existingRun: training.existingRun)
        StandardStreams.error(
            "trunk: width \(config.width), \(train.count) training faces → \(training.run)\n")
        try run.run(report: ProgressPrinter().callAsFunction)
        if let last = try EpochLog(path: run.logPath).records().last?.testAccuracy {
            print("test accuracy of the pre-training model (last epoch): \(format(last * 100, 2))%")
        }
        print(run.checkpointPath)
    }
}

/// `ddl evaluate`: accuracy, per-class accuracy and confusion matrix of a DDM checkpoint.
public struct EvaluateCommand: ParsableCommand {
    /// The command's name and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a DDM checkpoint on a test set: accuracy, per-class accuracy, "
            + "confusion matrix.",
        discussion: "With the run's log.jsonl beside the checkpoint, also prints the last-epoch "
            + "and best-epoch (test-set selection) accuracies."
    )
    /// `--checkpoint`: A DDM checkpoint (a run's checkpoint.h5).
    @Option(help: "A DDM checkpoint (a run's checkpoint.h5).") public var checkpoint: String
    /// The `DataArguments` option group.
    @OptionGroup public var data: DataArguments
    /// The `--json` flag.
    @Flag(help: """
        Print JSON (snake_case keys): accuracy, mean class accuracy, per-class results and the \
        confusion matrix by class name, checkpoint epoch, data digest.
        """)
    public var json = false
    /// `--confusion`: Also draw the confusion matrix as a PNG.
    @Option(name: .customLong("confusion"), help: "Also draw the confusion matrix as a PNG.")
    public var confusionPicture: String?

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Runs `ddl evaluate` with the parsed options.
    public func run() throws {
        let (model, meta) = try DDM<Float>.load(from: checkpoint)
        let test = try data.testSet()
        let source = data.source(of: data.test, "test.h5")
        guard test.expressionClasses == meta.config.classes else {
            throw ValidationError("\(checkpoint) has \(meta.config.classes) expression classes, "
                + "the test set (\(source)) \(test.expressionClasses)")
        }
        let side = meta.config.inputSize
        let augmentation = Augmentation.evaluation(of: meta)
        guard augmentation.fits(side: test.size) else {
            throw ValidationError("\(checkpoint) takes \(side)×\(side) inputs, larger than the "
                + "test images (\(source)), \(test.size)×\(test.size)")
        }
        guard test.expressions.contains(where: { $0 >= 0 }) else {
            throw ValidationError("the test set (\(source)) has no labelled face "
                + "(\(test.count) faces\(test.count > 0 ? ", every expression −1" : "")): no "
                + "accuracy to report")
        }
        let report = evaluate(model, on: test, augmentation: augmentation)
        let logPath = URL(fileURLWithPath: checkpoint).deletingLastPathComponent()
            .appendingPathComponent("log.jsonl").path
        let records = try? EpochLog(path: logPath).records()
        let summary = EvaluationSummary(
            report: report, classNames: test.expressionClassNames, checkpoint: checkpoint,
            checkpointEpoch: meta.epoch,
            variant: meta.config.variant.rawValue, preset: meta.config.preset.rawValue,
            testSource: source,
            dataDigest: ContentDigest.of(test), log: records)
        if let confusionPicture {
            try ImageCodecs.write(
                ConfusionChart(summary: summary).render(), to: confusionPicture, as: .png)
        }
        if json {
            print(summary.json)
            return
        }
        print("\(checkpoint): \(meta.config.variant.rawValue) (\(meta.config.preset.rawValue)), "
            + "epoch \(meta.epoch), \(report.total) test faces")
        print("accuracy \(format(summary.accuracy * 100, 2))%, mean class accuracy "
            + "\(format(summary.meanClassAccuracy * 100, 2))%")
        for c in summary.perClass {
            print("  \(c.name): "
                + "\(c.accuracy.map { format($0 * 100, 1) + "% of \(c.count)" } ?? "no sample")")
        }
        print("confusion (rows true, columns predicted):")
        for row in report.confusion { print("  " + row.map { String($0) }.joined(separator: "\t")) }
        if let log = summary.log {
            print("log: last epoch \(log.lastEpoch) \(format(log.lastAccuracy * 100, 2))%, best "
                + "epoch \(log.bestEpoch) \(format(log.bestAccuracy * 100, 2))% (test-set "
                + "selection)")
        }
        if let confusionPicture { print("\(confusionPicture): confusion matrix") }
    }
}
