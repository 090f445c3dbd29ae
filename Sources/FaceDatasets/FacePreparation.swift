import FaceData

/// Decoding, aligning and resizing the faces of a manifest, once, into a `FaceSet`: the
/// prepared cache that training reads (`FaceSet.save(to:source:)` writes it as HDF5).
public enum FacePreparation {
    /// What `prepare` made.
    public struct Result: Sendable {
        /// The faces, in manifest order, minus any skipped.
        public var set: FaceSet
        /// Every problem skipped (the manifest's and the decoder's), in the order met.
        public var skipped: [DatasetError]
        /// The subject name behind each subject id.
        public var subjectNames: [Int: String]
    }

    /// Decodes every face of `manifest` and crops it with `aligner`. Subject names become
    /// ids by `SubjectNumbering`; factors a face lacks are −1.
    /// - Parameters:
    ///   - skipBad: skip an image that cannot be decoded (keeping the problem) rather than throw.
    ///   - progress: called after each face with (faces done, faces in all).
    /// - Throws: `DatasetError` naming the image (and the label-file line that listed it),
    ///   or `.layout` when no face is left.
    public static func prepare(
        _ manifest: FaceManifest, aligner: FaceAligner = FaceAligner(), skipBad: Bool = false,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws(DatasetError) -> Result {
        var policy = BadInputPolicy(skipBad: skipBad)
        for problem in manifest.skipped { try policy.handle(problem) }
        let ids = manifest.subjectIDs
        var set = FaceSet(
            size: aligner.side, expressionClasses: manifest.expressionClasses,
            factorClasses: manifest.factorClasses, expressionClassNames: manifest.expressionNames)
        for (k, record) in manifest.records.enumerated() {
            do {
                let image = try ImageCodecs.read(record.path)
                set.append(
                    image: aligner.crop(image, record.alignment), expression: record.expression,
                    subject: record.subject.flatMap { ids[$0] } ?? -1, factors: record.factors)
            } catch {
                let listed = record.listedAt.map { " (listed at \($0))" } ?? ""
                try policy.handle(
                    DatasetError(
                        error.kind, file: error.file, line: error.line, error.reason + listed))
            }
            progress(k + 1, manifest.records.count)
        }
        guard set.count > 0 else {
            throw DatasetError(
                .layout, file: manifest.root,
                "no face could be decoded (\(policy.skipped.count) skipped as bad)")
        }
        return Result(
            set: set, skipped: policy.skipped,
            subjectNames: Dictionary(ids.map { ($1, $0) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Reads the database copy at `root` with `layout`, prepares it and writes the cache to
    /// `output` (atomically), its `source` attribute saying what it was made from.
    /// - Throws: `DatasetError` for the database copy; the HDF5 layer's errors for the file.
    public static func prepareCache(
        layout: FaceLayout, root: String, options: LayoutOptions = LayoutOptions(), side: Int = 100,
        skipBad: Bool = false, output: String,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> Result {
        let manifest = try layout.manifest(root: root, options: options, skipBad: skipBad)
        let result = try prepare(
            manifest, aligner: FaceAligner(side: side), skipBad: skipBad, progress: progress)
        var source = "ddl data prepare --layout \(layout.rawValue) --root \(root) --size \(side)"
        if let split = options.split { source += " --split \(split)" }
        if let list = options.list { source += " --list \(list)" }
        source += "; \(result.set.count) faces, \(result.skipped.count) skipped"
        try result.set.save(to: output, source: source)
        return result
    }
}
