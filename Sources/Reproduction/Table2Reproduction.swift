import DDLModel
import FaceData
import FaceDatasets
import Foundation
import FastKernels
import TensorCore
import Training

/// The faces of one database: one set split into subject-independent folds (optionally
/// with a separate pool of test faces of the same subjects), or a fixed train/test split.
public enum DatabaseFaces: Sendable {
    /// Cross-validation by subject over `all`; each fold's test faces are those of its test
    /// subjects in `test` when given (a synthetic stand-in's independent test pool), else in `all`.
    case folds(all: FaceSet, test: FaceSet?)
    /// A fixed split.
    case trainTest(train: FaceSet, test: FaceSet)
    /// Subject-independent folds already drawn: one (train, test) pair per fold (a
    /// synthetic stand-in draws each fold's confounded training faces from its own
    /// training subjects).
    case splits([Split])

    /// The faces of one fold.
    public struct Split: Sendable {
        /// The training faces.
        public var train: FaceSet
        /// The test faces.
        public var test: FaceSet

        /// A fold's training and test faces.
        public init(train: FaceSet, test: FaceSet) {
            self.train = train
            self.test = test
        }
    }
}

/// One database of a reproduction: where its faces come from and its protocol.
public struct Table2Database: Sendable {
    /// How a database is evaluated (Section 4.1).
    public enum Evaluation: Sendable, Equatable {
        /// Subject-independent k-fold cross-validation over one set.
        case folds(Int)
        /// A fixed training and test split.
        case trainTest
    }

    /// The database's name, as the report and the store use it.
    public let name: String
    /// The Table 2 row this database reproduces (nil for the synthetic stand-ins).
    public let paperRow: String?
    /// How the database is evaluated.
    public let evaluation: Evaluation
    /// Whether the faces are a synthetic stand-in.
    public let synthetic: Bool
    /// What the faces are, for the report (e.g. the stand-in's settings).
    public let description: String
    /// The files the faces come from (empty for synthetic faces): their digests key the runs.
    public let files: [String]
    /// The file of the disturbance-labelled faces, if they come from one.
    public let disturbanceFile: String?
    /// The faces.
    public let load: @Sendable () throws -> DatabaseFaces
    /// The disturbance-labelled set the DFEMs of this database train on.
    public let disturbance: @Sendable () throws -> FaceSet

    /// A database; see the properties.
    public init(
        name: String, paperRow: String?, evaluation: Evaluation, synthetic: Bool,
        description: String = "",
        files: [String] = [], disturbanceFile: String? = nil,
        load: @escaping @Sendable () throws -> DatabaseFaces,
        disturbance: @escaping @Sendable () throws -> FaceSet
    ) {
        self.name = name
        self.paperRow = paperRow
        self.evaluation = evaluation
        self.synthetic = synthetic
        self.description = description
        self.files = files
        self.disturbanceFile = disturbanceFile
        self.load = load
        self.disturbance = disturbance
    }

    /// Folds of the protocol (1 for a fixed split).
    public var foldCount: Int {
        if case .folds(let k) = evaluation { return k }
        return 1
    }
}

/// How large the runs are.
public struct ReproductionScale: Sendable, Equatable {
    /// `quick` or `paper`; runs of different scales are stored apart.
    public var name: String
    /// The model width.
    public var width: Int
    /// Epochs of each expression run.
    public var epochs: Int
    /// Epochs of each DFEM's training.
    public var dfemEpochs: Int
    /// The batch size of every run (and of the trunk's and DFEMs' training) unless
    /// `batchSizes` names the database.
    public var batchSize: Int
    /// Batch sizes of expression runs by database (`Table2Database.paperRow`), e.g. the
    /// paper's 16 for RAF-DB and 8 elsewhere; `batchSize(for:)`.
    public var batchSizes: [String: Int]
    /// Adam's initial learning rate.
    public var learningRate: Double
    /// Epochs after which the learning rate drops.
    public var milestones: [Int]
    /// Folds used for the cross-validation databases (the paper: 10).
    public var folds: Int
    /// Side of the synthetic faces.
    public var syntheticSize: Int
    /// Seeds run per fold when `--seeds` is not given.
    public var seeds: Int
    /// Epochs of the trunk pre-training (`--trunk pretrain`).
    public var trunkEpochs: Int
    /// Whether the test set is evaluated after every epoch (the best epoch is then known)
    /// or only after the last (the paper's number; faster).
    public var evaluateEveryEpoch: Bool

    /// A scale; see the properties.
    public init(
        name: String, width: Int, epochs: Int, dfemEpochs: Int, batchSize: Int,
        learningRate: Double,
        milestones: [Int], folds: Int, syntheticSize: Int, seeds: Int = 1, trunkEpochs: Int = 6,
        evaluateEveryEpoch: Bool = true, batchSizes: [String: Int] = [:]
    ) {
        self.batchSizes = batchSizes
        self.name = name
        self.width = width
        self.epochs = epochs
        self.dfemEpochs = dfemEpochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.milestones = milestones
        self.folds = folds
        self.syntheticSize = syntheticSize
        self.seeds = seeds
        self.trunkEpochs = trunkEpochs
        self.evaluateEveryEpoch = evaluateEveryEpoch
    }

    /// The paper's settings: width 64, 40 epochs, 10 folds, one seed; batch 16 for RAF-DB and
    /// 8 for CK+, MMI, Oulu-CASIA and SFEW (Section 4.2), 16 for the rest.
    public static let paper = ReproductionScale(
        name: "paper", width: 64, epochs: 40, dfemEpochs: 40, batchSize: 16, learningRate: 1e-4,
        milestones: [10, 18, 25, 32], folds: 10, syntheticSize: 100, seeds: 1,
        trunkEpochs: 40, evaluateEveryEpoch: true,
        batchSizes: ["RAF-DB": 16, "CK+": 8, "MMI": 8, "Oulu-CASIA": 8, "SFEW": 8])
    /// Minutes on two cores: width 8, 8 epochs, 3 folds, 40×40 synthetic faces, 3 seeds.
    public static let quick = ReproductionScale(
        name: "quick", width: 8, epochs: 8, dfemEpochs: 6, batchSize: 16, learningRate: 1e-3,
        milestones: [6], folds: 3, syntheticSize: 40, seeds: 3,
        trunkEpochs: 6, evaluateEveryEpoch: false)

    /// Every setting, for run keys.
    var fields: [String: String] {
        [
            "scale": name, "width": "\(width)", "epochs": "\(epochs)",
            "dfem_epochs": "\(dfemEpochs)",
            "batch_size": "\(batchSize)", "lr": "\(learningRate)",
            "milestones": milestones.map(String.init).joined(separator: ","),
            "trunk_epochs": "\(trunkEpochs)", "evaluate_every_epoch": "\(evaluateEveryEpoch)"
        ]
    }
}

/// The synthetic stand-ins used when no data root is given (docs/SYNTHETIC.md).
///
/// Both confound their training faces with strength `confound` (pose, light and identity
/// group go with the expression; `SyntheticConfound`) and test on faces drawn
/// independently; the DFEMs' disturbance-labelled faces never include a test subject.
public enum SyntheticDatabases {
    /// The default confound of the stand-ins.
    public static let defaultConfound = 0.8

    /// "Lab-like": near-frontal, evenly lit, weakly disturbed faces (strength 0.2) of 24
    /// subjects in `folds` subject-independent folds; each fold's 280 confounded training
    /// faces are drawn from its training subjects and its 700 independent test faces from
    /// its test subjects; the DFEM's 840 faces come from 40 other subjects.
    public static func labLike(
        size: Int, seed: UInt64, folds: Int, confound: Double = defaultConfound
    ) -> Table2Database {
        let spec = SyntheticFaceSpec(size: size, identities: 64, strength: 0.2)
        let rho = SyntheticConfound(rho: confound)
        return Table2Database(
            name: "Lab-like (synthetic)", paperRow: nil, evaluation: .folds(folds), synthetic: true,
            description: "strength 0.2, confound ρ \(confound), \(size)×\(size), 24 subjects in "
                + "\(folds) folds: "
                + "280 training and 700 independent test faces per fold; DFEM on 840 faces of 40 "
                + "other subjects",
            load: {
                .splits(
                    subjectFolds(subjects: 24, folds: folds, seed: seed).map { test in
                        let train = (0..<24).filter { !test.contains($0) }
                        return DatabaseFaces.Split(
                            train: SyntheticFaces.expressionSet(
                                spec: spec, count: 280, seed: seed, subjects: train, confound: rho),
                            test: SyntheticFaces.expressionSet(
                                spec: spec, count: 700, seed: seed, subjects: test))
                    })
            },
            disturbance: {
                SyntheticFaces.disturbanceSet(
                    spec: spec, count: 840, seed: seed, identities: 24..<64)
            })
    }

    /// Subjects `0..<subjects` dealt by a seeded shuffle into `folds` test groups (sorted).
    static func subjectFolds(subjects: Int, folds: Int, seed: UInt64) -> [[Int]] {
        var order = Array(0..<subjects)
        var g = RandomGenerator(seed: seed ^ 0x464F_4C44)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(g.next() % UInt64(i + 1)))
        }
        return (0..<max(folds, 1)).map { f in
            order.indices.filter { $0 % folds == f }.map { order[$0] }.sorted()
        }
    }

    /// "Wild-like": strong pose, illumination and identity variation (strength 0.6); 30
    /// training and 10 test subjects; the DFEM's faces come from the training subjects.
    public static func wildLike(
        size: Int, seed: UInt64, confound: Double = defaultConfound, strength: Double = 0.6,
        name: String = "Wild-like (synthetic)"
    ) -> Table2Database {
        let spec = SyntheticFaceSpec(size: size, identities: 40, strength: strength)
        let rho = SyntheticConfound(rho: confound)
        return Table2Database(
            name: name, paperRow: nil, evaluation: .trainTest, synthetic: true,
            description: "strength \(strength), confound ρ \(confound), \(size)×\(size): 840 "
                + "training faces of 30 subjects, "
                + "1,400 independent test faces of 10 others; DFEM on 840 faces of the "
                + "training subjects",
            load: {
                .trainTest(
                    train: SyntheticFaces.expressionSet(
                        spec: spec, count: 840, seed: seed, identities: 0..<30, confound: rho),
                    test: SyntheticFaces.expressionSet(
                        spec: spec, count: 1400, seed: seed, identities: 30..<40))
            },
            disturbance: {
                SyntheticFaces.disturbanceSet(
                    spec: spec, count: 840, seed: seed, identities: 0..<30)
            })
    }

    /// The large expression-labelled set the trunk is pre-trained on when no AffectNet cache
    /// is given: 4,000 training and 700 test faces of 100 subjects of another synthetic world
    /// (none of them in a stand-in), strength 0.6, expressions independent of every factor.
    public static func trunkPretraining(size: Int) -> (name: String, train: FaceSet, test: FaceSet)
    {
        let spec = SyntheticFaceSpec(size: size, identities: 100, strength: 0.6)
        let seed: UInt64 = 0xAFFE
        return (
            "synthetic (4,000 faces of 100 subjects, strength 0.6, independent factors)",
            SyntheticFaces.expressionSet(spec: spec, count: 4000, seed: seed, identities: 0..<80),
            SyntheticFaces.expressionSet(spec: spec, count: 700, seed: seed, identities: 80..<100)
        )
    }
}

/// The real databases under a data root, as `ddl data prepare` writes them:
/// `<root>/<name>/faces.h5` (CK+, MMI, Oulu-CASIA: cross-validation by subject) or
/// `<root>/<name>/train.h5` and `test.h5` (RAF-DB, SFEW), and `<root>/disturbance.h5`
/// (the disturbance-labelled faces for the DFEMs, missing labels −1).
public enum PreparedDatabases {
    /// The prepared databases found under `root`, the cross-validation ones with `folds` folds.
    public static func found(root: String, folds: Int) -> [Table2Database] {
        let fm = FileManager.default
        let disturbancePath = root + "/disturbance.h5"
        let disturbance: @Sendable () throws -> FaceSet = {
            try FaceSet.load(from: disturbancePath)
        }
        var found: [Table2Database] = []
        for name in ["CK+", "MMI", "Oulu-CASIA"]
        where fm.fileExists(atPath: "\(root)/\(name)/faces.h5") {
            let path = "\(root)/\(name)/faces.h5"
            found.append(
                Table2Database(
                    name: name, paperRow: name, evaluation: .folds(folds), synthetic: false,
                    description: path, files: [path], disturbanceFile: disturbancePath,
                    load: { .folds(all: try FaceSet.load(from: path), test: nil) },
                    disturbance: disturbance))
        }
        for name in ["RAF-DB", "SFEW"] where fm.fileExists(atPath: "\(root)/\(name)/train.h5") {
            let (train, test) = ("\(root)/\(name)/train.h5", "\(root)/\(name)/test.h5")
            found.append(
                Table2Database(
                    name: name, paperRow: name, evaluation: .trainTest, synthetic: false,
                    description: "\(train), \(test)", files: [train, test],
                    disturbanceFile: disturbancePath,
                    load: {
                        .trainTest(
                            train: try FaceSet.load(from: train), test: try FaceSet.load(from: test)
                        )
                    },
                    disturbance: disturbance))
        }
        return found
    }

    /// The prepared AffectNet cache the trunk is pre-trained on, if the root has one
    /// (`<root>/AffectNet/train.h5`, and `test.h5` when present).
    public static func affectNet(root: String) -> (train: String, test: String?)? {
        let train = root + "/AffectNet/train.h5", test = root + "/AffectNet/test.h5"
        guard FileManager.default.fileExists(atPath: train) else { return nil }
        return (train, FileManager.default.fileExists(atPath: test) ? test : nil)
    }
}
