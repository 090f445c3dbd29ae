import ArgumentParser
import Foundation
import HDF5Files

/// `ddl hdf5-preflight FILE` (hidden): the child of `HDF5Preflight`. Walks the whole file as
/// the readers would; exits 0, or 1 with the HDF5 error when the file cannot be opened. A
/// crash or a hang of libhdf5 ends only this process, which the parent reports.
public struct HDF5PreflightCommand: ParsableCommand {
    /// The command's name and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "hdf5-preflight",
        abstract: "Read every group, dataset and attribute of an HDF5 file (the child-process "
            + "check before ddl reads it).",
        shouldDisplay: false
    )
    /// `<file>`: The HDF5 file.
    @Argument(help: "The HDF5 file.") public var file: String

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// Walks `file` (`HDF5Preflight.walk`); throws when it cannot be opened.
    public func run() throws {
        try HDF5Preflight.walk(file)
    }

    /// Turns the preflight on for this process (the `ddl` executable, at startup): each HDF5
    /// file read is first walked by `EXECUTABLE hdf5-preflight FILE`. `DDL_HDF5_PREFLIGHT=0`
    /// leaves it off.
    public static func enable() {
        if ProcessInfo.processInfo.environment["DDL_HDF5_PREFLIGHT"] == "0" { return }
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments.first.map { URL(fileURLWithPath: $0).path }
        guard let executable else { return }
        HDF5Preflight.command = [executable, configuration.commandName ?? "hdf5-preflight"]
    }
}
