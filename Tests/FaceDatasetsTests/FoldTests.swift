import FaceData
import FaceDatasets
import Foundation
import Testing

@Suite("subject-independent folds")
struct FoldTests {
    /// 23 subjects with 1–4 faces each, interleaved.
    let subjects: [Int] = (0..<60).map { ($0 * 7) % 23 }

    @Test func noSubjectOnBothSides() throws {
        let folds = try SubjectFolds.make(subjects: subjects, k: 10, seed: 0)
        try folds.check(subjects: subjects, file: "folds.json")
        #expect(folds.folds.count == 10)
        #expect(folds.folds.flatMap(\.test).sorted() == Array(0..<60))
        for f in 0..<10 {
            let test = Set(folds.folds[f].test.map { subjects[$0] })
            let train = Set(folds.train(fold: f).map { subjects[$0] })
            #expect(test.isDisjoint(with: train))
            #expect(test == Set(folds.folds[f].testSubjects))
        }
        let sizes = folds.folds.map(\.test.count)
        #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 3)
    }

    @Test func stableForASeed() throws {
        let a = try SubjectFolds.make(subjects: subjects, k: 5, seed: 7)
        #expect(try SubjectFolds.make(subjects: subjects, k: 5, seed: 7) == a)
        #expect(try SubjectFolds.make(subjects: subjects, k: 5, seed: 8) != a)
        // Written down: the assignment of seed 7 is part of the contract.
        #expect(a.folds.map(\.testSubjects).flatMap { $0 }.count == 23)
    }

    @Test func leaksAndMismatchesAreCaught() throws {
        var folds = try SubjectFolds.make(subjects: subjects, k: 5, seed: 0)
        // Move one face of a subject with several faces into another fold's test side.
        let face = try #require(folds.folds[0].test.first { i in subjects.filter { $0 == subjects[i] }.count > 1 })
        folds.folds[0].test.removeAll { $0 == face }
        folds.folds[1].test.append(face)
        let error = try #require(datasetError { try folds.check(subjects: subjects, file: "f.json") })
        #expect(error.file == "f.json" && error.reason.contains("subject \(subjects[face]) is on both sides of fold"))

        let good = try SubjectFolds.make(subjects: subjects, k: 5, seed: 0)
        var other = subjects
        other[0] = 99
        #expect(datasetError { try good.check(subjects: other, file: "f.json") }?.reason.contains("made for another set") == true)
        #expect(datasetError { try good.check(subjects: Array(subjects.prefix(10)), file: "f.json") }?.reason == "made for 60 faces; the set has 10")
    }

    @Test func foldsNeedSubjects() {
        #expect(datasetError { _ = try SubjectFolds.make(subjects: [0, 1, -1], k: 2) }?.reason.hasPrefix("1 of 3 faces have no subject id") == true)
        #expect(datasetError { _ = try SubjectFolds.make(subjects: [0, 1, 1], k: 3) }?.reason == "2 subjects cannot make 3 subject-independent folds")
    }

    @Test func foldFilesRoundTripAndSplitSets() throws {
        let dir = scratchFolder()
        var set = FaceSet(size: 2, expressionClasses: 3, factorClasses: ["pose": 2])
        for (i, s) in subjects.enumerated() {
            set.append(image: [UInt8](repeating: UInt8(i), count: 12), expression: i % 3, subject: s, factors: ["pose": i % 2])
        }
        try set.save(to: dir + "/cache.h5")
        let folds = try SubjectFolds.make(subjects: set.subjects, k: 4, seed: 3)
        try folds.write(to: dir + "/folds.json")
        #expect(try SubjectFolds.read(from: dir + "/folds.json") == folds)
        let (train, test) = try SubjectFolds.writeSplit(cache: dir + "/cache.h5", folds: dir + "/folds.json", fold: 2, to: dir + "/fold2")
        #expect(train.count + test.count == 60 && test.count == folds.folds[2].test.count)
        #expect(try FaceSet.load(from: dir + "/fold2/test.h5") == test)
        #expect(try FaceSet.load(from: dir + "/fold2/train.h5") == train)
        #expect(Set(train.subjects).isDisjoint(with: Set(test.subjects)))
        #expect(test.image(0) == set.image(folds.folds[2].test[0]))
        #expect(throws: DatasetError.self) { _ = try SubjectFolds.writeSplit(cache: dir + "/cache.h5", folds: dir + "/folds.json", fold: 4, to: dir + "/x") }
        #expect(datasetError { _ = try SubjectFolds.read(from: dir + "/none.json") }?.kind == .missingFile)
    }
}
