import ArgumentParser
import DDLModel
import FaceData
import FixtureCheck
import Foundation
import HDF5Files
import FastKernels
import TensorCore

/// Seeded damage to real HDF5 files (truncations and byte flips) fed to every HDF5 reader:
/// checkpoints (`Checkpoint.metadata`, `DDM.load`, `DFEM.load`), face-set caches
/// (`FaceSet.load`) and fixtures (`Fixture`, `FixtureVerifier`). A reader may refuse a case
/// with an error or accept it; it must never crash, which would end the process.
public enum HDF5Fuzz {
    /// Which reader a file goes to.
    public enum Reader: String, Sendable { case checkpoint, faceSet = "face-set", fixture }

    /// The outcome counts of a fuzz pass.
    public struct Summary: Sendable, CustomStringConvertible {
        /// Damaged copies tried.
        public var cases = 0
        /// Cases a reader refused with an error.
        public var refused = 0
        /// Of the refused cases, those the `HDF5Preflight` child refused (libhdf5 crashed or
        /// hung in it); the others were refused by the readers themselves.
        public var preflightRefused = 0
        /// Cases that were read (damage in data bytes, or a truncation past the end of use).
        public var accepted = 0
        /// The counts as one line of the fuzz report.
        public var description: String {
            "\(cases) cases: \(refused) refused with an error (\(preflightRefused) of them by the "
                + "preflight: libhdf5 crashed or hung in its child), \(accepted) read, no crash"
        }
    }

    /// One damaged copy of `bytes`: a truncation, one to eight byte flips (half of them in
    /// the first 4 KiB, where HDF5's superblock and object headers are), or both.
    public static func damage(_ bytes: [UInt8], _ g: inout RandomGenerator) -> [UInt8] {
        var out = bytes
        let kind = g.next() % 3
        if kind != 1, out.count > 1 {
            out.removeLast(Int(g.next() % UInt64(out.count - 1)) + 1)
        }
        if kind != 0, !out.isEmpty {
            for _ in 0..<(1 + Int(g.next() % 8)) {
                let span = g.next() & 1 == 0 ? min(out.count, 4096) : out.count
                let i = Int(g.next() % UInt64(span))
                out[i] ^= UInt8(truncatingIfNeeded: 1 + g.next() % 255)
            }
        }
        return out
    }

    /// Reads `path` with `reader`; returns whether it was accepted (errors are refusals).
    static func read(_ path: String, with reader: Reader) -> Bool {
        do {
            switch reader {
            case .checkpoint:
                let meta = try Checkpoint.metadata(of: path)
                switch meta.model {
                case .ddm: _ = try DDM<Float>.load(from: path)
                case .dfem: _ = try DFEM<Float>.load(from: path)
                case .discriminator: break
                }
            case .faceSet:
                _ = try FaceSet.load(from: path)
            case .fixture:
                _ = try FixtureVerifier().verify(path: path)
            }
            return true
        } catch {
            return false
        }
    }

    /// Runs `count` damaged cases, round-robin over `files`, seeded by `seed`; each case is
    /// written to `scratch` and read. `progress` hears the case number before each case, so
    /// that a crash can be traced to its case.
    public static func run(
        files: [(path: String, reader: Reader)], count: Int, seed: UInt64, scratch: String,
        first: Int = 0,
        progress: (Int, String) -> Void = { _, _ in }
    ) throws -> Summary {
        let originals = try files.map { try FileSystemErrorReading.bytes(of: $0.path) }
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let target = scratch + "/case.h5"
        var g = RandomGenerator(seed: seed)
        var summary = Summary()
        for k in 0..<count {
            let index = k % files.count
            let damaged = damage(originals[index], &g)
            guard k >= first else { continue }
            try Data(damaged).write(to: URL(fileURLWithPath: target))
            progress(k, files[index].path)
            // The same path, rewritten faster than time stamps may change.
            HDF5Preflight.clearCache()
            let before = HDF5Preflight.refusals
            if read(target, with: files[index].reader) {
                summary.accepted += 1
            } else {
                summary.refused += 1
            }
            if HDF5Preflight.refusals > before { summary.preflightRefused += 1 }
            summary.cases += 1
        }
        try? FileManager.default.removeItem(atPath: target)
        return summary
    }
}

/// Reading a whole file, with a one-line error.
enum FileSystemErrorReading {
    static func bytes(of path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        return [UInt8](data)
    }
}

/// `ddl fuzz-hdf5` (hidden): the seeded fuzz pass over the HDF5 readers (`scripts/fuzz-hdf5`).
public struct FuzzHDF5Command: ParsableCommand {
    /// The command's name and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "fuzz-hdf5",
        abstract: "Feed seeded truncations and byte flips of real HDF5 files to every HDF5 "
            + "reader; any crash is a bug.",
        shouldDisplay: false
    )
    /// `--count`: Cases.
    @Option(help: "Cases.") public var count: Int = 3000
    /// `--seed`: Seed of the damage.
    @Option(help: "Seed of the damage.") public var seed: UInt64 = 14
    /// `--fixtures`: The repository's fixtures folder.
    @Option(help: "The repository's fixtures folder.") public var fixtures: String = "fixtures"
    /// `--scratch`: Scratch folder (a face-set cache is made there, and each case written).
    @Option(help: "Scratch folder (a face-set cache is made there, and each case written).")
    public var scratch: String = NSTemporaryDirectory() + "ddl-fuzz"
    /// The `--trace` option.
    @Option(
        help:
            "Append the number of each case to this file before it runs (to find a crashing case).")
    public var trace: String?
    /// The `--first` option.
    @Option(
        help: "Skip the cases before this one (the same damage sequence; to go on after a crash).")
    public var first: Int = 0
    /// The `--preflight-timeout` option.
    @Option(help: "Seconds the HDF5 preflight child may take on one case before it is killed.")
    public var preflightTimeout: Double = 10

    /// An empty command, for ArgumentParser to fill in from the command line.
    public init() {}

    /// The real files fuzzed: the checkpoint fixtures, a few fixtures of each kind and a
    /// small synthetic face-set cache written to `scratch`.
    public static func corpus(
        fixtures: String, scratch: String
    ) throws -> [(path: String, reader: HDF5Fuzz.Reader)] {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let synthetic = try SyntheticArguments.parse([
            "--synthetic-size", "16", "--synthetic-train", "8", "--synthetic-test", "4",
            "--synthetic-disturbance", "4", "--identities", "4"
        ])
        let faces = scratch + "/faces.h5"
        try synthetic.expressionSets().train.save(to: faces)
        var files: [(String, HDF5Fuzz.Reader)] = [(faces, .faceSet)]
        for name in ["ddm_paper_ddl_gar_w2.h5", "dfem_paper_w2.h5"] {
            files.append((fixtures + "/checkpoints/" + name, .checkpoint))
        }
        for name in [
            "ops/add_channel.h5", "ops/batch_norm2d_eval.h5", "optim/adam_ddl_defaults.h5",
            "ddl/attention_block_paper_last.h5"
        ] {
            files.append((fixtures + "/" + name, .fixture))
        }
        return files
    }

    /// Runs `ddl fuzz-hdf5` with the parsed options.
    public func run() throws {
        // The `ddl` executable turned the preflight on at startup (unless DDL_HDF5_PREFLIGHT=0):
        // each case is walked in a child first, then read here.
        HDF5Preflight.timeout = preflightTimeout
        let files = try Self.corpus(fixtures: fixtures, scratch: scratch)
        let clock = ContinuousClock(), start = clock.now
        let traceHandle = trace.flatMap { path -> FileHandle? in
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }
        let summary = try HDF5Fuzz.run(
            files: files, count: count, seed: seed, scratch: scratch, first: first
        ) { k, path in
            if let traceHandle { try? traceHandle.write(contentsOf: Data("\(k) \(path)\n".utf8)) }
        }
        let elapsed = clock.now - start
        let preflight = HDF5Preflight.command == nil ? ", preflight off" : ""
        print("\(summary) (seed \(seed), \(files.count) files, "
            + "\(elapsed.components.seconds) s\(preflight))")
    }
}
