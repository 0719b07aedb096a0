import Datasets
import Evaluation
import Training

/// One test series as the report shows it: the signal, the importance map and the true anomaly.
public struct ExampleSeries: Sendable, Hashable, Codable {
    /// Index in the evaluated data set.
    public var index: Int
    /// Why it was chosen, e.g. "worst localised (flat)"; see `ExampleSelection`.
    public var role: String
    public var label: Int
    public var className: String
    /// Anomaly kind, nil for normal series.
    public var kind: String?
    /// Model's P(class 1), when predicted.
    public var probability: Double?
    /// Steps shown (the valid length).
    public var length: Int
    public var channels: Int
    /// (T, C) values, row-major.
    public var values: [Float]
    /// (T) importance map, when the model (or method) makes one.
    public var importance: [Float]?
    /// (T) true when any channel is anomalous at that step.
    public var anomaly: [Bool]?
    /// The explanation scores of this series, when scored.
    public var score: SeriesExplanationScore?

    public init(index: Int, role: String, label: Int, className: String, kind: String?, probability: Double?,
                length: Int, channels: Int, values: [Float], importance: [Float]?, anomaly: [Bool]?,
                score: SeriesExplanationScore?) {
        precondition(values.count == length * channels, "values must be (T, C)")
        precondition(importance == nil || importance!.count == length, "importance must be (T)")
        precondition(anomaly == nil || anomaly!.count == length, "anomaly must be (T)")
        self.index = index
        self.role = role
        self.label = label
        self.className = className
        self.kind = kind
        self.probability = probability
        self.length = length
        self.channels = channels
        self.values = values
        self.importance = importance
        self.anomaly = anomaly
        self.score = score
    }

    /// Series `index` of `dataset`, cut to its valid length, with the (N, T) `maps` row and the
    /// (N) `probabilities` entry when given.
    public init(dataset: SeriesDataset, index: Int, role: String, maps: [Float]?, probabilities: [Float]?,
                score: SeriesExplanationScore? = nil) {
        let length = min(dataset.length, dataset.validLengths?[index] ?? dataset.length)
        let stride = dataset.seriesStride
        let start = index * stride
        let anomaly = dataset.anomalyMask.map { mask in
            ExplanationScores.timeMask(Array(mask[start..<(start + length * dataset.channels)]),
                                       count: 1, length: length, channels: dataset.channels)
        }
        let label = dataset.labels[index]
        self.init(
            index: index, role: role, label: label,
            className: label < dataset.classNames.count ? dataset.classNames[label] : String(label),
            kind: dataset.anomalyKinds?[index] ?? nil,
            probability: probabilities.map { Double($0[index]) }, length: length, channels: dataset.channels,
            values: Array(dataset.values[start..<(start + length * dataset.channels)]),
            importance: maps.map { Array($0[(index * dataset.length)..<(index * dataset.length + length)]) },
            anomaly: anomaly, score: score)
    }
}

/// Everything `train`, `evaluate` and `explain` put in one report. Every part is optional except
/// the title, so each command fills what it has.
public struct RunReportInput: Sendable, Codable {
    public var title: String
    /// The command line or a one-line description of the run.
    public var command: String
    /// Run settings (model, data, training configuration …), shown sorted by key.
    public var settings: [String: String]
    /// Loss per epoch, from `TrainingResult.history`.
    public var history: [EpochRecord]
    /// The test-set metrics and curves.
    public var classification: ClassificationReport?
    /// Explanation scores per anomaly kind (and per series).
    public var explanation: ExplanationSummary?
    /// Series to draw; use `ExampleSelection` to choose them reproducibly.
    public var examples: [ExampleSeries]

    public init(title: String, command: String = "", settings: [String: String] = [:], history: [EpochRecord] = [],
                classification: ClassificationReport? = nil, explanation: ExplanationSummary? = nil,
                examples: [ExampleSeries] = []) {
        self.title = title
        self.command = command
        self.settings = settings
        self.history = history
        self.classification = classification
        self.explanation = explanation
        self.examples = examples
    }
}

/// One model in `compare`: its headline numbers and its explanation scores per group.
public struct ModelComparison: Sendable, Codable {
    public var model: String
    /// The importance-map method scored for this row ("attention", "cam", "saliency").
    public var method: String
    public var accuracy: Double?
    public var rocAUC: Double?
    /// Wall-clock training time in seconds (sum of `EpochRecord.seconds`).
    public var trainingSeconds: Double?
    public var parameterCount: Int?
    /// Explanation scores per anomaly kind, "all anomalous" and "normal" (`ExplanationSummary.groups`).
    public var groups: [GroupExplanationSummary]

    public init(model: String, method: String, accuracy: Double?, rocAUC: Double?, trainingSeconds: Double?,
                parameterCount: Int?, groups: [GroupExplanationSummary]) {
        self.model = model
        self.method = method
        self.accuracy = accuracy
        self.rocAUC = rocAUC
        self.trainingSeconds = trainingSeconds
        self.parameterCount = parameterCount
        self.groups = groups
    }
}

extension ModelComparison {
    /// A row from what `train`/`evaluate`/`explain` already produce: accuracy and ROC-AUC from the
    /// binary metrics (nil when undefined or multi-class), training time as the sum of the epochs'
    /// seconds, the groups of the explanation summary (empty without one).
    public init(model: String, method: String, classification: ClassificationReport?, history: [EpochRecord],
                parameterCount: Int?, explanation: ExplanationSummary?) {
        self.init(
            model: model, method: method,
            accuracy: classification?.binary?.accuracy.value ?? classification?.namedMetrics.first { $0.name == "accuracy" }?.value.value,
            rocAUC: classification?.binary?.rocAUC.value,
            trainingSeconds: history.isEmpty ? nil : history.reduce(0) { $0 + $1.seconds },
            parameterCount: parameterCount, groups: explanation?.groups ?? [])
    }
}

/// Everything `compare` puts in its report: one entry per model × method.
public struct ComparisonReportInput: Sendable, Codable {
    public var title: String
    public var command: String
    public var settings: [String: String]
    public var models: [ModelComparison]

    public init(title: String, command: String = "", settings: [String: String] = [:], models: [ModelComparison]) {
        self.title = title
        self.command = command
        self.settings = settings
        self.models = models
    }
}
