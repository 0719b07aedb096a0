import Testing
@testable import Evaluation

/// Every metric against scikit-learn on the fixture cases (see Fixtures/make_fixtures.py).
@Suite struct SklearnParityTests {
    @Test func fixturesLoadWithEveryCase() throws {
        let fixtures = try SklearnFixtures.load()
        #expect(fixtures.binary.count == 8)
        #expect(fixtures.multiclass.count == 3)
        #expect(SklearnFixtures.shared != nil)
    }

    @Test(arguments: SklearnFixtures.shared?.binary ?? [])
    func binaryThresholdMetricsMatchSklearn(_ reference: SklearnFixtures.BinaryCase) throws {
        let metrics = try BinaryClassificationMetrics(
            scores: reference.scores, labels: reference.labels, threshold: reference.threshold
        )
        let name = reference.name
        expectClose(metrics.accuracy.value, reference.accuracy, "\(name) accuracy")
        expectClose(metrics.precision.value, reference.precision, "\(name) precision")
        expectClose(metrics.recall.value, reference.recall, "\(name) recall")
        expectClose(metrics.f1.value, reference.f1, "\(name) F1")
        expectClose(metrics.specificity.value, reference.specificity, "\(name) specificity")
        expectClose(metrics.balancedAccuracy.value, reference.balancedAccuracy, "\(name) balanced accuracy")
        #expect(metrics.confusionMatrix.counts == reference.confusionMatrix, "\(name) confusion matrix")
    }

    @Test(arguments: SklearnFixtures.shared?.binary ?? [])
    func binaryRankingMetricsMatchSklearn(_ reference: SklearnFixtures.BinaryCase) throws {
        let name = reference.name
        expectClose(try BinaryRanking.rocAUC(scores: reference.scores, labels: reference.labels).value,
                    reference.rocAuc, "\(name) ROC-AUC")
        expectClose(try BinaryRanking.averagePrecision(scores: reference.scores, labels: reference.labels).value,
                    reference.averagePrecision, "\(name) average precision")
    }

    @Test(arguments: SklearnFixtures.shared?.binary ?? [])
    func rocCurveMatchesSklearn(_ reference: SklearnFixtures.BinaryCase) throws {
        let curve = try BinaryRanking.rocCurve(scores: reference.scores, labels: reference.labels)
        let points = try #require(curve.points, "\(reference.name): \(curve)")
        try #require(points.count == reference.rocCurve.fpr.count, "\(reference.name) ROC point count")
        for (index, point) in points.enumerated() {
            // Thresholds are observed scores, copied, so they must be identical (nil = sklearn's +inf).
            #expect(point.threshold == reference.rocCurve.thresholds[index], "\(reference.name) ROC threshold \(index)")
            expectClose(point.falsePositiveRate, reference.rocCurve.fpr[index], "\(reference.name) FPR \(index)")
            expectClose(point.truePositiveRate, reference.rocCurve.tpr[index], "\(reference.name) TPR \(index)")
        }
    }

    @Test(arguments: SklearnFixtures.shared?.binary ?? [])
    func precisionRecallCurveMatchesSklearn(_ reference: SklearnFixtures.BinaryCase) throws {
        let curve = try BinaryRanking.precisionRecallCurve(scores: reference.scores, labels: reference.labels)
        let points = try #require(curve.points, "\(reference.name): \(curve)")
        try #require(points.count == reference.prCurve.precision.count, "\(reference.name) PR point count")
        #expect(points.compactMap(\.threshold) == reference.prCurve.thresholds, "\(reference.name) PR thresholds")
        #expect(points.last?.threshold == nil)
        for (index, point) in points.enumerated() {
            expectClose(point.precision, reference.prCurve.precision[index], "\(reference.name) precision \(index)")
            expectClose(point.recall, reference.prCurve.recall[index], "\(reference.name) recall \(index)")
        }
    }

    @Test(arguments: SklearnFixtures.shared?.multiclass ?? [])
    func multiclassMetricsMatchSklearn(_ reference: SklearnFixtures.MulticlassCase) throws {
        let classCount = reference.probabilities[0].count
        let names = ClassificationReport.numberedClassNames(classCount)
        let metrics = try MulticlassClassificationMetrics(
            probabilities: reference.probabilities, labels: reference.labels, classNames: names
        )
        let name = reference.name
        expectClose(metrics.accuracy.value, reference.accuracy, "\(name) accuracy")
        expectClose(metrics.macroPrecision.value, reference.macroPrecision, "\(name) macro precision")
        expectClose(metrics.macroRecall.value, reference.macroRecall, "\(name) macro recall")
        expectClose(metrics.macroF1.value, reference.macroF1, "\(name) macro F1")
        expectClose(metrics.weightedPrecision.value, reference.weightedPrecision, "\(name) weighted precision")
        expectClose(metrics.weightedRecall.value, reference.weightedRecall, "\(name) weighted recall")
        expectClose(metrics.weightedF1.value, reference.weightedF1, "\(name) weighted F1")
        expectClose(metrics.macroROCAUC.value, reference.macroRocAucOvr, "\(name) macro OvR ROC-AUC")
        #expect(metrics.confusionMatrix.counts == reference.confusionMatrix, "\(name) confusion matrix")
        for (index, perClass) in metrics.perClass.enumerated() {
            // sklearn writes 0 for a 0/0 precision (zero_division=0); we report it undefined.
            if reference.confusionMatrix.allSatisfy({ $0[index] == 0 }) {
                #expect(!perClass.precision.isDefined, "\(name) class \(index) is never predicted")
                #expect(reference.perClassPrecision[index] == 0)
            } else {
                expectClose(perClass.precision.value, reference.perClassPrecision[index], "\(name) precision[\(index)]")
            }
            expectClose(perClass.recall.value, reference.perClassRecall[index], "\(name) recall[\(index)]")
            expectClose(perClass.f1.value, reference.perClassF1[index], "\(name) F1[\(index)]")
            expectClose(perClass.rocAUC.value, reference.perClassRocAuc[index], "\(name) OvR ROC-AUC[\(index)]")
        }
    }

    @Test(arguments: SklearnFixtures.shared?.multiclass ?? [])
    func flatAndNestedInputsAgree(_ reference: SklearnFixtures.MulticlassCase) throws {
        let names = ClassificationReport.numberedClassNames(reference.probabilities[0].count)
        let nested = try MulticlassClassificationMetrics(
            probabilities: reference.probabilities, labels: reference.labels, classNames: names
        )
        let flat = try MulticlassClassificationMetrics(
            flatProbabilities: reference.probabilities.flatMap { $0 }, labels: reference.labels, classNames: names
        )
        #expect(nested == flat, "\(reference.name)")
    }

    /// Independent definitions on the same data: ROC-AUC as the Mann–Whitney pair count (ties ½),
    /// and the F1-maximising threshold as a search over every distinct score.
    @Test(arguments: SklearnFixtures.shared?.binary ?? [])
    func rankingAgreesWithBruteForceDefinitions(_ reference: SklearnFixtures.BinaryCase) throws {
        let scores = reference.scores, labels = reference.labels
        let positives = scores.indices.filter { labels[$0] == 1 }.map { scores[$0] }
        let negatives = scores.indices.filter { labels[$0] == 0 }.map { scores[$0] }
        var doubledWins = 0
        for positive in positives {
            for negative in negatives { doubledWins += positive > negative ? 2 : (positive == negative ? 1 : 0) }
        }
        let mannWhitney = Double(doubledWins) / Double(2 * positives.count * negatives.count)
        expectClose(try BinaryRanking.rocAUC(scores: scores, labels: labels).value, mannWhitney,
                    "\(reference.name) Mann–Whitney")

        let choice = try BinaryRanking.f1MaximisingThreshold(scores: scores, labels: labels)
        let chosen = try #require(choice.threshold)
        let f1ByThreshold = try Set(scores).map { threshold in
            (threshold, try BinaryClassificationMetrics(scores: scores, labels: labels, threshold: threshold).f1.value ?? 0)
        }
        let best = f1ByThreshold.map(\.1).max() ?? 0
        expectClose(choice.f1.value, best, "\(reference.name) best F1")
        let highestBest = f1ByThreshold.filter { abs($0.1 - best) < 1e-15 }.map(\.0).max()
        #expect(chosen == highestBest, "\(reference.name): ties go to the highest threshold")
    }
}
