import FaceData
import Foundation

extension SubjectFolds {
    /// Writes the folds as JSON (sorted keys), atomically.
    /// - Throws: `DatasetError` naming `path` if it cannot be written.
    public func write(to path: String) throws(DatasetError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try encoder.encode(self).write(to: url, options: .atomic)
        } catch {
            throw DatasetError(
                .layout, file: path, "cannot be written: \(error.localizedDescription)")
        }
    }

    /// Reads folds written by `write(to:)` (not yet checked against a set: see `check`).
    /// - Throws: `.missingFile` or `.layout` naming `path`.
    public static func read(from path: String) throws(DatasetError) -> SubjectFolds {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(
                .missingFile, file: path, "no such fold file (make one with `ddl data folds`)")
        }
        do {
            return try JSONDecoder().decode(SubjectFolds.self, from: data)
        } catch {
            throw DatasetError(.layout, file: path, "not a fold file of `ddl data folds`: \(error)")
        }
    }

    /// Writes fold `fold` of the cache at `cache` as `directory/train.h5` and
    /// `directory/test.h5`, after checking the folds against the cache.
    /// - Returns: the two sets written.
    public static func writeSplit(
        cache: String, folds path: String, fold: Int, to directory: String
    ) throws -> (train: FaceSet, test: FaceSet) {
        let set = try FaceSet.load(from: cache)
        let folds = try read(from: path)
        let (train, test) = try folds.split(set, fold: fold, file: path)
        let source = "fold \(fold) of \(folds.k) (seed \(folds.seed), \(path)) of \(cache)"
        try train.save(to: directory + "/train.h5", source: "training side of " + source)
        try test.save(to: directory + "/test.h5", source: "test side of " + source)
        return (train, test)
    }
}
