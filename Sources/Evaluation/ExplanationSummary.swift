import Datasets
import Foundation

/// Every explanation score of one series (see `ExplanationScores` for the definitions). Scores
/// that need an anomaly are nil on normal series; scores that need a distribution are nil for a map
/// without positive mass.
public struct SeriesExplanationScore: Sendable, Hashable, Codable {
    /// Index of the series in the data set that was scored.
    public let index: Int
    /// The anomaly kind, `"normal"` for a series with no anomalous step, or `"anomalous"` when the
    /// mask marks steps but the kind is not recorded.
    public let group: String
    public let label: Int
    /// Steps scored (the valid length of a padded series, T otherwise).
    public let length: Int
    /// Anomalous steps L (any channel) within `length`.
    public let anomalyLength: Int
    /// Argmax of the map (first maximum); nil for an empty or all-NaN map.
    public let peakStep: Int?
    public let attentionAccuracy: Double?
    public let pointingHit: Bool?
    public let pointingChance: Double?
    public let massInside: Double?
    public let massRatio: Double?
    public let normalisedEntropy: Double?
}

/// Mean and sample standard deviation (n − 1 denominator) of the defined values of one score.
/// `std` is nil with fewer than two values; the whole statistic is nil with none.
public struct MeanStd: Sendable, Hashable, Codable, CustomStringConvertible {
    public let mean: Double
    public let std: Double?
    public let count: Int

    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        self.mean = mean
        count = values.count
        if values.count < 2 {
            std = nil
        } else {
            let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            std = (squares / Double(values.count - 1)).squareRoot()
        }
    }

    /// `"0.812 ± 0.034"` (three decimals), or `"0.812"` when std is undefined.
    public var description: String {
        let head = Self.format(mean)
        guard let std else { return head }
        return "\(head) ± \(Self.format(std))"
    }

    static func format(_ number: Double) -> String { String(format: "%.3f", number) }
}

/// The scores of one group of series (an anomaly kind, "normal", or all anomalous series).
public struct GroupExplanationSummary: Sendable, Hashable, Codable {
    public let group: String
    public let seriesCount: Int
    public let attentionAccuracy: MeanStd?
    /// Hit rate (mean of 0/1 hits) with its std.
    public let pointingGame: MeanStd?
    /// Mean chance level of the pointing game for these series.
    public let pointingChance: MeanStd?
    public let massInside: MeanStd?
    public let massRatio: MeanStd?
    public let normalisedEntropy: MeanStd?

    init(group: String, scores: [SeriesExplanationScore]) {
        self.group = group
        seriesCount = scores.count
        attentionAccuracy = MeanStd(scores.compactMap(\.attentionAccuracy))
        pointingGame = MeanStd(scores.compactMap { $0.pointingHit.map { $0 ? 1 : 0 } })
        pointingChance = MeanStd(scores.compactMap(\.pointingChance))
        massInside = MeanStd(scores.compactMap(\.massInside))
        massRatio = MeanStd(scores.compactMap(\.massRatio))
        normalisedEntropy = MeanStd(scores.compactMap(\.normalisedEntropy))
    }
}

/// Explanation scores of one model and one map method on one data set, per group: each anomaly kind
/// (sorted by name), then `"all anomalous"`, then `"normal"`. Codable for `explain`'s JSON output and
/// the report.
public struct ExplanationSummary: Sendable, Hashable, Codable {
    /// The model, e.g. `"bilstm-attention"`.
    public let model: String
    /// The map, e.g. `"attention"`, `"cam"`, `"saliency"`.
    public let method: String
    public let windowRadius: Int
    public let pointingTolerance: Int
    public let groups: [GroupExplanationSummary]
    /// Per-series scores, in data-set order (for choosing report examples).
    public let series: [SeriesExplanationScore]

    public static let allAnomalousGroup = "all anomalous"
    public static let normalGroup = "normal"
    public static let unknownKindGroup = "anomalous"

    /// Scores (N, T) `maps` (row-major, series n at `maps[n·T ..< (n+1)·T]`) against `dataset`'s
    /// anomaly mask. Throws `EvaluationError.noAnomalyMask` for data without ground truth and
    /// `.mapSize` when the maps are not (N, T).
    public init(
        model: String, method: String, maps: [Float], dataset: SeriesDataset,
        pointingTolerance: Int = ExplanationScores.defaultPointingTolerance
    ) throws {
        guard let mask = dataset.anomalyMask else { throw EvaluationError.noAnomalyMask }
        let length = dataset.length
        guard maps.count == dataset.count * length else {
            throw EvaluationError.mapSize(count: maps.count, expected: dataset.count * length)
        }
        let timeMask = ExplanationScores.timeMask(mask, count: dataset.count, length: length, channels: dataset.channels)
        var series: [SeriesExplanationScore] = []
        series.reserveCapacity(dataset.count)
        for index in 0..<dataset.count {
            let valid = min(length, dataset.validLengths?[index] ?? length)
            let map = maps[(index * length)..<(index * length + valid)].map { Double($0) }
            let anomaly = Array(timeMask[(index * length)..<(index * length + valid)])
            let anomalyLength = anomaly.lazy.filter { $0 }.count
            let group = anomalyLength == 0
                ? Self.normalGroup : (dataset.anomalyKinds?[index] ?? Self.unknownKindGroup)
            let mass = ExplanationScores.massInside(map: map, anomaly: anomaly)
            series.append(SeriesExplanationScore(
                index: index, group: group, label: dataset.labels[index], length: valid,
                anomalyLength: anomalyLength, peakStep: ExplanationScores.argmax(map),
                attentionAccuracy: ExplanationScores.attentionAccuracy(map: map, anomaly: anomaly),
                pointingHit: ExplanationScores.pointingGame(map: map, anomaly: anomaly, tolerance: pointingTolerance),
                pointingChance: ExplanationScores.pointingChance(anomaly: anomaly, tolerance: pointingTolerance),
                massInside: mass?.share, massRatio: mass?.ratio,
                normalisedEntropy: ExplanationScores.normalisedEntropy(map: map)))
        }
        self.init(model: model, method: method, pointingTolerance: pointingTolerance, series: series)
    }

    /// Groups already computed per-series scores.
    public init(model: String, method: String, pointingTolerance: Int, series: [SeriesExplanationScore]) {
        self.model = model
        self.method = method
        windowRadius = ExplanationScores.seedWindowRadius
        self.pointingTolerance = pointingTolerance
        self.series = series
        let anomalous = series.filter { $0.group != Self.normalGroup }
        let kinds = Set(anomalous.map(\.group)).sorted()
        var groups = kinds.map { kind in GroupExplanationSummary(group: kind, scores: anomalous.filter { $0.group == kind }) }
        if kinds.count > 1 { groups.append(GroupExplanationSummary(group: Self.allAnomalousGroup, scores: anomalous)) }
        let normal = series.filter { $0.group == Self.normalGroup }
        if !normal.isEmpty { groups.append(GroupExplanationSummary(group: Self.normalGroup, scores: normal)) }
        self.groups = groups
    }

    public func group(_ name: String) -> GroupExplanationSummary? { groups.first { $0.group == name } }

    /// The scores as a text table, one row per group, mean ± std; "—" where a score does not apply
    /// (the anomaly scores on normal series).
    public func table() -> String {
        let header = ["group", "n", "attention_accuracy", "pointing (±\(pointingTolerance))", "chance",
                      "mass inside", "mass ratio", "entropy/uniform"]
        let rows = groups.map { group in
            [group.group, String(group.seriesCount)] + [
                group.attentionAccuracy, group.pointingGame, group.pointingChance,
                group.massInside, group.massRatio, group.normalisedEntropy,
            ].map { $0?.description ?? "—" }
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let lines = ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                column == 0 ? pad(cell, widths[column]) : padLeft(cell, widths[column])
            }.joined(separator: "  ")
        }
        return "\(model) · \(method)\n" + lines.joined(separator: "\n")
    }
}
