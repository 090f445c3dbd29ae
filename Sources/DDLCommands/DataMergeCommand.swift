import ArgumentParser
import FaceData
import Foundation
import Training

extension DataCommand {
    /// `ddl data merge`: prepared caches joined into one disturbance set.
    public struct Merge: ParsableCommand {
        /// The command's help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            abstract: "Join prepared caches (e.g. RAF-DB attributes and Multi-PIE "
                + "identity/pose/illumination) into one disturbance set.",
            discussion: """
                Every factor of any input is kept, with −1 for the faces of an input that lacks it \
                (the DFEM leaves missing labels out of their head's loss). Inputs must have images \
                of the same side and the same class count for a factor they share; subject ids are \
                shifted so that no two inputs share one. The output is written atomically and its \
                `source` attribute records each input's path, SHA-256, face count and subject \
                offset.
                """
        )
        /// `<files>`: Prepared caches (face-set files) to join, in order.
        @Argument(help: "Prepared caches (face-set files) to join, in order.")
        public var files: [String] = []
        /// `--out`: The merged cache to write (e.g. DATA_ROOT/disturbance.h5).
        @Option(help: "The merged cache to write (e.g. DATA_ROOT/disturbance.h5).")
        public var out: String

        /// An empty command, for ArgumentParser to fill in from the command line.
        public init() {}

        /// Checks the option values before `run()`, throwing `ValidationError` for a bad one.
        public func validate() throws {
            guard !files.isEmpty else {
                throw ValidationError(
                    "give the caches to merge: ddl data merge A.h5 B.h5 --out disturbance.h5")
            }
        }

        /// Runs `ddl data merge` with the parsed options.
        public func run() throws {
            let merged = try Self.merge(files, to: out)
            let factors = merged.factorClasses.sorted { $0.key < $1.key }.map {
                "\($0.key) \($0.value)"
            }.joined(separator: ", ")
            print(
                "\(out): \(merged.count) faces, \(merged.size)×\(merged.size), factors "
                    + "\(factors.isEmpty ? "none" : factors)"
            )
            for (name, labels) in merged.factors.sorted(by: { $0.key < $1.key }) {
                print("  \(name): \(labels.filter { $0 >= 0 }.count) labelled, "
                    + "\(labels.filter { $0 < 0 }.count) missing (−1)")
            }
        }

        /// Reads `files`, joins them (`FaceSet.merged`) and writes the result atomically to
        /// `out` with its provenance as the `source` attribute: JSON `{"merged_by": "ddl data
        /// merge", "sources": [{"file", "sha256", "faces", "subject_offset"}, …]}`.
        /// - Throws: an unreadable input (naming it), or a `FaceSetMergeError`.
        @discardableResult
        public static func merge(_ files: [String], to out: String) throws -> FaceSet {
            var sources: [(name: String, set: FaceSet)] = []
            var digests: [String] = []
            for file in files {
                guard FileManager.default.fileExists(atPath: file) else {
                    throw ValidationError("no cache at \(file)")
                }
                sources.append((file, try FaceSet.load(from: file)))
                digests.append(try SHA256Digest.hexOfFile(atPath: file))
            }
            let (set, offsets) = try FaceSet.merged(sources)
            let provenance: [String: Any] = [
                "merged_by": "ddl data merge",
                "sources": files.indices.map { i -> [String: Any] in
                    [
                        "file": files[i], "sha256": digests[i], "faces": sources[i].set.count,
                        "subject_offset": offsets[i],
                    ]
                },
            ]
            let json = try JSONSerialization.data(
                withJSONObject: provenance, options: [.sortedKeys])
            try set.save(to: out, source: String(decoding: json, as: UTF8.self))
            return set
        }
    }
}
