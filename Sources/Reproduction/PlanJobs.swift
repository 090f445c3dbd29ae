import DDLModel
import FaceData
import Foundation
import Training

/// The pre-training of the trunk S_g (`TrunkSource.pretrain`): everything needed to run it
/// and to find it again, computed without training.
struct TrunkJob {
    /// What it is pre-trained on, for the report.
    var name: String
    var train: FaceSet
    var test: FaceSet?
    var config: DDLConfig
    var options: TrainingOptions
    var key: RunKey
    /// Its folder under the results folder.
    var directory: String

    var checkpoint: String { directory + "/checkpoint.h5" }

    /// Whether a checkpoint of all its epochs is there.
    var isDone: Bool { ((try? Checkpoint.metadata(of: checkpoint))?.epoch ?? -1) >= options.epochs }
}

/// One DFEM of a database and factor group: everything needed to train it and to find it.
struct DFEMJob {
    var database: String
    /// The factors' names joined by `+` (`gender+age`).
    var groupName: String
    var config: DDLConfig
    var options: TrainingOptions
    var key: RunKey
    /// The faces it trains on and the held-out ones that score it.
    var train: FaceSet
    var heldOut: FaceSet
    var directory: String
    var epochs: Int

    var checkpoint: String { directory + "/checkpoint.h5" }

    /// Whether a checkpoint of all its epochs is there.
    var isDone: Bool { ((try? Checkpoint.metadata(of: checkpoint))?.epoch ?? -1) >= epochs }
}

/// One run of an experiment (database, arm, fold, seed) with its settings and key, and the
/// DFEMs and trunk it starts from.
struct RunJob {
    var database: Table2Database
    var arm: Arm
    var fold: Int
    var folds: Int
    var seed: UInt64
    var split: (train: FaceSet, test: FaceSet)
    var config: DDLConfig
    var options: TrainingOptions
    var key: RunKey
    var dfems: [DFEMJob]
    /// The trunk checkpoint (nil: from scratch) and its digest.
    var trunk: (path: String?, digest: String)
}
