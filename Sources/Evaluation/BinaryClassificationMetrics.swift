/// Binary classification metrics for one evaluation set at one decision threshold, plus the
/// threshold-free ranking metrics (ROC-AUC, average precision).
///
/// Inputs: `scores[i]` is the model's score or probability for the positive class (class 1)
/// and `labels[i]` is 0 or 1. Sample `i` is predicted positive when `scores[i] >= threshold`
/// (the same `>=` as scikit-learn's curves; the default 0.5 suits probabilities).
///
/// Definitions (TP, FP, TN, FN at the threshold; P = TP + FN, N = TN + FP) and the sklearn
/// function each matches, with `y_pred = (s >= t)`:
///
/// | metric              | definition                 | sklearn                                   | undefined when            |
/// |---------------------|----------------------------|-------------------------------------------|---------------------------|
/// | accuracy            | (TP + TN) / (P + N)        | `accuracy_score`                          | empty                     |
/// | precision           | TP / (TP + FP)             | `precision_score`                         | no predicted positives ¹  |
/// | recall (TPR)        | TP / P                     | `recall_score`                            | no positives ¹            |
/// | specificity (TNR)   | TN / N                     | `recall_score(pos_label=0)`               | no negatives ¹            |
/// | F1                  | 2TP / (2TP + FP + FN)      | `f1_score`                                | TP + FP + FN = 0 ¹        |
/// | balanced accuracy   | (recall + specificity) / 2 | `balanced_accuracy_score`                 | either class absent ²     |
/// | ROC-AUC             | see `BinaryRanking.rocAUC` | `roc_auc_score`                           | either class absent ³     |
/// | average precision   | see `BinaryRanking.averagePrecision` | `average_precision_score`       | either class absent ⁴     |
///
/// Where we differ from scikit-learn, on purpose:
/// 1. sklearn returns 0 with an `UndefinedMetricWarning` for 0/0; a warning does not survive
///    into a JSON report, so we say "undefined" and why. F1 follows sklearn's definition, so it
///    is 0 (defined) when there are positives but no predicted positives.
/// 2. sklearn warns and averages the recall of the one class present; that number is a recall,
///    not a balanced accuracy.
/// 3. sklearn raises `ValueError`.
/// 4. sklearn returns a value (1 with only positives; with no positives it warns); neither
///    describes the ranking.
public struct BinaryClassificationMetrics: Sendable, Hashable, Codable {
    /// Predicted positive when `score >= threshold`.
    public let threshold: Double
    public let sampleCount: Int
    public let positiveCount: Int
    public let negativeCount: Int
    public let truePositives: Int
    public let falsePositives: Int
    public let trueNegatives: Int
    public let falseNegatives: Int

    public let accuracy: MetricValue
    public let precision: MetricValue
    public let recall: MetricValue
    public let specificity: MetricValue
    public let f1: MetricValue
    public let balancedAccuracy: MetricValue
    public let rocAUC: MetricValue
    public let averagePrecision: MetricValue

    /// 2×2, rows true class, columns predicted: `[[TN, FP], [FN, TP]]`, as sklearn.
    public let confusionMatrix: ConfusionMatrix

    /// Computes every metric. `classNames` label the confusion matrix (negative first).
    /// Throws `EvaluationError` for malformed input (length mismatch, a label other than 0/1,
    /// a non-finite score or threshold); degenerate input gives undefined metrics instead.
    public init<Score: BinaryFloatingPoint>(
        scores: [Score], labels: [Int], threshold: Double = 0.5, classNames: [String] = ["0", "1"]
    ) throws {
        try self.init(scores: scores.map { Double($0) }, labels: labels, threshold: threshold, classNames: classNames)
    }

    public init(
        scores: [Double], labels: [Int], threshold: Double = 0.5, classNames: [String] = ["0", "1"]
    ) throws {
        guard threshold.isFinite else { throw EvaluationError.nonFiniteThreshold(threshold) }
        try InputValidation.checkClassNames(classNames, classCount: 2)
        let ranking = try ThresholdCounts(scores: scores, labels: labels)
        let predicted = scores.map { $0 >= threshold ? 1 : 0 }
        let matrix = try ConfusionMatrix(classNames: classNames, trueLabels: labels, predictedLabels: predicted)
        let truePositives = matrix[1, 1], falsePositives = matrix[0, 1]
        let trueNegatives = matrix[0, 0], falseNegatives = matrix[1, 0]
        let positives = truePositives + falseNegatives, negatives = trueNegatives + falsePositives

        self.threshold = threshold
        sampleCount = scores.count
        positiveCount = positives
        negativeCount = negatives
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
        confusionMatrix = matrix

        accuracy = .ratio(truePositives + trueNegatives, scores.count, undefinedBecause: ThresholdCounts.emptyReason)
        precision = .ratio(truePositives, truePositives + falsePositives,
                           undefinedBecause: "no predicted positives (TP + FP = 0)")
        recall = .ratio(truePositives, positives, undefinedBecause: "no positive samples (TP + FN = 0)")
        specificity = .ratio(trueNegatives, negatives, undefinedBecause: "no negative samples (TN + FP = 0)")
        f1 = .ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives,
                    undefinedBecause: "no positive samples and no predicted positives (TP + FP + FN = 0)")
        if let reason = ranking.missingClassReason {
            balancedAccuracy = .undefined(reason: reason)
        } else {
            // Both classes present, so both rates are defined; same arithmetic as sklearn's mean.
            balancedAccuracy = .value(
                (Double(truePositives) / Double(positives) + Double(trueNegatives) / Double(negatives)) / 2
            )
        }
        rocAUC = ranking.rocAUC
        averagePrecision = ranking.averagePrecision
    }

    /// The metrics in display order, as (name, value) rows for tables.
    public var namedMetrics: [(name: String, value: MetricValue)] {
        [
            ("accuracy", accuracy),
            ("precision", precision),
            ("recall (sensitivity)", recall),
            ("specificity", specificity),
            ("F1", f1),
            ("balanced accuracy", balancedAccuracy),
            ("ROC-AUC", rocAUC),
            ("average precision", averagePrecision),
        ]
    }
}
