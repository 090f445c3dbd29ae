import ArgumentParser
import Training

/// The `ddl` command: Deep Disturbance-Disentangled Learning for facial expression recognition.
public struct DDL: ParsableCommand {
    /// The command's name, help text and subcommands for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "ddl",
        abstract: "Deep Disturbance-Disentangled Learning (Ruan et al., ACM MM 2020) in Swift.",
        version: "ddl-swift \(DDLVersion.current)",
        subcommands: [
            SynthCommand.self, PredictCommand.self, ExportCommand.self, PretrainTrunkCommand.self,
            PretrainDFEMCommand.self, StudyCommand.self, ReproduceCommand.self,
            VisualizeCommand.self, TrainCommand.self, DataCommand.self, EvaluateCommand.self,
            InspectCommand.self, CheckpointCommand.self, GradcheckCommand.self,
            FixturesCommand.self, BenchCommand.self, FuzzHDF5Command.self, HDF5PreflightCommand.self
        ]
    )

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}
}
