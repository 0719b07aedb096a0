import Datasets
import Evaluation
import Foundation
import Models
import Reports
import Training

/// Builds and writes DIR/report.html (+ DIR/figures/*.svg) for one model on one test set: metrics,
/// loss curves, explanation scores against the ground truth when the data has it, and example
/// series with their importance maps.
enum RunReport {
    /// Binary metrics at `threshold` for two classes (one probability per series), multi-class
    /// metrics from the (N × K) probabilities otherwise.
    static func classification(probabilities: [Float], labels: [Int], classNames: [String], threshold: Double = 0.5) throws -> ClassificationReport {
        if classNames.count <= 2 {
            return try ClassificationReport.binary(scores: probabilities, labels: labels, threshold: threshold, classNames: classNames, includeCurves: true)
        }
        return try ClassificationReport.multiclass(flatProbabilities: probabilities, labels: labels, classNames: classNames)
    }

    /// The model's own importance maps (attention weights) when it makes them, else input-gradient
    /// saliency, with the method's name.
    static func importanceMaps(model: SequentialClassifier<Float>, on dataset: SeriesDataset, predicted: [Float]?) throws -> (maps: [Float], method: String) {
        if let predicted { return (predicted, model.definition?.importanceKind().rawValue ?? "attention") }
        return (try InputGradientSaliency.maps(model: model, dataset: dataset), "saliency")
    }

    @discardableResult
    static func write(
        title: String, command: String, settings: [String: String], modelName: String,
        model: SequentialClassifier<Float>, test: SeriesDataset, history: [EpochRecord],
        classification: ClassificationReport, probabilities: [Float], predictedMaps: [Float]?, to directory: URL
    ) throws -> (report: WrittenReport, explanation: ExplanationSummary?) {
        let (maps, method) = try importanceMaps(model: model, on: test, predicted: predictedMaps)
        let explanation = test.anomalyMask == nil ? nil : try ExplanationSummary(model: modelName, method: method, maps: maps, dataset: test)
        let examples = ExampleSelection.examples(from: test, maps: maps, probabilities: probabilities, summary: explanation)
        let input = RunReportInput(
            title: title, command: command, settings: settings, history: history,
            classification: classification, explanation: explanation, examples: examples)
        return (try HTMLReport.write(HTMLReport.render(input), to: directory), explanation)
    }
}
