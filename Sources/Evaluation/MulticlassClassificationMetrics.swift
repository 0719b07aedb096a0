/// Multi-class metrics from K class scores per sample (probabilities, or any scores whose
/// larger-is-more-likely order is meaningful, such as logits).
///
/// Input: N rows of K scores (`[[Score]]`, or flat row-major N×K) and labels in `0..<K`.
/// The predicted class is the argmax of the row; exact ties go to the lowest class index, as
/// `numpy.argmax` does.
///
/// Per class c (TPc = correct predictions of c, FPc = others predicted as c, FNc = c predicted
/// as something else; support = TPc + FNc):
/// - precision = TPc / (TPc + FPc), recall = TPc / support, F1 = 2TPc / (2TPc + FPc + FNc),
///   matching `precision_recall_fscore_support(y, argmax, labels=range(K), average=None)`;
///   undefined (with the reason) when the denominator is 0.
/// - one-vs-rest ROC-AUC = `roc_auc_score(y == c, scores[:, c])`; undefined when class c has no
///   samples or every sample is class c.
///
/// Averages, over all K classes (sklearn with `labels=range(K)`):
/// - macro = unweighted mean over classes; weighted = mean weighted by support. As in sklearn's
///   default (`zero_division=0`), an undefined per-class value counts as 0 in these averages —
///   the per-class entries stay explicitly undefined, so the table shows which class caused it.
///   The averages are undefined only for an empty set.
/// - macro one-vs-rest ROC-AUC = mean of the K per-class AUCs, matching
///   `roc_auc_score(y, scores, multi_class="ovr", average="macro", labels=range(K))`.
///   Undefined if any class's AUC is undefined (sklearn raises). Unlike sklearn, rows need not
///   sum to 1: each class's AUC depends only on the order of its column, so for probabilities
///   the values are identical and for logits they are still meaningful.
public struct MulticlassClassificationMetrics: Sendable, Hashable, Codable {
    public let classNames: [String]
    public let sampleCount: Int
    /// Fraction of samples whose argmax is the true class (`accuracy_score`).
    public let accuracy: MetricValue
    public let macroPrecision: MetricValue
    public let macroRecall: MetricValue
    public let macroF1: MetricValue
    public let weightedPrecision: MetricValue
    public let weightedRecall: MetricValue
    public let weightedF1: MetricValue
    public let macroROCAUC: MetricValue
    /// One entry per class, in class-index order.
    public let perClass: [PerClassMetrics]
    /// K×K, rows true class, columns predicted (argmax) class.
    public let confusionMatrix: ConfusionMatrix

    public var classCount: Int { classNames.count }

    /// `probabilities[i]` holds the K scores of sample i; K = `classNames.count` >= 2.
    public init<Score: BinaryFloatingPoint>(
        probabilities: [[Score]], labels: [Int], classNames: [String]
    ) throws {
        var flat: [Double] = []
        flat.reserveCapacity(probabilities.count * classNames.count)
        for (index, row) in probabilities.enumerated() {
            guard row.count == classNames.count else {
                throw EvaluationError.raggedRow(index: index, count: row.count, expected: classNames.count)
            }
            flat.append(contentsOf: row.lazy.map { Double($0) })
        }
        try self.init(flatScores: flat, labels: labels, classNames: classNames)
    }

    /// `flatProbabilities` is row-major N×K (sample i's scores at `i*K ..< (i+1)*K`),
    /// K = `classNames.count` >= 2 — the layout of a softmax output buffer.
    public init<Score: BinaryFloatingPoint>(
        flatProbabilities: [Score], labels: [Int], classNames: [String]
    ) throws {
        try self.init(flatScores: flatProbabilities.map { Double($0) }, labels: labels, classNames: classNames)
    }

    private init(flatScores scores: [Double], labels: [Int], classNames: [String]) throws {
        let classCount = classNames.count
        guard classCount >= 2 else { throw EvaluationError.tooFewClasses(classCount) }
        guard scores.count % classCount == 0 else {
            throw EvaluationError.flatBufferSize(count: scores.count, classCount: classCount)
        }
        let sampleCount = scores.count / classCount
        guard sampleCount == labels.count else {
            throw EvaluationError.countMismatch(scores: sampleCount, labels: labels.count)
        }
        try InputValidation.checkLabels(labels, classCount: classCount)
        if let index = scores.firstIndex(where: { !$0.isFinite }) {
            throw EvaluationError.nonFiniteScore(index: index)
        }

        let predicted = (0..<sampleCount).map { sample in
            Self.argmax(scores[(sample * classCount)..<((sample + 1) * classCount)])
        }
        let matrix = try ConfusionMatrix(classNames: classNames, trueLabels: labels, predictedLabels: predicted)

        var perClass: [PerClassMetrics] = []
        for classIndex in 0..<classCount {
            let column = (0..<sampleCount).map { scores[$0 * classCount + classIndex] }
            let isClass = labels.map { $0 == classIndex ? 1 : 0 }
            perClass.append(try PerClassMetrics(
                classIndex: classIndex, confusionMatrix: matrix, columnScores: column, isClass: isClass
            ))
        }

        self.classNames = classNames
        self.sampleCount = sampleCount
        self.perClass = perClass
        confusionMatrix = matrix
        let correct = (0..<classCount).reduce(0) { $0 + matrix.correct(for: $1) }
        accuracy = .ratio(correct, sampleCount, undefinedBecause: ThresholdCounts.emptyReason)

        func macro(_ metric: KeyPath<PerClassMetrics, MetricValue>) -> MetricValue {
            guard sampleCount > 0 else { return .undefined(reason: ThresholdCounts.emptyReason) }
            return .value(perClass.reduce(0) { $0 + $1[keyPath: metric].valueOrZero } / Double(classCount))
        }
        func weighted(_ metric: KeyPath<PerClassMetrics, MetricValue>) -> MetricValue {
            guard sampleCount > 0 else { return .undefined(reason: ThresholdCounts.emptyReason) }
            let total = perClass.reduce(0) { $0 + Double($1.support) * $1[keyPath: metric].valueOrZero }
            return .value(total / Double(sampleCount))
        }
        macroPrecision = macro(\.precision)
        macroRecall = macro(\.recall)
        macroF1 = macro(\.f1)
        weightedPrecision = weighted(\.precision)
        weightedRecall = weighted(\.recall)
        weightedF1 = weighted(\.f1)
        if sampleCount == 0 {
            macroROCAUC = .undefined(reason: ThresholdCounts.emptyReason)
        } else if let undefinedClass = perClass.first(where: { !$0.rocAUC.isDefined }) {
            macroROCAUC = .undefined(
                reason: "class '\(undefinedClass.className)': \(undefinedClass.rocAUC.undefinedReason ?? "")"
            )
        } else {
            macroROCAUC = .value(perClass.reduce(0) { $0 + ($1.rocAUC.value ?? 0) } / Double(classCount))
        }
    }

    /// Index of the largest score; the first one on exact ties (numpy's argmax).
    static func argmax(_ row: ArraySlice<Double>) -> Int {
        var best = row.startIndex
        for index in row.indices where row[index] > row[best] { best = index }
        return best - row.startIndex
    }

    /// The metrics in display order, as (name, value) rows for tables.
    public var namedMetrics: [(name: String, value: MetricValue)] {
        [
            ("accuracy", accuracy),
            ("macro precision", macroPrecision),
            ("macro recall", macroRecall),
            ("macro F1", macroF1),
            ("weighted precision", weightedPrecision),
            ("weighted recall", weightedRecall),
            ("weighted F1", weightedF1),
            ("macro ROC-AUC (one-vs-rest)", macroROCAUC),
        ]
    }
}

/// Metrics of one class of a multi-class problem; see `MulticlassClassificationMetrics`.
public struct PerClassMetrics: Sendable, Hashable, Codable {
    public let className: String
    /// Samples whose true class is this one.
    public let support: Int
    /// Samples predicted (argmax) as this class.
    public let predictedCount: Int
    public let precision: MetricValue
    public let recall: MetricValue
    public let f1: MetricValue
    /// One-vs-rest ROC-AUC of this class's score column.
    public let rocAUC: MetricValue

    init(classIndex: Int, confusionMatrix matrix: ConfusionMatrix, columnScores: [Double], isClass: [Int]) throws {
        let name = matrix.classNames[classIndex]
        let truePositives = matrix.correct(for: classIndex)
        let support = matrix.support(of: classIndex)
        let predictedCount = matrix.predictedCount(of: classIndex)
        let falsePositives = predictedCount - truePositives, falseNegatives = support - truePositives
        className = name
        self.support = support
        self.predictedCount = predictedCount
        precision = .ratio(truePositives, predictedCount, undefinedBecause: "no samples predicted as '\(name)'")
        recall = .ratio(truePositives, support, undefinedBecause: "no samples of class '\(name)'")
        f1 = .ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives,
                    undefinedBecause: "class '\(name)' neither present nor predicted")
        let ranking = try ThresholdCounts(scores: columnScores, labels: isClass)
        if ranking.sampleCount == 0 {
            rocAUC = .undefined(reason: ThresholdCounts.emptyReason)
        } else if ranking.positiveCount == 0 {
            rocAUC = .undefined(reason: "no samples of class '\(name)'")
        } else if ranking.negativeCount == 0 {
            rocAUC = .undefined(reason: "every sample is class '\(name)'")
        } else {
            rocAUC = ranking.rocAUC
        }
    }
}
