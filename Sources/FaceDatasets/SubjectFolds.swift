import FaceData
import FastKernels
import TensorCore

/// Subject-independent k-fold cross-validation: every subject's faces are in exactly one
/// fold's test side, so no subject is ever on both sides of a fold. The folds are made
/// from subject ids with a seeded generator (the same seed, subjects and k give the same
/// folds on every machine), written down as a file and checked whenever they are used.
public struct SubjectFolds: Codable, Sendable, Equatable {
    /// One fold: the subjects and faces of its test side (the rest is its training side).
    public struct Fold: Codable, Sendable, Equatable {
        /// Subject ids of the test side, ascending.
        public var testSubjects: [Int]
        /// Face indices of the test side, ascending.
        public var test: [Int]

        enum CodingKeys: String, CodingKey {
            case testSubjects = "test_subjects", test
        }
    }

    /// The format tag of fold files.
    public static let formatName = "ddl-swift-folds"

    /// Always `formatName`.
    public var format: String
    /// Number of folds.
    public var k: Int
    /// The seed the subjects were shuffled with.
    public var seed: UInt64
    /// Number of faces of the set the folds split.
    public var faces: Int
    /// FNV-1a (64-bit, hex) of the set's subject ids, so that folds are not used with another set.
    public var subjectsChecksum: String
    /// The folds.
    public var folds: [Fold]

    enum CodingKeys: String, CodingKey {
        case format, k, seed, faces, folds
        case subjectsChecksum = "subjects_checksum"
    }

    /// Folds of the faces whose subject ids are `subjects`: the subjects are shuffled with
    /// `seed`, then, largest first (ties in shuffled order), each goes to the fold with the
    /// fewest faces so far (ties to the lowest fold), which keeps the folds' sizes close.
    /// - Throws: `.layout` naming `file` when a face has no subject (−1) or there are fewer
    ///   subjects than folds.
    public static func make(
        subjects: [Int], k: Int = 10, seed: UInt64 = 0, file: String = "the face set"
    ) throws(DatasetError) -> SubjectFolds {
        guard k >= 2 else {
            throw DatasetError(.layout, file: file, "k = \(k) folds: need at least 2")
        }
        let unknown = subjects.filter { $0 < 0 }.count
        guard unknown == 0 else {
            throw DatasetError(.layout, file: file, "\(unknown) of \(subjects.count) faces have "
                + "no subject id; subject-independent folds need one for every face (the layout "
                + "gives none, or the list file leaves it out)")
        }
        var faces: [Int: [Int]] = [:]
        for (i, s) in subjects.enumerated() { faces[s, default: []].append(i) }
        guard faces.count >= k else {
            throw DatasetError(
                .layout, file: file,
                "\(faces.count) subjects cannot make \(k) subject-independent folds")
        }
        var order = faces.keys.sorted()
        var generator = RandomGenerator(seed: seed)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        order.sort {
            (faces[$0]?.count ?? 0, rank[$1] ?? 0) > (faces[$1]?.count ?? 0, rank[$0] ?? 0)
        }
        var folds = [Fold](repeating: Fold(testSubjects: [], test: []), count: k)
        var sizes = [Int](repeating: 0, count: k)
        for subject in order {
            let target = sizes.indices.min { (sizes[$0], $0) < (sizes[$1], $1) } ?? 0
            folds[target].testSubjects.append(subject)
            folds[target].test += faces[subject] ?? []
            sizes[target] += faces[subject]?.count ?? 0
        }
        for f in folds.indices {
            folds[f].testSubjects.sort()
            folds[f].test.sort()
        }
        return SubjectFolds(
            format: formatName, k: k, seed: seed, faces: subjects.count,
            subjectsChecksum: checksum(subjects), folds: folds)
    }

    /// FNV-1a over the ids as 64-bit little-endian integers, in hex.
    public static func checksum(_ subjects: [Int]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for s in subjects {
            var v = UInt64(bitPattern: Int64(s))
            for _ in 0..<8 {
                hash = (hash ^ (v & 0xFF)) &* 0x100_0000_01B3
                v >>= 8
            }
        }
        return String(hash, radix: 16)
    }

    /// The face indices of fold `fold`'s training side, ascending.
    /// - Precondition: `0 ≤ fold < k`.
    public func train(fold: Int) -> [Int] {
        precondition(
            folds.indices.contains(fold),
            "SubjectFolds.train: fold \(fold) outside 0..<\(folds.count)")
        var inTest = [Bool](repeating: false, count: faces)
        for i in folds[fold].test { inTest[i] = true }
        return (0..<faces).filter { !inTest[$0] }
    }

    /// Checks the folds against the subject ids of the set they are used with: the same
    /// faces, every face in exactly one test side, and no subject on both sides of a fold.
    /// - Throws: `.layout` naming `file` (the fold file) and the fold, face and subject at fault.
    public func check(subjects: [Int], file: String) throws(DatasetError) {
        func fail(_ why: String) -> DatasetError { DatasetError(.layout, file: file, why) }
        guard format == Self.formatName else {
            throw fail("not a fold file (format '\(format)', expected '\(Self.formatName)')")
        }
        guard k == folds.count, k >= 2 else {
            throw fail("k = \(k) but \(folds.count) folds are listed")
        }
        guard faces == subjects.count else {
            throw fail("made for \(faces) faces; the set has \(subjects.count)")
        }
        guard subjectsChecksum == Self.checksum(subjects) else {
            throw fail("made for another set (its subjects' checksum \(subjectsChecksum) differs "
                + "from this set's \(Self.checksum(subjects)))")
        }
        var foldOf = [Int](repeating: -1, count: faces)
        for (f, fold) in folds.enumerated() {
            for i in fold.test {
                guard i >= 0 && i < faces else {
                    throw fail("fold \(f): face \(i) outside 0..<\(faces)")
                }
                guard foldOf[i] < 0 else {
                    throw fail("face \(i) is in the test sides of folds \(foldOf[i]) and \(f)")
                }
                foldOf[i] = f
            }
        }
        if let lost = foldOf.firstIndex(of: -1) {
            throw fail("face \(lost) is in no fold's test side")
        }
        var subjectFold: [Int: (fold: Int, face: Int)] = [:]
        for (i, s) in subjects.enumerated() {
            if let seen = subjectFold[s], seen.fold != foldOf[i] {
                throw fail("subject \(s) is on both sides of fold \(seen.fold): face "
                    + "\(seen.face) in its test side, face \(i) in its training side (and the "
                    + "test side of fold \(foldOf[i]))")
            }
            subjectFold[s] = subjectFold[s] ?? (foldOf[i], i)
        }
    }

    /// Fold `fold` of `set`: its training and test sets, after `check`.
    /// - Throws: `.layout` naming `file` if the folds do not fit the set, or no such fold.
    public func split(
        _ set: FaceSet, fold: Int, file: String
    ) throws(DatasetError) -> (train: FaceSet, test: FaceSet) {
        try check(subjects: set.subjects, file: file)
        guard folds.indices.contains(fold) else {
            throw DatasetError(.layout, file: file, "no fold \(fold): the folds are 0…\(k - 1)")
        }
        return (set.subset(train(fold: fold)), set.subset(folds[fold].test))
    }
}
