import FaceDatasets
import Foundation

/// The image files named on a command line: files as given, folders searched (recursively)
/// for `.jpg`, `.jpeg` and `.png` files, sorted by path.
enum ImageInputs {
    /// The extensions taken from folders (compared case-insensitively).
    static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    /// Every image of `arguments`, in the order given (each folder's files sorted).
    /// - Throws: `DatasetError` naming a path that does not exist (`.missingFile`) or a
    ///   folder without images (`.emptyFolder`).
    static func files(_ arguments: [String]) throws -> [String] {
        var files: [String] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw DatasetError(.missingFile, file: argument, "no such image or folder")
            }
            guard isDirectory.boolValue else {
                files.append(argument)
                continue
            }
            let found =
                (FileManager.default.enumerator(atPath: argument)?.compactMap { $0 as? String }
                ?? [])
                .filter { extensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
                .sorted()
                .map { argument.hasSuffix("/") ? argument + $0 : argument + "/" + $0 }
            guard !found.isEmpty else {
                throw DatasetError(
                    .emptyFolder, file: argument, "no .jpg, .jpeg or .png file in the folder")
            }
            files += found
        }
        return files
    }
}
