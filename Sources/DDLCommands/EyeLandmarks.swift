import FaceDatasets
import Foundation

/// Eye centres per image from a CSV file, for `ddl predict --landmarks`: one line per image,
/// `path,left_x,left_y,right_x,right_y` in pixels of the image (x right, y down); a first
/// line that does not parse as numbers is a header. A row's path matches an image by the
/// path as given on the command line, else by its file name.
struct EyeLandmarks {
    /// Alignment by path as written in the file.
    let byPath: [String: FaceAlignment]
    /// Alignment by file name (the last path component), when unique.
    let byName: [String: FaceAlignment]

    /// Reads `file`.
    /// - Throws: `DatasetError` `.missingFile`, or `.malformedLine` naming the line.
    init(file: String) throws {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw DatasetError(
                .missingFile, file: file,
                "cannot read the landmark CSV: \(error.localizedDescription)")
        }
        var byPath: [String: FaceAlignment] = [:]
        var names: [String: [FaceAlignment]] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let numbers = fields.dropFirst().compactMap { Double($0) }.filter(\.isFinite)
            guard fields.count == 5, numbers.count == 4 else {
                if index == 0 { continue }  // a header
                throw DatasetError(.malformedLine, file: file, line: index + 1,
                                   "expected path,left_x,left_y,right_x,right_y, found '\(line)'")
            }
            let alignment = FaceAlignment.eyes(
                left: ImagePoint(x: numbers[0], y: numbers[1]),
                right: ImagePoint(x: numbers[2], y: numbers[3]))
            byPath[fields[0]] = alignment
            names[URL(fileURLWithPath: fields[0]).lastPathComponent, default: []].append(alignment)
        }
        self.byPath = byPath
        byName = names.compactMapValues { $0.count == 1 ? $0[0] : nil }
    }

    /// The alignment of the image at `path` (nil when the file has no row for it).
    func alignment(of path: String) -> FaceAlignment? {
        byPath[path] ?? byName[URL(fileURLWithPath: path).lastPathComponent]
    }
}
