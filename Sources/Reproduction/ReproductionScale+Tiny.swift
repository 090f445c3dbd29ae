extension ReproductionScale {
    /// Seconds on two cores, for tests and smoke checks of the pipeline (numbers that mean
    /// nothing): width 2, 2 epochs, 2 folds, 20×20 synthetic faces, 1 seed, 1 trunk and DFEM epoch.
    public static let tiny = ReproductionScale(
        name: "tiny", width: 2, epochs: 2, dfemEpochs: 1, batchSize: 16, learningRate: 1e-3,
        milestones: [], folds: 2, syntheticSize: 20, seeds: 1,
        trunkEpochs: 1, evaluateEveryEpoch: false)
}
