/// How series values are rescaled before training.
public enum NormalizationMethod: String, Codable, Sendable, CaseIterable {
    /// Values as they are (the seed's behaviour).
    case none
    /// z-score of each series and channel over its own (valid) time steps; needs no fitting.
    case series
    /// z-score of each channel with mean and standard deviation fitted on the training split only,
    /// then applied unchanged to validation and test data.
    case channel
}

/// A fitted normalisation, Codable so a checkpoint stores exactly what was applied at training time.
///
/// Statistics are computed in Double over valid time steps only (padding beyond `validLengths` is
/// ignored and stays 0), with the population standard deviation (divide by the count). A constant
/// series or channel (standard deviation below `minimumStandardDeviation`) is divided by 1 instead,
/// so it becomes all zeros rather than NaN.
public struct Normalizer: Codable, Sendable, Equatable {
    public static let minimumStandardDeviation = 1e-8

    public var method: NormalizationMethod
    /// `channel` only: per-channel mean of the training data, length C.
    public var channelMeans: [Double]
    /// `channel` only: per-channel standard deviation of the training data (1 for constant channels).
    public var channelStandardDeviations: [Double]

    public init(method: NormalizationMethod, channelMeans: [Double] = [], channelStandardDeviations: [Double] = []) {
        self.method = method
        self.channelMeans = channelMeans
        self.channelStandardDeviations = channelStandardDeviations
    }

    /// Fits `method` on `training` (only `channel` has statistics to fit).
    public static func fit(_ method: NormalizationMethod, on training: SeriesDataset) -> Normalizer {
        guard method == .channel else { return Normalizer(method: method) }
        let C = training.channels
        var sums = [Double](repeating: 0, count: C), squares = [Double](repeating: 0, count: C)
        var counts = [Int](repeating: 0, count: C)
        for n in 0..<training.count {
            let valid = training.validLengths?[n] ?? training.length
            let base = n * training.seriesStride
            for t in 0..<valid {
                for c in 0..<C {
                    let x = Double(training.values[base + t * C + c])
                    sums[c] += x
                    squares[c] += x * x
                    counts[c] += 1
                }
            }
        }
        var means = [Double](repeating: 0, count: C), deviations = [Double](repeating: 1, count: C)
        for c in 0..<C where counts[c] > 0 {
            means[c] = sums[c] / Double(counts[c])
            let variance = max(0, squares[c] / Double(counts[c]) - means[c] * means[c])
            let deviation = variance.squareRoot()
            deviations[c] = deviation < minimumStandardDeviation ? 1 : deviation
        }
        return Normalizer(method: .channel, channelMeans: means, channelStandardDeviations: deviations)
    }

    /// `dataset` normalised; labels, masks, kinds and lengths are unchanged.
    public func apply(to dataset: SeriesDataset) throws -> SeriesDataset {
        var result = dataset
        let C = dataset.channels
        switch method {
        case .none:
            return dataset
        case .channel:
            guard channelMeans.count == C, channelStandardDeviations.count == C else {
                throw DatasetError(message: "the normaliser was fitted on \(channelMeans.count) channels, the data has \(C)")
            }
            for n in 0..<dataset.count {
                let valid = dataset.validLengths?[n] ?? dataset.length
                let base = n * dataset.seriesStride
                for t in 0..<valid {
                    for c in 0..<C {
                        let index = base + t * C + c
                        result.values[index] = Float((Double(dataset.values[index]) - channelMeans[c]) / channelStandardDeviations[c])
                    }
                }
            }
        case .series:
            for n in 0..<dataset.count {
                let valid = dataset.validLengths?[n] ?? dataset.length
                let base = n * dataset.seriesStride
                guard valid > 0 else { continue }
                for c in 0..<C {
                    var sum = 0.0
                    for t in 0..<valid { sum += Double(dataset.values[base + t * C + c]) }
                    let mean = sum / Double(valid)
                    var squared = 0.0
                    for t in 0..<valid {
                        let d = Double(dataset.values[base + t * C + c]) - mean
                        squared += d * d
                    }
                    var deviation = (squared / Double(valid)).squareRoot()
                    if deviation < Normalizer.minimumStandardDeviation { deviation = 1 }
                    for t in 0..<valid {
                        let index = base + t * C + c
                        result.values[index] = Float((Double(dataset.values[index]) - mean) / deviation)
                    }
                }
            }
        }
        return result
    }
}
