/// Threshold-free binary metrics computed from the ranking of scores: ROC and precision–recall
/// curves, ROC-AUC, average precision, and the F1-maximising threshold.
///
/// Labels are 0 (negative) and 1 (positive); a sample is predicted positive at threshold `t`
/// when `score >= t`, as scikit-learn's curves assume. Every curve is built on the distinct
/// score values, so tied scores move together — which is what makes ties count ½ in ROC-AUC.
public enum BinaryRanking {
    /// The ROC curve: one point per distinct score, highest threshold first, preceded by the
    /// origin (nothing predicted positive, `threshold == nil`; sklearn uses `+inf` there).
    /// `FPR = FP / N`, `TPR = TP / P` with everything scoring `>= threshold` predicted positive.
    ///
    /// Matches `sklearn.metrics.roc_curve(y, s, drop_intermediate=False)` point for point.
    /// Undefined when either class is absent (one of the rates divides by zero; sklearn warns
    /// and returns NaN).
    public static func rocCurve<Score: BinaryFloatingPoint>(
        scores: [Score], labels: [Int]
    ) throws -> Curve<ROCPoint> {
        let counts = try ThresholdCounts(scores: scores, labels: labels)
        if let reason = counts.missingClassReason { return .undefined(reason: reason) }
        let negatives = Double(counts.negativeCount), positives = Double(counts.positiveCount)
        var points = [ROCPoint(threshold: nil, falsePositiveRate: 0, truePositiveRate: 0)]
        for index in counts.thresholds.indices {
            points.append(ROCPoint(
                threshold: counts.thresholds[index],
                falsePositiveRate: Double(counts.falsePositives[index]) / negatives,
                truePositiveRate: Double(counts.truePositives[index]) / positives
            ))
        }
        return .points(points)
    }

    /// The precision–recall curve in scikit-learn's order: distinct thresholds ascending (recall
    /// falling), then a final point `(precision 1, recall 0)` with `threshold == nil`.
    /// `precision = TP / (TP + FP)`, `recall = TP / P`; precision is always defined on the curve
    /// because every threshold is an observed score, so at least one sample is predicted positive.
    ///
    /// Matches `sklearn.metrics.precision_recall_curve(y, s)` (default `drop_intermediate=False`).
    /// Undefined when there are no positives (sklearn warns and sets recall to 1). With only
    /// positives the curve is defined (precision 1 everywhere), as in sklearn.
    public static func precisionRecallCurve<Score: BinaryFloatingPoint>(
        scores: [Score], labels: [Int]
    ) throws -> Curve<PrecisionRecallPoint> {
        let counts = try ThresholdCounts(scores: scores, labels: labels)
        if counts.sampleCount == 0 { return .undefined(reason: ThresholdCounts.emptyReason) }
        guard counts.positiveCount > 0 else {
            return .undefined(reason: "no positive samples, so recall is 0/0")
        }
        let positives = Double(counts.positiveCount)
        var points: [PrecisionRecallPoint] = []
        points.reserveCapacity(counts.thresholds.count + 1)
        for index in counts.thresholds.indices.reversed() {
            let truePositives = counts.truePositives[index]
            let predictedPositives = truePositives + counts.falsePositives[index]
            points.append(PrecisionRecallPoint(
                threshold: counts.thresholds[index],
                precision: Double(truePositives) / Double(predictedPositives),
                recall: Double(truePositives) / positives
            ))
        }
        points.append(PrecisionRecallPoint(threshold: nil, precision: 1, recall: 0))
        return .points(points)
    }

    /// Area under the ROC curve by the trapezoidal rule over the distinct-threshold ROC curve:
    /// `AUC = Σᵢ (FPᵢ − FPᵢ₋₁)(TPᵢ + TPᵢ₋₁) / (2·P·N)`. This equals the Mann–Whitney statistic
    /// `P(s⁺ > s⁻) + ½·P(s⁺ = s⁻)`: a tie between a positive and a negative counts ½.
    ///
    /// Matches `sklearn.metrics.roc_auc_score(y, s)`. The sum is taken in integers and divided
    /// once, so the result is the exact ratio rounded once (sklearn sums rounded rates; the two
    /// agree to ~1e-15; the integer sum is exact while 2·P·N < 2⁶³). Constant scores give 0.5,
    /// as in sklearn. Undefined when either class is absent (sklearn raises `ValueError`).
    public static func rocAUC<Score: BinaryFloatingPoint>(scores: [Score], labels: [Int]) throws -> MetricValue {
        try ThresholdCounts(scores: scores, labels: labels).rocAUC
    }

    /// Average precision, the step-wise area under the precision–recall curve:
    /// `AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ` over distinct thresholds from highest to lowest, with `R₀ = 0`.
    /// No interpolation: this is not the trapezoidal PR-AUC.
    ///
    /// Matches `sklearn.metrics.average_precision_score(y, s)`. Undefined when either class is
    /// absent: with no positives recall is 0/0, and with only positives AP is 1 whatever the
    /// scores (sklearn returns that 1), which says nothing about the ranking.
    public static func averagePrecision<Score: BinaryFloatingPoint>(
        scores: [Score], labels: [Int]
    ) throws -> MetricValue {
        try ThresholdCounts(scores: scores, labels: labels).averagePrecision
    }

    /// The threshold that maximises F1 on this (validation) set, with its F1, precision and
    /// recall. Candidates are the distinct scores (prediction: `score >= threshold`), which
    /// reach every achievable F1; F1 at a candidate is `2·TP / (TP + FP + P)`.
    ///
    /// Ties: among thresholds with exactly the same maximal F1 (compared as exact fractions, not
    /// floating point) the highest threshold wins — it predicts the fewest positives, so it is
    /// the most conservative choice. The threshold returned is an observed score, so applying it
    /// with `score >= threshold` reproduces the reported F1 on this set exactly.
    /// Undefined (threshold nil) when the set is empty or has no positives (F1 is 0 or 0/0
    /// everywhere, so nothing is being maximised).
    public static func f1MaximisingThreshold<Score: BinaryFloatingPoint>(
        scores: [Score], labels: [Int]
    ) throws -> F1ThresholdChoice {
        let counts = try ThresholdCounts(scores: scores, labels: labels)
        if counts.sampleCount == 0 { return F1ThresholdChoice(undefinedBecause: ThresholdCounts.emptyReason) }
        guard counts.positiveCount > 0 else {
            return F1ThresholdChoice(undefinedBecause: "no positive samples, so F1 is 0 at every threshold")
        }
        // F1 = 2TP / (TP + FP + P); track numerator and denominator to compare exactly.
        var best = 0
        var bestNumerator = -1, bestDenominator = 1
        for index in counts.thresholds.indices {
            let numerator = 2 * counts.truePositives[index]
            let denominator = counts.truePositives[index] + counts.falsePositives[index] + counts.positiveCount
            // Strictly greater, visiting thresholds from highest to lowest: ties keep the higher one.
            if numerator * bestDenominator > bestNumerator * denominator {
                best = index
                bestNumerator = numerator
                bestDenominator = denominator
            }
        }
        let truePositives = counts.truePositives[best]
        return F1ThresholdChoice(
            threshold: counts.thresholds[best],
            f1: .value(Double(bestNumerator) / Double(bestDenominator)),
            precision: .value(Double(truePositives) / Double(truePositives + counts.falsePositives[best])),
            recall: .value(Double(truePositives) / Double(counts.positiveCount))
        )
    }
}

extension BinaryRanking {
    /// The F1-maximising decision point of a (validation) set placed halfway between the lowest
    /// score it calls positive and the highest it calls negative, so that scores of new data just
    /// below the lowest positive seen are not cut off. On this set `score >= cut` makes the same
    /// calls as the threshold of `f1MaximisingThreshold`. Nil when that threshold is undefined.
    public static func f1MaximisingCut<Score: BinaryFloatingPoint>(scores: [Score], labels: [Int]) throws -> Double? {
        guard let threshold = try f1MaximisingThreshold(scores: scores, labels: labels).threshold else { return nil }
        var below: Double?
        for score in scores where Double(score) < threshold { below = max(below ?? Double(score), Double(score)) }
        guard let below else { return threshold }
        return (threshold + below) / 2
    }
}

/// One point of a ROC curve. Samples with `score >= threshold` are predicted positive;
/// `threshold == nil` marks the origin, where the threshold is above every score (sklearn's
/// `+inf`, which JSON cannot carry); in JSON that point simply has no `threshold` key.
public struct ROCPoint: Sendable, Hashable, Codable {
    public let threshold: Double?
    public let falsePositiveRate: Double
    public let truePositiveRate: Double
}

/// One point of a precision–recall curve; `threshold == nil` (no `threshold` key in JSON)
/// marks the final `(precision 1, recall 0)` point, which sklearn appends without a threshold.
public struct PrecisionRecallPoint: Sendable, Hashable, Codable {
    public let threshold: Double?
    public let precision: Double
    public let recall: Double
}

/// A curve, or the reason it cannot be drawn.
/// JSON: `{"points": [...]}` or `{"points": null, "reason": "..."}`, like `MetricValue`.
public enum Curve<Point: Sendable & Hashable & Codable>: Sendable, Hashable, Codable {
    case points([Point])
    case undefined(reason: String)

    public var points: [Point]? {
        if case .points(let points) = self { return points }
        return nil
    }

    public var undefinedReason: String? {
        if case .undefined(let reason) = self { return reason }
        return nil
    }

    private enum CodingKeys: String, CodingKey { case points, reason }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let points = try container.decodeIfPresent([Point].self, forKey: .points) {
            self = .points(points)
        } else {
            self = .undefined(reason: try container.decode(String.self, forKey: .reason))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .points(let points):
            try container.encode(points, forKey: .points)
        case .undefined(let reason):
            try container.encodeNil(forKey: .points)
            try container.encode(reason, forKey: .reason)
        }
    }
}

/// The outcome of `BinaryRanking.f1MaximisingThreshold`. When undefined, `threshold` is nil and
/// the three metrics carry the reason; callers typically fall back with `threshold ?? 0.5`.
public struct F1ThresholdChoice: Sendable, Hashable, Codable {
    public let threshold: Double?
    public let f1: MetricValue
    public let precision: MetricValue
    public let recall: MetricValue

    init(threshold: Double, f1: MetricValue, precision: MetricValue, recall: MetricValue) {
        self.threshold = threshold
        self.f1 = f1
        self.precision = precision
        self.recall = recall
    }

    init(undefinedBecause reason: String) {
        threshold = nil
        f1 = .undefined(reason: reason)
        precision = .undefined(reason: reason)
        recall = .undefined(reason: reason)
    }
}

/// Cumulative confusion counts at each distinct score, highest score first: entry `i` counts
/// the samples with `score >= thresholds[i]`. The same table as scikit-learn's
/// `_binary_clf_curve` (`confusion_matrix_at_thresholds`), from which all curves are read.
struct ThresholdCounts {
    /// Distinct scores, strictly descending.
    let thresholds: [Double]
    let truePositives: [Int]
    let falsePositives: [Int]
    let positiveCount: Int
    let negativeCount: Int

    var sampleCount: Int { positiveCount + negativeCount }

    static let emptyReason = "no samples"

    init<Score: BinaryFloatingPoint>(scores: [Score], labels: [Int]) throws {
        try self.init(scores: scores.map { Double($0) }, labels: labels)
    }

    init(scores: [Double], labels: [Int]) throws {
        try InputValidation.checkBinary(scores: scores, labels: labels)
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var thresholds: [Double] = [], truePositives: [Int] = [], falsePositives: [Int] = []
        var runningPositives = 0, runningNegatives = 0
        for (position, sample) in order.enumerated() {
            if labels[sample] == 1 { runningPositives += 1 } else { runningNegatives += 1 }
            // Record a point at the end of each run of equal scores, so tied samples enter together.
            let isLastOfTie = position == order.count - 1 || scores[order[position + 1]] != scores[sample]
            if isLastOfTie {
                thresholds.append(scores[sample])
                truePositives.append(runningPositives)
                falsePositives.append(runningNegatives)
            }
        }
        self.thresholds = thresholds
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        positiveCount = runningPositives
        negativeCount = runningNegatives
    }

    /// Why ranking metrics that need both classes are undefined, or nil when both are present.
    var missingClassReason: String? {
        if sampleCount == 0 { return Self.emptyReason }
        if positiveCount == 0 { return "only negative samples (class 0) present" }
        if negativeCount == 0 { return "only positive samples (class 1) present" }
        return nil
    }

    var rocAUC: MetricValue {
        if let reason = missingClassReason { return .undefined(reason: reason) }
        // Twice the trapezoid area in count units; exact in integers.
        var doubledArea = 0
        var previousTruePositives = 0, previousFalsePositives = 0
        for index in thresholds.indices {
            doubledArea += (falsePositives[index] - previousFalsePositives) * (truePositives[index] + previousTruePositives)
            previousTruePositives = truePositives[index]
            previousFalsePositives = falsePositives[index]
        }
        return .value(Double(doubledArea) / (2 * Double(positiveCount) * Double(negativeCount)))
    }

    var averagePrecision: MetricValue {
        if let reason = missingClassReason { return .undefined(reason: reason) }
        // Σ ΔTPᵢ · precisionᵢ, divided by P once at the end (ΔRᵢ = ΔTPᵢ / P).
        var sum = 0.0
        var previousTruePositives = 0
        for index in thresholds.indices where truePositives[index] != previousTruePositives {
            let precision = Double(truePositives[index]) / Double(truePositives[index] + falsePositives[index])
            sum += Double(truePositives[index] - previousTruePositives) * precision
            previousTruePositives = truePositives[index]
        }
        return .value(sum / Double(positiveCount))
    }
}
