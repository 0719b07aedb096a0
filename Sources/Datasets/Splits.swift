import Kernels

/// Fractions of a dataset for training, validation and test; they must sum to 1.
public struct SplitFractions: Codable, Sendable, Equatable {
    public var train: Double
    public var validation: Double
    public var test: Double

    public init(train: Double = 0.70, validation: Double = 0.15, test: Double = 0.15) {
        self.train = train
        self.validation = validation
        self.test = test
    }
}

/// The three parts of a dataset, with the original indices of their series.
public struct DatasetSplit: Sendable, Equatable {
    public var train: SeriesDataset
    public var validation: SeriesDataset
    public var test: SeriesDataset
    public var trainIndices: [Int]
    public var validationIndices: [Int]
    public var testIndices: [Int]
}

extension SeriesDataset {
    /// A stratified train/validation/test split: within each class (in index order), that class's
    /// series indices are shuffled by `SeededRandom(seed:)` and cut into round(n_c·validation)
    /// validation, round(n_c·test) test and the rest train (each class keeps at least one training
    /// series when it has any). Each part lists its series in original order; labels, masks, kinds
    /// and valid lengths follow their series (`subset`).
    public func stratifiedSplit(_ fractions: SplitFractions = SplitFractions(), seed: UInt64) throws -> DatasetSplit {
        let parts = [fractions.train, fractions.validation, fractions.test]
        guard parts.allSatisfy({ $0 >= 0 && $0 <= 1 }), abs(parts.reduce(0, +) - 1) < 1e-9 else {
            throw DatasetError(message: "split fractions must be in [0, 1] and sum to 1, got \(fractions.train)/\(fractions.validation)/\(fractions.test)")
        }
        var random = SeededRandom(seed: seed)
        var trainIndices: [Int] = [], validationIndices: [Int] = [], testIndices: [Int] = []
        for classIndex in 0..<Swift.max(classCount, (labels.max() ?? -1) + 1) {
            var members = labels.indices.filter { labels[$0] == classIndex }
            guard !members.isEmpty else { continue }
            random.shuffle(&members)
            let n = members.count
            var validationCount = Int((Double(n) * fractions.validation).rounded())
            var testCount = Int((Double(n) * fractions.test).rounded())
            if fractions.train > 0 {
                while validationCount + testCount > n - 1 && validationCount + testCount > 0 {
                    if testCount >= validationCount && testCount > 0 { testCount -= 1 } else { validationCount -= 1 }
                }
            } else {
                testCount = n - validationCount
            }
            validationIndices += members[0..<validationCount]
            testIndices += members[validationCount..<(validationCount + testCount)]
            trainIndices += members[(validationCount + testCount)...]
        }
        trainIndices.sort(); validationIndices.sort(); testIndices.sort()
        return DatasetSplit(
            train: subset(trainIndices), validation: subset(validationIndices), test: subset(testIndices),
            trainIndices: trainIndices, validationIndices: validationIndices, testIndices: testIndices)
    }

    /// Carves a stratified validation set from a given training set (for archives such as UCR that
    /// ship TRAIN and TEST files): the same per-class rule as `stratifiedSplit` with no test part.
    public func carvingValidation(fraction: Double = 0.15, seed: UInt64) throws -> (train: SeriesDataset, validation: SeriesDataset) {
        let split = try stratifiedSplit(SplitFractions(train: 1 - fraction, validation: fraction, test: 0), seed: seed)
        return (split.train, split.validation)
    }
}
