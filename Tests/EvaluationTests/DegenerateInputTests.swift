import Foundation
import Testing
@testable import Evaluation

/// Degenerate but well-formed sets give explicit "undefined" entries (never NaN, never a crash);
/// malformed inputs throw a specific `EvaluationError`.
@Suite struct DegenerateInputTests {
    @Test func emptyBinarySetIsUndefinedEverywhere() throws {
        let metrics = try BinaryClassificationMetrics(scores: [Double](), labels: [])
        for (name, value) in metrics.namedMetrics {
            #expect(!value.isDefined, "\(name) should be undefined on an empty set")
        }
        #expect(metrics.accuracy.undefinedReason == "no samples")
        #expect(metrics.confusionMatrix.counts == [[0, 0], [0, 0]])
        #expect(try BinaryRanking.rocCurve(scores: [Double](), labels: []).undefinedReason == "no samples")
        #expect(try BinaryRanking.precisionRecallCurve(scores: [Double](), labels: []).undefinedReason == "no samples")
        #expect(try BinaryRanking.f1MaximisingThreshold(scores: [Double](), labels: []).threshold == nil)
    }

    @Test func onlyNegativesLeaveRankingMetricsUndefined() throws {
        let metrics = try BinaryClassificationMetrics(scores: [0.2, 0.7, 0.4], labels: [0, 0, 0])
        #expect(metrics.accuracy == .value(2.0 / 3.0))
        #expect(metrics.specificity == .value(2.0 / 3.0))
        #expect(metrics.precision == .value(0))  // one predicted positive, and it is wrong
        #expect(metrics.recall.undefinedReason == "no positive samples (TP + FN = 0)")
        #expect(metrics.f1 == .value(0))  // 2·0 / (0 + 1 + 0): defined, as in sklearn
        #expect(metrics.balancedAccuracy.undefinedReason == "only negative samples (class 0) present")
        #expect(metrics.rocAUC.undefinedReason == "only negative samples (class 0) present")
        #expect(metrics.averagePrecision.undefinedReason == "only negative samples (class 0) present")
        #expect(try BinaryRanking.rocCurve(scores: [0.2, 0.7], labels: [0, 0]).points == nil)
        #expect(try BinaryRanking.precisionRecallCurve(scores: [0.2, 0.7], labels: [0, 0]).points == nil)
        let choice = try BinaryRanking.f1MaximisingThreshold(scores: [0.2, 0.7], labels: [0, 0])
        #expect(choice.threshold == nil)
        #expect(choice.f1.undefinedReason == "no positive samples, so F1 is 0 at every threshold")
    }

    @Test func onlyPositivesLeaveRankingMetricsUndefined() throws {
        let metrics = try BinaryClassificationMetrics(scores: [0.2, 0.7], labels: [1, 1])
        #expect(metrics.recall == .value(0.5))
        #expect(metrics.specificity.undefinedReason == "no negative samples (TN + FP = 0)")
        #expect(metrics.rocAUC.undefinedReason == "only positive samples (class 1) present")
        #expect(metrics.averagePrecision.undefinedReason == "only positive samples (class 1) present")
        // The PR curve itself is defined with only positives (precision 1 everywhere), as in sklearn.
        let pr = try #require(try BinaryRanking.precisionRecallCurve(scores: [0.2, 0.7], labels: [1, 1]).points)
        #expect(pr.map(\.precision) == [1, 1, 1])
    }

    @Test func constantScoresRankAtChance() throws {
        let labels = [1, 0, 0, 1, 0]
        let scores = [Double](repeating: 0.3, count: 5)
        #expect(try BinaryRanking.rocAUC(scores: scores, labels: labels) == .value(0.5))
        #expect(try BinaryRanking.averagePrecision(scores: scores, labels: labels) == .value(0.4))  // prevalence
        let roc = try #require(try BinaryRanking.rocCurve(scores: scores, labels: labels).points)
        #expect(roc.count == 2)
        // Threshold above the constant: nothing predicted positive.
        let metrics = try BinaryClassificationMetrics(scores: scores, labels: labels, threshold: 0.5)
        #expect(metrics.precision.undefinedReason == "no predicted positives (TP + FP = 0)")
        #expect(metrics.recall == .value(0))
        #expect(metrics.f1 == .value(0))
        #expect(metrics.specificity == .value(1))
        #expect(metrics.balancedAccuracy == .value(0.5))
        let choice = try BinaryRanking.f1MaximisingThreshold(scores: scores, labels: labels)
        #expect(choice.threshold == 0.3)
        #expect(choice.f1 == .value(4.0 / 7.0))  // 2·2 / (2 + 3 + 2)
    }

    @Test func emptyMulticlassSetIsUndefined() throws {
        let metrics = try MulticlassClassificationMetrics(
            probabilities: [[Double]](), labels: [], classNames: ["a", "b", "c"]
        )
        for (name, value) in metrics.namedMetrics {
            #expect(value.undefinedReason == "no samples", "\(name)")
        }
        #expect(metrics.confusionMatrix.counts == [[0, 0, 0], [0, 0, 0], [0, 0, 0]])
    }

    @Test func absentClassMakesMacroAUCUndefinedAndCountsZeroInAverages() throws {
        // Class "c" has no samples and is never predicted.
        let metrics = try MulticlassClassificationMetrics(
            probabilities: [[0.8, 0.1, 0.1], [0.3, 0.6, 0.1], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1]],
            labels: [0, 1, 1, 0],
            classNames: ["a", "b", "c"]
        )
        let c = metrics.perClass[2]
        #expect(c.recall.undefinedReason == "no samples of class 'c'")
        #expect(c.precision.undefinedReason == "no samples predicted as 'c'")
        #expect(c.f1.undefinedReason == "class 'c' neither present nor predicted")
        #expect(c.rocAUC.undefinedReason == "no samples of class 'c'")
        #expect(metrics.macroROCAUC.undefinedReason == "class 'c': no samples of class 'c'")
        // a: TP 1 of 2 predicted, recall ½; b: TP 1 of 2, recall ½; c counts as 0 (sklearn zero_division=0).
        #expect(metrics.macroRecall == .value((0.5 + 0.5 + 0) / 3))
        #expect(metrics.weightedRecall == .value(0.5))  // c has support 0, so weight 0
        #expect(metrics.accuracy == .value(0.5))
    }

    @Test func everySampleOneClassMakesThatClassAUCUndefined() throws {
        let metrics = try MulticlassClassificationMetrics(
            probabilities: [[0.8, 0.2], [0.4, 0.6]], labels: [0, 0], classNames: ["a", "b"]
        )
        #expect(metrics.perClass[0].rocAUC.undefinedReason == "every sample is class 'a'")
        #expect(metrics.perClass[1].rocAUC.undefinedReason == "no samples of class 'b'")
        #expect(!metrics.macroROCAUC.isDefined)
    }

    @Test func malformedInputsThrow() throws {
        #expect(throws: EvaluationError.countMismatch(scores: 2, labels: 1)) {
            try BinaryClassificationMetrics(scores: [0.1, 0.2], labels: [1])
        }
        #expect(throws: EvaluationError.labelOutOfRange(index: 1, label: 2, classCount: 2)) {
            try BinaryClassificationMetrics(scores: [0.1, 0.2], labels: [1, 2])
        }
        #expect(throws: EvaluationError.nonFiniteScore(index: 0)) {
            try BinaryRanking.rocAUC(scores: [Double.nan, 0.2], labels: [1, 0])
        }
        #expect(throws: EvaluationError.nonFiniteThreshold(.infinity)) {
            try BinaryClassificationMetrics(scores: [0.1], labels: [1], threshold: .infinity)
        }
        #expect(throws: EvaluationError.classNameCount(names: 3, classes: 2)) {
            try BinaryClassificationMetrics(scores: [0.1], labels: [1], classNames: ["a", "b", "c"])
        }
        #expect(throws: EvaluationError.raggedRow(index: 1, count: 2, expected: 3)) {
            try MulticlassClassificationMetrics(
                probabilities: [[0.2, 0.3, 0.5], [0.5, 0.5]], labels: [0, 1], classNames: ["a", "b", "c"]
            )
        }
        #expect(throws: EvaluationError.flatBufferSize(count: 5, classCount: 3)) {
            try MulticlassClassificationMetrics(
                flatProbabilities: [0.2, 0.3, 0.5, 0.5, 0.5], labels: [0], classNames: ["a", "b", "c"]
            )
        }
        #expect(throws: EvaluationError.tooFewClasses(1)) {
            try MulticlassClassificationMetrics(probabilities: [[1.0]], labels: [0], classNames: ["a"])
        }
        #expect(throws: EvaluationError.nonFiniteScore(index: 4)) {
            try MulticlassClassificationMetrics(
                flatProbabilities: [0.5, 0.5, 0.5, 0.5, Double.infinity, 0], labels: [0, 1, 1], classNames: ["a", "b"]
            )
        }
    }

    @Test func undefinedMetricsEncodeAsNullWithReasonNeverNaN() throws {
        let report = try ClassificationReport.binary(scores: [0.2, 0.7, 0.4], labels: [0, 0, 0], threshold: 0.9)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        for forbidden in ["nan", "NaN", "inf", "Infinity"] {
            #expect(!json.contains(forbidden), "JSON contains \(forbidden): \(json)")
        }
        #expect(json.contains(#""precision":{"reason":"no predicted positives (TP + FP = 0)","value":null}"#)
            || json.contains(#""precision":{"value":null,"reason":"no predicted positives (TP + FP = 0)"}"#))
        #expect(try JSONDecoder().decode(ClassificationReport.self, from: Data(json.utf8)) == report)
    }

    @Test func aNonFiniteValueStillEncodesAsNull() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode([MetricValue.value(.nan), .value(0.25)]), as: UTF8.self)
        #expect(json == #"[{"reason":"computed value was not a finite number","value":null},{"value":0.25}]"#)
        #expect(MetricValue.value(.infinity).value == nil)
    }

    /// The validation cut sits halfway between the two scores either side of the F1 optimum and makes
    /// the same calls on that set.
    @Test func f1MaximisingCutIsHalfwayAcrossTheGap() throws {
        let scores: [Double] = [0.1, 0.2, 0.3, 0.8, 0.9], labels = [0, 0, 0, 1, 1]
        let cut = try #require(try BinaryRanking.f1MaximisingCut(scores: scores, labels: labels))
        #expect(abs(cut - 0.55) < 1e-12)
        #expect(try BinaryRanking.f1MaximisingThreshold(scores: scores, labels: labels).threshold == 0.8)
        // Every score positive at the optimum: nothing below, so the observed threshold itself.
        #expect(try BinaryRanking.f1MaximisingCut(scores: [0.4, 0.6], labels: [1, 1]) == 0.4)
        #expect(try BinaryRanking.f1MaximisingCut(scores: [0.4, 0.6], labels: [0, 0]) == nil)
    }
}
