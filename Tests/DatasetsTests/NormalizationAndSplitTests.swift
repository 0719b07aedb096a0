import Foundation
import Testing
@testable import Datasets

@Suite struct NormalizationAndSplitTests {
    func dataset() throws -> SeriesDataset {
        var configuration = SyntheticConfiguration()
        configuration.count = 300
        configuration.length = 40
        configuration.normalRatio = 0.8
        configuration.channels = [.sine, .randomWalk]
        configuration.kind = .mixed
        configuration.seed = 5
        return try configuration.generate()
    }

    @Test func stratifiedSplitKeepsProportionsAndGroundTruth() throws {
        let data = try dataset()
        let split = try data.stratifiedSplit(seed: 3)
        #expect(split.train.count + split.validation.count + split.test.count == 300)
        #expect(Set(split.trainIndices + split.validationIndices + split.testIndices).count == 300)
        // 240 normal / 60 anomalous: 36 + 36 validation and test normal, 9 + 9 anomalous.
        #expect(split.validation.labels.filter { $0 == 1 }.count == 9)
        #expect(split.test.labels.filter { $0 == 1 }.count == 9)
        #expect(split.train.labels.filter { $0 == 1 }.count == 42)
        #expect(split.validation.count == 45 && split.test.count == 45 && split.train.count == 210)
        // Masks, kinds and values follow their series.
        for (position, index) in split.testIndices.enumerated() {
            let stride = data.seriesStride
            #expect(Array(split.test.anomalyMask![(position * stride)..<((position + 1) * stride)]) == Array(data.anomalyMask![(index * stride)..<((index + 1) * stride)]))
            #expect(split.test.anomalyKinds![position] == data.anomalyKinds![index])
            #expect(split.test.values[position * stride] == data.values[index * stride])
        }
        #expect(try data.stratifiedSplit(seed: 3) == split)
        #expect(try data.stratifiedSplit(seed: 4).testIndices != split.testIndices)
        #expect(throws: DatasetError.self) { try data.stratifiedSplit(SplitFractions(train: 0.5, validation: 0.5, test: 0.5), seed: 1) }
    }

    @Test func validationCarvedFromATrainingFile() throws {
        let train = try SeriesDataset.load(path: Fixtures.ucr("ArrowHead", "TRAIN"))
        let (rest, validation) = try train.carvingValidation(fraction: 0.25, seed: 9)
        #expect(validation.count == 9 && rest.count == 27)
        for c in 0..<3 { #expect(validation.labels.filter { $0 == c }.count == 3) }
    }

    @Test func perSeriesZScore() throws {
        let data = try dataset()
        let normalized = try Normalizer.fit(.series, on: data).apply(to: data)
        for n in [0, 17, 299] {
            for c in 0..<2 {
                let xs = (0..<40).map { Double(normalized.values[(n * 40 + $0) * 2 + c]) }
                let mean = xs.reduce(0, +) / 40
                let sd = (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 40).squareRoot()
                #expect(abs(mean) < 1e-5 && abs(sd - 1) < 1e-4, "series \(n) channel \(c)")
            }
        }
        #expect(normalized.anomalyMask == data.anomalyMask && normalized.labels == data.labels)
    }

    @Test func constantSeriesBecomesZeros() throws {
        let constant = SeriesDataset(count: 1, length: 4, channels: 1, values: [3, 3, 3, 3], labels: [0], classNames: ["a"])
        #expect(try Normalizer.fit(.series, on: constant).apply(to: constant).values == [0, 0, 0, 0])
        let fitted = Normalizer.fit(.channel, on: constant)
        #expect(fitted.channelMeans == [3] && fitted.channelStandardDeviations == [1])
    }

    @Test func channelStatisticsComeFromTrainingOnly() throws {
        let split = try dataset().stratifiedSplit(seed: 1)
        let normalizer = Normalizer.fit(.channel, on: split.train)
        let train = try normalizer.apply(to: split.train)
        let test = try normalizer.apply(to: split.test)
        for c in 0..<2 {
            let trainValues = stride(from: c, to: train.values.count, by: 2).map { Double(train.values[$0]) }
            let mean = trainValues.reduce(0, +) / Double(trainValues.count)
            let sd = (trainValues.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(trainValues.count)).squareRoot()
            #expect(abs(mean) < 1e-4 && abs(sd - 1) < 1e-3, "channel \(c)")
            // Test values use the training statistics, not their own.
            let raw = split.test.values[c], expected = (Double(raw) - normalizer.channelMeans[c]) / normalizer.channelStandardDeviations[c]
            #expect(abs(Double(test.values[c]) - expected) < 1e-5)
        }
        let refitted = Normalizer.fit(.channel, on: split.test)
        #expect(refitted.channelMeans != normalizer.channelMeans)
        let json = try JSONEncoder().encode(normalizer)
        #expect(try JSONDecoder().decode(Normalizer.self, from: json) == normalizer)
    }

    @Test func paddingIsIgnoredByStatistics() throws {
        let data = SeriesDataset(count: 2, length: 3, channels: 1, values: [1, 3, 0, 2, 4, 6], labels: [0, 1], classNames: ["a", "b"], validLengths: [2, 3])
        let normalized = try Normalizer.fit(.series, on: data).apply(to: data)
        // Series 0 uses only (1, 3); series 1 is (2, 4, 6): mean 4, σ = √(8/3), so ±2/σ = ±√1.5.
        let expected: [Double] = [-1, 1, 0, -(1.5.squareRoot()), 0, 1.5.squareRoot()]
        for (value, want) in zip(normalized.values, expected) { #expect(abs(Double(value) - want) < 1e-6) }
        let channel = Normalizer.fit(.channel, on: data)
        #expect(channel.channelMeans == [16.0 / 5])
    }
}
