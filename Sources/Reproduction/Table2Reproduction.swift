import DDLModel
import FaceData
import FaceDatasets
import Foundation
import TensorCore
import Training

/// One database of the Table 2 reproduction: where its faces come from and its protocol.
public struct Table2Database: Sendable {
    /// How a database is evaluated (Section 4.1).
    public enum Evaluation: Sendable, Equatable {
        /// Subject-independent k-fold cross-validation over one set.
        case folds(Int)
        /// A fixed training and test split.
        case trainTest
    }

    public let name: String
    /// The Table 2 row this database reproduces (nil for the synthetic stand-ins).
    public let paperRow: String?
    public let evaluation: Evaluation
    public let synthetic: Bool
    /// The faces: one set for folds, or train and test.
    let load: @Sendable () throws -> (all: FaceSet?, train: FaceSet?, test: FaceSet?)
    /// The disturbance-labelled set the DFEMs of this database train on.
    let disturbance: @Sendable () throws -> FaceSet

    public init(
        name: String, paperRow: String?, evaluation: Evaluation, synthetic: Bool,
        load: @escaping @Sendable () throws -> (all: FaceSet?, train: FaceSet?, test: FaceSet?),
        disturbance: @escaping @Sendable () throws -> FaceSet
    ) {
        self.name = name
        self.paperRow = paperRow
        self.evaluation = evaluation
        self.synthetic = synthetic
        self.load = load
        self.disturbance = disturbance
    }
}

/// How large the runs are.
public struct ReproductionScale: Sendable, Equatable {
    /// `quick` or `paper`; runs of different scales are stored apart.
    public var name: String
    public var width: Int
    public var epochs: Int
    public var dfemEpochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var milestones: [Int]
    /// Folds used for the cross-validation databases (the paper: 10).
    public var folds: Int
    /// Side of the synthetic faces.
    public var syntheticSize: Int

    public init(name: String, width: Int, epochs: Int, dfemEpochs: Int, batchSize: Int, learningRate: Double,
                milestones: [Int], folds: Int, syntheticSize: Int) {
        self.name = name
        self.width = width
        self.epochs = epochs
        self.dfemEpochs = dfemEpochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.milestones = milestones
        self.folds = folds
        self.syntheticSize = syntheticSize
    }

    /// The paper's settings: width 64, 40 epochs, 10 folds.
    public static let paper = ReproductionScale(name: "paper", width: 64, epochs: 40, dfemEpochs: 40, batchSize: 16, learningRate: 1e-4,
                                                milestones: [10, 18, 25, 32], folds: 10, syntheticSize: 100)
    /// About ten minutes on two cores: width 8, 8 epochs, 3 folds, 32×32 synthetic faces.
    public static let quick = ReproductionScale(name: "quick", width: 8, epochs: 8, dfemEpochs: 4, batchSize: 16, learningRate: 1e-3,
                                                milestones: [6], folds: 3, syntheticSize: 32)
}

/// The synthetic stand-ins used when no data root is given.
public enum SyntheticDatabases {
    /// "Lab-like": near-frontal, evenly lit, weakly disturbed faces (strength 0.2) of 18
    /// subjects, subject-independent folds.
    public static func labLike(size: Int, seed: UInt64, folds: Int) -> Table2Database {
        let spec = SyntheticFaceSpec(size: size, identities: 18, strength: 0.2)
        return Table2Database(
            name: "Lab-like (synthetic)", paperRow: nil, evaluation: .folds(folds), synthetic: true,
            load: { (SyntheticFaces.expressionSet(spec: spec, count: 840, seed: seed), nil, nil) },
            disturbance: { SyntheticFaces.disturbanceSet(spec: spec, count: 840, seed: seed) })
    }

    /// "Wild-like": strong pose, illumination and identity variation (strength 0.6), 40
    /// subjects, a fixed split with disjoint identities.
    public static func wildLike(size: Int, seed: UInt64) -> Table2Database {
        let spec = SyntheticFaceSpec(size: size, identities: 40, strength: 0.6)
        return Table2Database(
            name: "Wild-like (synthetic)", paperRow: nil, evaluation: .trainTest, synthetic: true,
            load: {
                (nil, SyntheticFaces.expressionSet(spec: spec, count: 1120, seed: seed, identities: 0..<30),
                 SyntheticFaces.expressionSet(spec: spec, count: 350, seed: seed, identities: 30..<40))
            },
            disturbance: { SyntheticFaces.disturbanceSet(spec: spec, count: 1120, seed: seed) })
    }
}

/// The real databases under a data root, as `ddl data prepare` writes them:
/// `<root>/<name>/faces.h5` (CK+, MMI, Oulu-CASIA: cross-validation by subject) or
/// `<root>/<name>/train.h5` and `test.h5` (RAF-DB, SFEW), and `<root>/disturbance.h5`
/// (the disturbance-labelled faces for the DFEMs, missing labels −1).
public enum PreparedDatabases {
    public static func found(root: String, folds: Int) -> [Table2Database] {
        let fm = FileManager.default
        let disturbancePath = root + "/disturbance.h5"
        let disturbance: @Sendable () throws -> FaceSet = { try FaceSet.load(from: disturbancePath) }
        var found: [Table2Database] = []
        for name in ["CK+", "MMI", "Oulu-CASIA"] where fm.fileExists(atPath: "\(root)/\(name)/faces.h5") {
            let path = "\(root)/\(name)/faces.h5"
            found.append(Table2Database(name: name, paperRow: name, evaluation: .folds(folds), synthetic: false,
                                        load: { (try FaceSet.load(from: path), nil, nil) }, disturbance: disturbance))
        }
        for name in ["RAF-DB", "SFEW"] where fm.fileExists(atPath: "\(root)/\(name)/train.h5") {
            let (train, test) = ("\(root)/\(name)/train.h5", "\(root)/\(name)/test.h5")
            found.append(Table2Database(name: name, paperRow: name, evaluation: .trainTest, synthetic: false,
                                        load: { (nil, try FaceSet.load(from: train), try FaceSet.load(from: test)) },
                                        disturbance: disturbance))
        }
        return found
    }
}
