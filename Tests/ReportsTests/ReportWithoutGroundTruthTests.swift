import Datasets
import Training
import Evaluation
import Foundation
import Testing
@testable import Reports

/// Real data has no anomaly mask and may have more than two classes: the report must still be
/// complete and say nothing it cannot know.
@Suite struct ReportWithoutGroundTruthTests {
    /// Six series of T = 5, C = 1, three classes, no mask, no maps.
    func dataset() -> SeriesDataset {
        SeriesDataset(count: 6, length: 5, channels: 1, values: (0..<30).map { Float($0 % 7) },
                      labels: [0, 1, 2, 0, 1, 2], classNames: ["a", "b", "c"])
    }

    @Test func multiclassRunWithoutMasksOrMaps() throws {
        let data = dataset()
        let classification = try ClassificationReport.multiclass(
            probabilities: [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.3, 0.6, 0.1], [0.1, 0.8, 0.1], [0.2, 0.1, 0.7]],
            labels: data.labels, classNames: data.classNames)
        let examples = ExampleSelection.examples(from: data, maps: nil, probabilities: nil, summary: nil, anomalousCount: 2, normalCount: 1)
        #expect(examples.map(\.index) == [1, 2, 0])
        #expect(examples.allSatisfy { $0.anomaly == nil && $0.importance == nil })
        let report = HTMLReport.render(RunReportInput(title: "three classes", classification: classification, examples: examples))
        // No ROC/PR for multi-class, no small multiples without maps: the confusion matrix and three panels.
        #expect(report.figures.map(\.name) == ["confusion-matrix", "series-01-index-1", "series-02-index-2", "series-03-index-0"])
        #expect(!report.html.contains("Explanations scored"))
        #expect(report.html.contains("The first series of each class"))
        for figure in report.figures { #expect(try WellFormedXML.check(figure.svg), "\(figure.name)") }
        // The 3×3 matrix: row a is 1 correct and 1 predicted b.
        #expect(report.figures[0].svg.contains("50 % of row"))
    }

    @Test func comparisonRowFromRunOutputs() throws {
        let classification = try ClassificationReport.binary(scores: [0.9, 0.2, 0.6, 0.4], labels: [1, 0, 0, 1])
        let history = [
            EpochRecord(epoch: 1, trainLoss: 0.7, validationLoss: 0.6, seconds: 1.5, seriesPerSecond: 10, learningRate: 1e-3),
            EpochRecord(epoch: 2, trainLoss: 0.5, validationLoss: 0.5, seconds: 2.25, seriesPerSecond: 10, learningRate: 1e-3),
        ]
        let row = ModelComparison(model: "m", method: "saliency", classification: classification, history: history,
                                  parameterCount: 12, explanation: nil)
        // At 0.5: predicted 1, 0, 1, 0 against 1, 0, 0, 1 → 2/4.
        #expect(row.accuracy == 0.5)
        // Positive/negative pairs (0.9, 0.2) (0.9, 0.6) (0.4, 0.2) win, (0.4, 0.6) loses → 3/4.
        #expect(row.rocAUC == 0.75)
        #expect(row.trainingSeconds == 3.75)
        #expect(row.groups.isEmpty)
    }
}
