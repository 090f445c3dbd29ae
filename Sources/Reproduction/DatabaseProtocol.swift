import DDLModel
import Training

extension ReproductionScale {
    /// The batch size of a database's runs: `batchSizes[database.paperRow]` when the scale
    /// sets one (the paper scale: 16 for RAF-DB, 8 for CK+, MMI, Oulu-CASIA and SFEW), else
    /// `batchSize` (the synthetic stand-ins, the quick scale).
    public func batchSize(for database: Table2Database) -> Int {
        database.paperRow.flatMap { batchSizes[$0] } ?? batchSize
    }
}

extension ExperimentRunner {
    /// The preprocessing of a database's runs: none for the paper preset (100×100 faces,
    /// crop 90); for the official preset `Preprocessing.officialPreset` by the database's
    /// paper name (resize to 1.1× the side; grayscale for CK+ and MMI; SFEW's ±30° rotation
    /// and colour jitter). Nil when there is none, so the run's options are as before.
    public func preprocessing(for database: Table2Database, imageSize: Int) -> Preprocessing? {
        switch preset {
        case .paper: nil
        case .official: .officialPreset(database: database.paperRow, side: imageSize)
        }
    }

    /// The training options of one expression run of `database` on images of side
    /// `imageSize` with `seed`: the scale's epochs, rate and milestones, the database's batch
    /// size and preprocessing, and a crop of 90% of the side. They are part of the run's key.
    public func trainingOptions(
        for database: Table2Database, imageSize: Int, seed: UInt64
    ) -> TrainingOptions {
        var o = options(crop: crop(imageSize), epochs: scale.epochs, seed: seed)
        o.batchSize = scale.batchSize(for: database)
        o.preprocessing = preprocessing(for: database, imageSize: imageSize)
        return o
    }
}
