import Datasets
import Evaluation

/// Chooses the series a report draws, reproducibly: no random numbers, only ranks, ties broken by
/// the lower index, so the same scores always give the same examples.
///
/// With explanation scores, anomalous series are ranked by mass inside (the share of the map on the
/// anomaly; a map without mass ranks worst) and picked in this order until `anomalousCount` is
/// reached *and* every kind has its worst and its median series:
/// 1. the worst-localised series overall;
/// 2. for each kind (sorted by name), its worst-localised series;
/// 3. for each kind, its median series (rank ⌊(n − 1)/2⌋) — what the kind typically looks like;
/// 4. the best-localised overall, then the overall quartiles, then the remaining ranks in order.
/// Normal series are ranked by entropy relative to uniform: the least uniform (the seed's claim
/// fails most there) first, then the median, then the rest in order.
///
/// Without scores (no ground truth) the first series of each class by index are taken:
/// `anomalousCount` with label ≠ 0 and `normalCount` with label 0.
public enum ExampleSelection {
    public struct Choice: Sendable, Hashable {
        public let index: Int
        public let role: String
    }

    public static func choose(scores: [SeriesExplanationScore], anomalousCount: Int = 4, normalCount: Int = 2) -> [Choice] {
        var chosen: [Choice] = []
        var taken = Set<Int>()
        func take(_ score: SeriesExplanationScore?, _ role: String) {
            guard let score, taken.insert(score.index).inserted else { return }
            chosen.append(Choice(index: score.index, role: role))
        }

        let anomalous = scores.filter { $0.group != ExplanationSummary.normalGroup }
            .sorted { (($0.massInside ?? -1), $0.index) < (($1.massInside ?? -1), $1.index) }
        take(anomalous.first, "worst localised overall")
        let kinds = Set(anomalous.map(\.group)).sorted()
        for kind in kinds { take(anomalous.first { $0.group == kind }, "worst localised (\(kind))") }
        for kind in kinds {
            let ofKind = anomalous.filter { $0.group == kind }
            take(ofKind[(ofKind.count - 1) / 2], "median (\(kind))")
        }
        if !anomalous.isEmpty {
            let fill = [anomalous.count - 1, (3 * (anomalous.count - 1)) / 4, (anomalous.count - 1) / 4] + Array(anomalous.indices)
            for rank in fill where chosen.count < anomalousCount {
                take(anomalous[rank], rank == anomalous.count - 1 ? "best localised overall" : "rank \(rank + 1) of \(anomalous.count)")
            }
        }

        let normal = scores.filter { $0.group == ExplanationSummary.normalGroup }
            .sorted { (($0.normalisedEntropy ?? -1), $0.index) < (($1.normalisedEntropy ?? -1), $1.index) }
        var normalTaken = 0
        let normalRanks = normal.isEmpty ? [] : [0, (normal.count - 1) / 2] + Array(normal.indices)
        for rank in normalRanks where normalTaken < normalCount {
            let before = chosen.count
            take(normal[rank], rank == 0 ? "normal, least uniform map" : rank == (normal.count - 1) / 2 ? "normal, median entropy" : "normal")
            normalTaken += chosen.count - before
        }
        return chosen
    }

    /// The first `anomalousCount` series with a non-zero label and the first `normalCount` with label 0.
    public static func firstOfEachClass(labels: [Int], anomalousCount: Int = 4, normalCount: Int = 2) -> [Choice] {
        let anomalous = labels.indices.filter { labels[$0] != 0 }.prefix(anomalousCount)
        let normal = labels.indices.filter { labels[$0] == 0 }.prefix(normalCount)
        return anomalous.map { Choice(index: $0, role: "first of class \(labels[$0])") }
            + normal.map { Choice(index: $0, role: "first of class 0") }
    }

    /// The chosen series of `dataset` as report examples: by scores when `summary` is given (it must
    /// have been computed on `dataset`, whose indices it holds), else the first of each class.
    public static func examples(
        from dataset: SeriesDataset, maps: [Float]?, probabilities: [Float]?, summary: ExplanationSummary?,
        anomalousCount: Int = 4, normalCount: Int = 2
    ) -> [ExampleSeries] {
        let choices = summary.map { choose(scores: $0.series, anomalousCount: anomalousCount, normalCount: normalCount) }
            ?? firstOfEachClass(labels: dataset.labels, anomalousCount: anomalousCount, normalCount: normalCount)
        return choices.map { choice in
            ExampleSeries(dataset: dataset, index: choice.index, role: choice.role, maps: maps,
                          probabilities: probabilities, score: summary?.series.first { $0.index == choice.index })
        }
    }
}
