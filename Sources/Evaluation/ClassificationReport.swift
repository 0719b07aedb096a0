/// Everything measured on one evaluation (test) set, in one Codable value: class names, counts,
/// the decision threshold (binary), every metric, the confusion matrix, and for binary problems
/// the ROC and precision–recall curves for plotting. `table()` renders it for the terminal.
///
/// Build one with `ClassificationReport.binary(...)` or `ClassificationReport.multiclass(...)`.
/// Exactly one of `binary` / `multiclass` is non-nil, according to `task`.
public struct ClassificationReport: Sendable, Hashable, Codable {
    public enum Task: String, Sendable, Hashable, Codable {
        case binary
        case multiclass
    }

    public let task: Task
    /// Class names in class-index order; for binary, negative (0) then positive (1).
    public let classNames: [String]
    public let sampleCount: Int
    /// Samples per true class, in class-index order.
    public let classCounts: [Int]
    /// The decision threshold (`score >= threshold` is positive); nil for multi-class.
    public let threshold: Double?
    public let binary: BinaryClassificationMetrics?
    public let multiclass: MulticlassClassificationMetrics?
    /// Binary only, and only when requested: `BinaryRanking.rocCurve`.
    public let rocCurve: Curve<ROCPoint>?
    /// Binary only, and only when requested: `BinaryRanking.precisionRecallCurve`.
    public let precisionRecallCurve: Curve<PrecisionRecallPoint>?

    /// A binary report. `scores` are positive-class scores or probabilities, `labels` 0/1.
    /// Curves have one point per distinct score; leave them out (`includeCurves: false`) when
    /// the report is only printed. Throws `EvaluationError` for malformed input.
    public static func binary<Score: BinaryFloatingPoint>(
        scores: [Score],
        labels: [Int],
        threshold: Double = 0.5,
        classNames: [String] = ["0", "1"],
        includeCurves: Bool = true
    ) throws -> ClassificationReport {
        let doubles = scores.map { Double($0) }
        let metrics = try BinaryClassificationMetrics(
            scores: doubles, labels: labels, threshold: threshold, classNames: classNames
        )
        return ClassificationReport(
            task: .binary,
            classNames: classNames,
            sampleCount: metrics.sampleCount,
            classCounts: [metrics.negativeCount, metrics.positiveCount],
            threshold: threshold,
            binary: metrics,
            multiclass: nil,
            rocCurve: includeCurves ? try BinaryRanking.rocCurve(scores: doubles, labels: labels) : nil,
            precisionRecallCurve: includeCurves
                ? try BinaryRanking.precisionRecallCurve(scores: doubles, labels: labels) : nil
        )
    }

    /// A multi-class report from N rows of K class scores; K = `classNames.count`.
    public static func multiclass<Score: BinaryFloatingPoint>(
        probabilities: [[Score]], labels: [Int], classNames: [String]
    ) throws -> ClassificationReport {
        try ClassificationReport(multiclass: MulticlassClassificationMetrics(
            probabilities: probabilities, labels: labels, classNames: classNames
        ))
    }

    /// A multi-class report from a row-major N×K score buffer; K = `classNames.count`.
    public static func multiclass<Score: BinaryFloatingPoint>(
        flatProbabilities: [Score], labels: [Int], classNames: [String]
    ) throws -> ClassificationReport {
        try ClassificationReport(multiclass: MulticlassClassificationMetrics(
            flatProbabilities: flatProbabilities, labels: labels, classNames: classNames
        ))
    }

    /// `["0", "1", ..., "K-1"]`, for data sets without class names.
    public static func numberedClassNames(_ classCount: Int) -> [String] {
        InputValidation.defaultClassNames(classCount)
    }

    private init(multiclass metrics: MulticlassClassificationMetrics) {
        self.init(
            task: .multiclass,
            classNames: metrics.classNames,
            sampleCount: metrics.sampleCount,
            classCounts: metrics.perClass.map(\.support),
            threshold: nil,
            binary: nil,
            multiclass: metrics,
            rocCurve: nil,
            precisionRecallCurve: nil
        )
    }

    private init(
        task: Task, classNames: [String], sampleCount: Int, classCounts: [Int], threshold: Double?,
        binary: BinaryClassificationMetrics?, multiclass: MulticlassClassificationMetrics?,
        rocCurve: Curve<ROCPoint>?, precisionRecallCurve: Curve<PrecisionRecallPoint>?
    ) {
        self.task = task
        self.classNames = classNames
        self.sampleCount = sampleCount
        self.classCounts = classCounts
        self.threshold = threshold
        self.binary = binary
        self.multiclass = multiclass
        self.rocCurve = rocCurve
        self.precisionRecallCurve = precisionRecallCurve
    }

    /// The headline metrics in display order.
    public var namedMetrics: [(name: String, value: MetricValue)] {
        binary?.namedMetrics ?? multiclass?.namedMetrics ?? []
    }

    /// The confusion matrix (rows true, columns predicted).
    public var confusionMatrix: ConfusionMatrix {
        // One of the two is always set by the factory methods, and decoding checks it.
        binary?.confusionMatrix ?? multiclass!.confusionMatrix
    }

    private enum CodingKeys: String, CodingKey {
        case task, classNames, sampleCount, classCounts, threshold, binary, multiclass
        case rocCurve, precisionRecallCurve
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        task = try container.decode(Task.self, forKey: .task)
        classNames = try container.decode([String].self, forKey: .classNames)
        sampleCount = try container.decode(Int.self, forKey: .sampleCount)
        classCounts = try container.decode([Int].self, forKey: .classCounts)
        threshold = try container.decodeIfPresent(Double.self, forKey: .threshold)
        binary = try container.decodeIfPresent(BinaryClassificationMetrics.self, forKey: .binary)
        multiclass = try container.decodeIfPresent(MulticlassClassificationMetrics.self, forKey: .multiclass)
        rocCurve = try container.decodeIfPresent(Curve<ROCPoint>.self, forKey: .rocCurve)
        precisionRecallCurve = try container.decodeIfPresent(
            Curve<PrecisionRecallPoint>.self, forKey: .precisionRecallCurve
        )
        let consistent = task == .binary ? (binary != nil && multiclass == nil) : (multiclass != nil && binary == nil)
        guard consistent else {
            throw DecodingError.dataCorruptedError(
                forKey: .task, in: container,
                debugDescription: "a \(task.rawValue) report needs exactly its own metrics section"
            )
        }
    }
}
