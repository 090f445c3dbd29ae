/// List files `path label subject` (MMI) or `path label [subject]` (generic): one face per
/// line, fields separated by spaces — or by tabs, when paths contain spaces. Paths are
/// relative to the layout's root unless absolute; blank lines and `#` comments are skipped.
enum LabelList {
    /// One line of a list file.
    struct Entry {
        var path: String
        var label: String
        var subject: String?
        var at: SourceLine
    }

    /// The entries of `file` whose image exists.
    /// - Parameter subjectRequired: every line must name a subject (MMI); a path may then
    ///   contain single spaces even without tabs.
    static func read(
        _ file: String, root: String, subjectRequired: Bool, policy: inout BadInputPolicy
    ) throws(DatasetError) -> [Entry] {
        var entries: [Entry] = []
        let form =
            subjectRequired
            ? "'<path> <label> <subject>'" : "'<path> <label>' or '<path> <label> <subject>'"
        for (number, text) in try Files.lines(file, what: "list file") {
            let at = SourceLine(file, number)
            let f = Files.fields(text)
            var entry: Entry
            if subjectRequired && f.count >= 3 {
                entry = Entry(
                    path: f.dropLast(2).joined(separator: " "), label: f[f.count - 2],
                    subject: f[f.count - 1], at: at)
            } else if !subjectRequired && (f.count == 2 || f.count == 3) {
                entry = Entry(path: f[0], label: f[1], subject: f.count == 3 ? f[2] : nil, at: at)
            } else {
                try policy.handle(
                    DatasetError(
                        .malformedLine, at: at,
                        "expected \(form) (tab-separated if paths hold spaces), found '\(text)'"))
                continue
            }
            entry.path = entry.path.hasPrefix("/") ? entry.path : Files.join(root, entry.path)
            guard Files.exists(entry.path) else {
                try policy.handle(
                    DatasetError(.missingFile, at: at, "names \(entry.path), which does not exist"))
                continue
            }
            entries.append(entry)
        }
        return entries
    }
}
