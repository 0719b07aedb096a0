import Foundation
import Testing
@testable import Evaluation

@Suite struct ClassificationReportTests {
    @Test func binaryReportBundlesCountsThresholdMetricsAndCurves() throws {
        let report = try ClassificationReport.binary(
            scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1], threshold: 0.5, classNames: ["normal", "anomaly"]
        )
        #expect(report.task == .binary)
        #expect(report.sampleCount == 4)
        #expect(report.classCounts == [2, 2])
        #expect(report.threshold == 0.5)
        #expect(report.multiclass == nil)
        #expect(report.rocCurve?.points?.count == 5)
        #expect(report.precisionRecallCurve?.points?.count == 5)
        #expect(report.confusionMatrix.classNames == ["normal", "anomaly"])
        #expect(report.namedMetrics.count == 8)

        let withoutCurves = try ClassificationReport.binary(
            scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1], includeCurves: false
        )
        #expect(withoutCurves.rocCurve == nil && withoutCurves.precisionRecallCurve == nil)
    }

    @Test func reportRoundTripsThroughJSON() throws {
        let binary = try ClassificationReport.binary(scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1])
        let multiclass = try ClassificationReport.multiclass(
            flatProbabilities: [Float(0.7), 0.2, 0.1, 0.1, 0.1, 0.8, 0.3, 0.4, 0.3],
            labels: [0, 2, 2],
            classNames: ["a", "b", "c"]
        )
        for report in [binary, multiclass] {
            let data = try JSONEncoder().encode(report)
            #expect(try JSONDecoder().decode(ClassificationReport.self, from: data) == report, "\(report.task)")
        }
    }

    @Test func decodingRejectsAReportWithoutItsMetrics() throws {
        let json = #"{"task":"binary","classNames":["0","1"],"sampleCount":0,"classCounts":[0,0]}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ClassificationReport.self, from: Data(json.utf8))
        }
    }

    @Test func binaryTableShowsValuesReasonsAndConfusionMatrix() throws {
        let report = try ClassificationReport.binary(
            scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1], threshold: 0.9, classNames: ["normal", "anomaly"]
        )
        let table = report.table()
        let expected = """
            Binary classification, 4 samples (normal 2, anomaly 2)
            threshold: 0.9 (score >= threshold predicts 'anomaly'); TP 0, FP 0, TN 2, FN 2

            metric                value
            --------------------  ----------
            accuracy              0.5000
            precision             undefined (no predicted positives (TP + FP = 0))
            recall (sensitivity)  0.0000
            specificity           1.0000
            F1                    0.0000
            balanced accuracy     0.5000
            ROC-AUC               0.7500
            average precision     0.8333

            confusion matrix (rows true, columns predicted)
            true \\ predicted   normal  anomaly
            normal                  2        0
            anomaly                 2        0

            """
        #expect(table == expected, "\n\(table)")
    }

    @Test func multiclassTableHasPerClassRowsAndExplainsUndefinedCells() throws {
        let report = try ClassificationReport.multiclass(
            probabilities: [[0.8, 0.1, 0.1], [0.3, 0.6, 0.1], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1]],
            labels: [0, 1, 1, 0],
            classNames: ["ant", "bee", "cicada"]
        )
        let table = report.table()
        #expect(table.contains("macro ROC-AUC (one-vs-rest)  undefined (class 'cicada': no samples of class 'cicada')"), "\n\(table)")
        #expect(table.contains("cicada        0          0  undefined  undefined  undefined      undefined"), "\n\(table)")
        #expect(table.contains("  precision of 'cicada' undefined: no samples predicted as 'cicada'"), "\n\(table)")
        #expect(table.contains("ant           2          2     0.5000     0.5000     0.5000         0.5000"), "\n\(table)")
        #expect(table.contains("true \\ predicted     ant     bee  cicada"), "\n\(table)")
    }

    @Test func metricValuesFormatWithFourDecimals() {
        #expect(MetricValue.formatted(0.75) == "0.7500")
        #expect(MetricValue.formatted(1) == "1.0000")
        #expect(MetricValue.formatted(0.123456) == "0.1235")
        #expect(MetricValue.formatted(0.99996) == "1.0000")
        #expect(MetricValue.formatted(-0.5) == "-0.5000")
        #expect(MetricValue.formatted(-0.00001) == "0.0000")
        #expect(MetricValue.value(0.25).description == "0.2500")
        #expect(MetricValue.undefined(reason: "no samples").description == "undefined (no samples)")
    }
}
