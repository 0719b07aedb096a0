import Datasets
import Foundation
import Testing
@testable import Evaluation

/// Hand-made maps and masks whose scores can be checked on paper.
@Suite struct ExplanationScoreTests {
    /// A (T) mask with `range` anomalous.
    func mask(_ length: Int, _ range: Range<Int>) -> [Bool] { (0..<length).map { range.contains($0) } }

    /// A (T) map that is 0.1 everywhere and 1 at `peak`.
    func peaked(_ length: Int, at peak: Int) -> [Double] { (0..<length).map { $0 == peak ? 1 : 0.1 } }

    @Test func attentionAccuracyWindowIsTheSeedsHalfOpenRange() {
        let anomaly = mask(50, 20..<25)
        // Peak 22: window [12, 32) covers all 5 anomalous steps.
        #expect(ExplanationScores.attentionAccuracy(map: peaked(50, at: 22), anomaly: anomaly) == 1)
        // Peak 30: window [20, 40) still covers [20, 25).
        #expect(ExplanationScores.attentionAccuracy(map: peaked(50, at: 30), anomaly: anomaly) == 1)
        // Peak 34: window [24, 44) covers step 24 only → 1/5.
        #expect(ExplanationScores.attentionAccuracy(map: peaked(50, at: 34), anomaly: anomaly) == 0.2)
        // Peak 35: window [25, 45) misses it.
        #expect(ExplanationScores.attentionAccuracy(map: peaked(50, at: 35), anomaly: anomaly) == 0)
        // The upper end is exclusive: anomaly at step 20 only, peak 10 → [0, 20) misses, peak 11 → [1, 21) hits.
        let single = mask(50, 20..<21)
        #expect(ExplanationScores.attentionAccuracy(map: peaked(50, at: 10), anomaly: single) == 0)
        #expect(ExplanationScores.attentionAccuracy(map: peaked(50, at: 11), anomaly: single) == 1)
        // The lower end is inclusive: peak 30 → [20, 40) contains 20.
        #expect(ExplanationScores.attentionAccuracy(map: peaked(50, at: 30), anomaly: single) == 1)
        // Clipped at the start: peak 0, window [-10, 10) ∩ [0, 3) = 3 steps.
        #expect(ExplanationScores.attentionAccuracy(map: peaked(50, at: 0), anomaly: mask(50, 0..<3)) == 1)
    }

    @Test func attentionAccuracyCannotExceedTwentyOverLengthForLongAnomalies() {
        // A 40-step anomaly with all the mass inside it still scores 20/40.
        let anomaly = mask(100, 30..<70)
        let perfect = (0..<100).map { (30..<70).contains($0) ? ($0 == 50 ? 2.0 : 1.0) : 0 }
        #expect(ExplanationScores.attentionAccuracy(map: perfect, anomaly: anomaly) == 0.5)
        expectClose(ExplanationScores.massInside(map: perfect, anomaly: anomaly)?.share, 1, "share of a map inside")
    }

    @Test func argmaxTiesTakeTheFirstMaximumAndSkipNaN() {
        #expect(ExplanationScores.argmax([0.2, 0.5, 0.5, 0.1]) == 1)
        #expect(ExplanationScores.argmax([.nan, 0.1, 0.3]) == 2)
        #expect(ExplanationScores.argmax([]) == nil)
        // A uniform map points at step 0, as numpy.argmax.
        #expect(ExplanationScores.attentionAccuracy(map: [Double](repeating: 0.02, count: 50), anomaly: mask(50, 5..<10)) == 1)
    }

    @Test func scoresThatNeedAnAnomalyAreNilOnNormalSeries() {
        let normal = [Bool](repeating: false, count: 30)
        let map = peaked(30, at: 4)
        #expect(ExplanationScores.attentionAccuracy(map: map, anomaly: normal) == nil)
        #expect(ExplanationScores.pointingGame(map: map, anomaly: normal) == nil)
        #expect(ExplanationScores.pointingChance(anomaly: normal) == nil)
        #expect(ExplanationScores.massInside(map: map, anomaly: normal) == nil)
    }

    @Test func pointingGameTolerance() {
        let anomaly = mask(50, 20..<25)
        #expect(ExplanationScores.pointingGame(map: peaked(50, at: 24), anomaly: anomaly, tolerance: 0) == true)
        #expect(ExplanationScores.pointingGame(map: peaked(50, at: 25), anomaly: anomaly, tolerance: 0) == false)
        #expect(ExplanationScores.pointingGame(map: peaked(50, at: 26), anomaly: anomaly, tolerance: 2) == true)
        #expect(ExplanationScores.pointingGame(map: peaked(50, at: 18), anomaly: anomaly, tolerance: 2) == true)
        #expect(ExplanationScores.pointingGame(map: peaked(50, at: 27), anomaly: anomaly, tolerance: 2) == false)
        #expect(ExplanationScores.pointingGame(map: peaked(50, at: 17), anomaly: anomaly) == false)
        // Chance: steps 18...26 are within 2 of the anomaly → 9/50; with tolerance 0, 5/50.
        #expect(ExplanationScores.pointingChance(anomaly: anomaly) == 9.0 / 50)
        #expect(ExplanationScores.pointingChance(anomaly: anomaly, tolerance: 0) == 5.0 / 50)
        // Dilation is clipped at both ends: anomaly at 0 and 49 with tolerance 2 → {0,1,2,47,48,49}.
        #expect(ExplanationScores.pointingChance(anomaly: (0..<50).map { $0 == 0 || $0 == 49 }) == 6.0 / 50)
    }

    @Test func massInsideShareAndRatio() throws {
        let anomaly = mask(10, 2..<4)
        // Uniform: share = L/T = 0.2, ratio 1.
        let uniform = try #require(ExplanationScores.massInside(map: [Double](repeating: 3, count: 10), anomaly: anomaly))
        expectClose(uniform.share, 0.2, "uniform share")
        expectClose(uniform.ratio, 1, "uniform ratio")
        // All mass inside: share 1, ratio T/L = 5.
        let inside = try #require(ExplanationScores.massInside(map: (0..<10).map { $0 == 2 ? 1 : ($0 == 3 ? 3 : 0) }, anomaly: anomaly))
        #expect(inside.share == 1)
        #expect(inside.ratio == 5)
        // Negative values are clipped: [-1, 1, 1, 2] with the last step anomalous → 2/4, ratio 0.5/0.25.
        let clipped = try #require(ExplanationScores.massInside(map: [-1, 1, 1, 2], anomaly: [false, false, false, true]))
        #expect(clipped.share == 0.5)
        #expect(clipped.ratio == 2)
        // No positive mass: no distribution.
        #expect(ExplanationScores.massInside(map: [0, -1, 0, 0], anomaly: [false, true, false, false]) == nil)
    }

    @Test func normalisedEntropyAgainstUniform() throws {
        expectClose(ExplanationScores.normalisedEntropy(map: [Double](repeating: 0.25, count: 4)), 1, "uniform")
        #expect(ExplanationScores.normalisedEntropy(map: [0, 0, 5, 0]) == 0)
        // Two equal steps of four: log 2 / log 4 = 1/2.
        expectClose(ExplanationScores.normalisedEntropy(map: [0, 1, 1, 0]), 0.5, "two of four")
        // (0.5, 0.25, 0.25) of 3: H = 1.5 log 2; / log 3.
        expectClose(ExplanationScores.normalisedEntropy(map: [2, 1, 1]), 1.5 * log(2) / log(3), "halves and quarters")
        #expect(ExplanationScores.normalisedEntropy(map: [1]) == nil)
        #expect(ExplanationScores.normalisedEntropy(map: [0, 0]) == nil)
    }

    @Test func timeMaskMarksAStepWhenAnyChannelIs() {
        // N = 2, T = 3, C = 2.
        let mask: [UInt8] = [0, 0, 1, 0, 0, 1,
                             0, 0, 0, 0, 1, 1]
        #expect(ExplanationScores.timeMask(mask, count: 2, length: 3, channels: 2) == [false, true, true, false, false, true])
    }

    @Test func meanAndSampleStandardDeviation() throws {
        let statistic = try #require(MeanStd([1, 2, 3, 4]))
        #expect(statistic.mean == 2.5)
        expectClose(statistic.std, (5.0 / 3.0).squareRoot(), "std of 1...4")
        #expect(statistic.description == "2.500 ± 1.291")
        #expect(MeanStd([0.5])?.std == nil)
        #expect(MeanStd([0.5])?.description == "0.500")
        #expect(MeanStd([]) == nil)
    }

    /// Four series of T = 8, C = 2: normal, flat on [2, 4) channel 1, flat on [5, 8) channel 0, and
    /// spike at 6 channel 0; the last series is padded to valid length 7.
    func tinyDataset() -> SeriesDataset {
        let count = 4, length = 8, channels = 2
        var mask = [UInt8](repeating: 0, count: count * length * channels)
        for step in 2..<4 { mask[(1 * length + step) * channels + 1] = 1 }
        for step in 5..<8 { mask[(2 * length + step) * channels + 0] = 1 }
        mask[(3 * length + 6) * channels + 0] = 1
        return SeriesDataset(
            count: count, length: length, channels: channels,
            values: (0..<(count * length * channels)).map { Float($0) }, labels: [0, 1, 1, 1],
            classNames: ["normal", "anomalous"], anomalyMask: mask,
            anomalyKinds: [nil, "flat", "flat", "spike"], validLengths: [8, 8, 8, 7])
    }

    @Test func summaryGroupsByKindWithNormalLast() throws {
        let dataset = tinyDataset()
        let maps: [Float] = [
            1, 1, 1, 1, 1, 1, 1, 1,  // normal, uniform → entropy 1
            0, 0, 1, 1, 0, 0, 0, 0,  // flat [2,4): all mass inside, peak 2
            0, 1, 0, 0, 0, 0, 0, 0,  // flat [5,8): peak 1, 3 steps from 4 → pointing miss at tol 2
            0, 0, 0, 0, 0, 0, 1, 9,  // spike at 6; step 7 is padding and must be ignored
        ]
        let summary = try ExplanationSummary(model: "hand", method: "made", maps: maps, dataset: dataset)
        #expect(summary.groups.map(\.group) == ["flat", "spike", "all anomalous", "normal"])
        let series = summary.series
        #expect(series.map(\.group) == ["normal", "flat", "flat", "spike"])
        #expect(series.map(\.anomalyLength) == [0, 2, 3, 1])
        #expect(series.map(\.length) == [8, 8, 8, 7])
        #expect(series.map(\.peakStep) == [0, 2, 1, 6])
        #expect(series.map(\.pointingHit) == [nil, true, false, true])
        #expect(series[0].normalisedEntropy == 1)
        #expect(series[1].massInside == 1)
        #expect(series[1].massRatio == 4)
        #expect(series[2].massInside == 0)
        #expect(series[3].massRatio == 7)
        // attention_accuracy: every window of ±10 covers these short series entirely.
        #expect(series.map(\.attentionAccuracy) == [nil, 1, 1, 1])

        let flat = try #require(summary.group("flat"))
        #expect(flat.seriesCount == 2)
        #expect(flat.pointingGame?.mean == 0.5)
        #expect(flat.massInside?.mean == 0.5)
        expectClose(flat.massInside?.std, 0.5.squareRoot(), "std of {1, 0}")
        #expect(summary.group("all anomalous")?.seriesCount == 3)
        #expect(summary.group("normal")?.attentionAccuracy == nil)
        #expect(summary.group("normal")?.normalisedEntropy?.mean == 1)

        let table = summary.table()
        #expect(table.contains("hand · made"))
        #expect(table.split(separator: "\n").count == 2 + summary.groups.count)

        // Codable round trip.
        let decoded = try JSONDecoder().decode(ExplanationSummary.self, from: JSONEncoder().encode(summary))
        #expect(decoded == summary)
    }

    @Test func summaryRejectsDataWithoutGroundTruthOrWrongMaps() {
        var dataset = tinyDataset()
        #expect(throws: EvaluationError.mapSize(count: 3, expected: 32)) {
            try ExplanationSummary(model: "m", method: "x", maps: [1, 2, 3], dataset: dataset)
        }
        dataset.anomalyMask = nil
        #expect(throws: EvaluationError.noAnomalyMask) {
            try ExplanationSummary(model: "m", method: "x", maps: [Float](repeating: 1, count: 32), dataset: dataset)
        }
    }
}
