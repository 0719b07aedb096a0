import Testing
@testable import Evaluation

/// Tiny cases small enough to check on paper; the expected numbers are exact fractions.
@Suite struct HandCaseTests {
    // The example in scikit-learn's roc_auc_score / roc_curve docs.
    let labels = [0, 0, 1, 1]
    let scores = [0.1, 0.4, 0.35, 0.8]

    @Test func thresholdMetricsOnTheSklearnDocExample() throws {
        // At 0.5 only 0.8 is positive: TP 1, FP 0, TN 2, FN 1.
        let metrics = try BinaryClassificationMetrics(scores: scores, labels: labels)
        #expect(metrics.confusionMatrix.counts == [[2, 0], [1, 1]])
        #expect([metrics.truePositives, metrics.falsePositives, metrics.trueNegatives, metrics.falseNegatives] == [1, 0, 2, 1])
        #expect(metrics.accuracy == .value(0.75))
        #expect(metrics.precision == .value(1))
        #expect(metrics.recall == .value(0.5))
        #expect(metrics.specificity == .value(1))
        #expect(metrics.f1 == .value(2.0 / 3.0))
        #expect(metrics.balancedAccuracy == .value(0.75))
    }

    @Test func rankingMetricsOnTheSklearnDocExample() throws {
        // Pairs (positive, negative): (0.35, 0.1) win, (0.35, 0.4) loss, (0.8, ·) two wins → 3/4.
        #expect(try BinaryRanking.rocAUC(scores: scores, labels: labels) == .value(0.75))
        // Descending: 0.8 (P 1, R ½), 0.4 (P ½, R ½), 0.35 (P ⅔, R 1), 0.1 → AP = ½·1 + ½·⅔ = 5/6.
        expectClose(try BinaryRanking.averagePrecision(scores: scores, labels: labels).value, 5.0 / 6.0, "AP")

        let roc = try #require(try BinaryRanking.rocCurve(scores: scores, labels: labels).points)
        #expect(roc.map(\.threshold) == [nil, 0.8, 0.4, 0.35, 0.1])
        #expect(roc.map(\.falsePositiveRate) == [0, 0, 0.5, 0.5, 1])
        #expect(roc.map(\.truePositiveRate) == [0, 0.5, 0.5, 1, 1])

        let pr = try #require(try BinaryRanking.precisionRecallCurve(scores: scores, labels: labels).points)
        #expect(pr.map(\.threshold) == [0.1, 0.35, 0.4, 0.8, nil])
        #expect(pr.map(\.precision) == [0.5, 2.0 / 3.0, 0.5, 1, 1])
        #expect(pr.map(\.recall) == [1, 1, 0.5, 0.5, 0])
    }

    @Test func tiedPositiveAndNegativeCountHalf() throws {
        #expect(try BinaryRanking.rocAUC(scores: [0.5, 0.5], labels: [1, 0]) == .value(0.5))
        // Pairs: 0.7>0.5, 0.7>0.2, 0.5=0.5 (½), 0.5>0.2 → 3.5 / 4.
        #expect(try BinaryRanking.rocAUC(scores: [0.7, 0.5, 0.5, 0.2], labels: [1, 1, 0, 0]) == .value(0.875))
        // A tie group entering together: AP sees 0.5 as one step, precision 2/3 at recall 1 after 0.9.
        // Descending: 0.9 (TP 1, FP 0) → ΔR ½ · 1; 0.5 (TP 2, FP 1) → ΔR ½ · ⅔. AP = 5/6.
        expectClose(try BinaryRanking.averagePrecision(scores: [0.9, 0.5, 0.5, 0.1], labels: [1, 1, 0, 0]).value,
                    5.0 / 6.0, "AP with a tie")
    }

    @Test func scoreEqualToTheThresholdIsPositive() throws {
        let metrics = try BinaryClassificationMetrics(scores: [0.5, 0.4999999], labels: [1, 0], threshold: 0.5)
        #expect(metrics.truePositives == 1)
        #expect(metrics.trueNegatives == 1)
        #expect(metrics.accuracy == .value(1))
    }

    @Test func floatScoresGiveTheSameMetricsAsDouble() throws {
        let floats: [Float] = [0.1, 0.4, 0.35, 0.8]
        let fromFloat = try BinaryClassificationMetrics(scores: floats, labels: labels, threshold: 0.375)
        let fromDouble = try BinaryClassificationMetrics(
            scores: floats.map { Double($0) }, labels: labels, threshold: 0.375
        )
        #expect(fromFloat == fromDouble)
        #expect(fromFloat.confusionMatrix.counts == [[1, 1], [1, 1]])
    }

    @Test func f1MaximisingThresholdPicksTheBestScore() throws {
        // Descending thresholds: 0.9 → F1 2/4, 0.8 → 2/5, 0.7 → 4/6, 0.3 → 4/7, 0.2 → 6/8 (best).
        let choice = try BinaryRanking.f1MaximisingThreshold(
            scores: [0.9, 0.8, 0.7, 0.3, 0.2], labels: [1, 0, 1, 0, 1]
        )
        #expect(choice.threshold == 0.2)
        #expect(choice.f1 == .value(0.75))
        #expect(choice.precision == .value(0.6))
        #expect(choice.recall == .value(1))
    }

    @Test func f1MaximisingThresholdBreaksTiesTowardsTheHighestThreshold() throws {
        // P = 2. 0.9 → 2/(1+0+2) = ⅔; 0.6 → 2/4; 0.5 → 2/5; 0.1 → 4/(4+2) = ⅔. Tie: keep 0.9.
        let choice = try BinaryRanking.f1MaximisingThreshold(scores: [0.9, 0.6, 0.5, 0.1], labels: [1, 0, 0, 1])
        #expect(choice.threshold == 0.9)
        #expect(choice.f1 == .value(2.0 / 3.0))
        #expect(choice.precision == .value(1))
        #expect(choice.recall == .value(0.5))
    }

    @Test func multiclassByHand() throws {
        // True:      0    0    1    1    2    2
        // Argmax:    0    1    1    1    0    2   (row 3 is a 0.4/0.4 tie → lowest index, 1)
        let probabilities: [[Double]] = [
            [0.7, 0.2, 0.1], [0.3, 0.6, 0.1], [0.1, 0.8, 0.1],
            [0.2, 0.4, 0.4], [0.5, 0.1, 0.4], [0.1, 0.2, 0.7],
        ]
        let metrics = try MulticlassClassificationMetrics(
            probabilities: probabilities, labels: [0, 0, 1, 1, 2, 2], classNames: ["cat", "dog", "eel"]
        )
        #expect(metrics.confusionMatrix.counts == [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
        #expect(metrics.accuracy == .value(4.0 / 6.0))
        // Precision: cat 1/2, dog 2/3, eel 1/1. Recall: ½, 1, ½. F1 = 2TP/(2TP+FP+FN): ½, 4/5, ⅔.
        #expect(metrics.perClass.map(\.precision) == [.value(0.5), .value(2.0 / 3.0), .value(1)])
        #expect(metrics.perClass.map(\.recall) == [.value(0.5), .value(1), .value(0.5)])
        #expect(metrics.perClass.map(\.f1) == [.value(0.5), .value(0.8), .value(2.0 / 3.0)])
        expectClose(metrics.macroPrecision.value, (0.5 + 2.0 / 3.0 + 1) / 3, "macro precision")
        expectClose(metrics.macroF1.value, (0.5 + 0.8 + 2.0 / 3.0) / 3, "macro F1")
        // Every class has support 2, so weighted equals macro here.
        expectClose(metrics.weightedRecall.value, (0.5 + 1 + 0.5) / 3, "weighted recall")
        // OvR AUC for cat: positives {0.7, 0.3}, negatives {0.1, 0.2, 0.5, 0.1}:
        // 0.7 beats all 4; 0.3 beats 3 (not 0.5) → 7/8.
        #expect(metrics.perClass[0].rocAUC == .value(7.0 / 8.0))
        #expect(metrics.perClass.map(\.support) == [2, 2, 2])
        #expect(metrics.perClass.map(\.predictedCount) == [2, 3, 1])
    }
}
