import Foundation

/// Natural order of names: runs of digits compare as numbers ("frame9" < "frame10"), the
/// rest character by character, ties broken by plain string order.
public func naturalOrder(_ a: String, _ b: String) -> Bool {
    var i = a.unicodeScalars.makeIterator(), j = b.unicodeScalars.makeIterator()
    var x = i.next(), y = j.next()
    func isDigit(_ s: Unicode.Scalar?) -> Bool { s.map { ("0"..."9").contains($0) } ?? false }
    while let p = x, let q = y {
        if isDigit(p) && isDigit(q) {
            var m = "", n = ""
            while let d = x, isDigit(d) { m.unicodeScalars.append(d); x = i.next() }
            while let d = y, isDigit(d) { n.unicodeScalars.append(d); y = j.next() }
            let mm = m.drop { $0 == "0" }, nn = n.drop { $0 == "0" }
            if mm.count != nn.count { return mm.count < nn.count }
            if mm != nn { return mm < nn }
            continue
        }
        if p != q { return p.value < q.value }
        x = i.next()
        y = j.next()
    }
    if x == nil && y != nil { return true }
    if x != nil && y == nil { return false }
    return a < b
}

/// Reading the folders and text files of a database copy, with errors that name them.
enum Files {
    /// File name extensions of images (compared case-insensitively).
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    /// Whether `name` looks like an image file.
    static func isImage(_ name: String) -> Bool {
        imageExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// `a/b` without doubling slashes.
    static func join(_ parts: String...) -> String {
        parts.dropFirst().reduce(parts.first ?? "") { path, part in
            part.isEmpty ? path : (path.hasSuffix("/") ? path + part : path + "/" + part)
        }
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func isFolder(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder)
            && folder.boolValue
    }

    /// The visible entries of a folder (no dot files, no macOS `._` shadows), natural order.
    /// - Throws: `.missingFile` if the folder does not exist.
    static func list(_ folder: String, what: String = "folder") throws(DatasetError) -> [String] {
        guard isFolder(folder) else {
            throw DatasetError(.missingFile, file: folder, "no such \(what)")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw DatasetError(
                .missingFile, file: folder, "cannot be listed: \(error.localizedDescription)")
        }
        return names.filter { !$0.hasPrefix(".") && !$0.hasPrefix("._") }.sorted(by: naturalOrder)
    }

    /// The sub-folders of a folder, natural order.
    static func folders(in folder: String, what: String = "folder") throws(DatasetError) -> [String]
    {
        try list(folder, what: what).filter { isFolder(join(folder, $0)) }
    }

    /// The image files of a folder (not recursive), natural order.
    static func images(in folder: String) throws(DatasetError) -> [String] {
        try list(folder).filter { isImage($0) && !isFolder(join(folder, $0)) }
    }

    /// Every image file below a folder, as paths relative to it, natural order.
    static func imagesBelow(_ folder: String) throws(DatasetError) -> [String] {
        guard isFolder(folder) else {
            throw DatasetError(.missingFile, file: folder, "no such folder")
        }
        guard let walk = FileManager.default.enumerator(atPath: folder) else {
            throw DatasetError(.missingFile, file: folder, "cannot be listed")
        }
        var found: [String] = []
        while let relative = walk.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") {
                if isFolder(join(folder, relative)) { walk.skipDescendants() }
                continue
            }
            if isImage(name) { found.append(relative) }
        }
        return found.sorted(by: naturalOrder)
    }

    /// The lines of a text file (any of `\n`, `\r\n`, `\r`), with their 1-based numbers,
    /// blank lines and `#` comments left out; a UTF-8 byte-order mark is ignored.
    /// - Throws: `.missingFile` if the file does not exist or cannot be read as text.
    static func lines(
        _ path: String, what: String = "file"
    ) throws(DatasetError) -> [(number: Int, text: String)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(
                .missingFile, file: path, exists(path) ? "cannot be read" : "no such \(what)")
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var out: [(Int, String)] = []
        var number = 0
        text.enumerateLines { line, _ in
            number += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty && !trimmed.hasPrefix("#") { out.append((number, trimmed)) }
        }
        return out
    }

    /// Space-separated fields of a line; when the line holds a tab, tab-separated fields
    /// instead (so that paths may contain spaces). Empty fields are dropped.
    static func fields(_ line: String) -> [String] {
        let parts = line.contains("\t") ? line.split(separator: "\t") : line.split(separator: " ")
        return parts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
