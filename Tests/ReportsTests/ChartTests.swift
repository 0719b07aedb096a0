import Evaluation
import Foundation
import Testing
import Training
@testable import Reports

@Suite struct ChartTests {
    @Test func ticksAreNiceAndCoverTheData() {
        let ticks = Ticks(covering: 0.13, 0.87)
        #expect(ticks.step == 0.2)
        #expect(ticks.values.map { ($0 * 10).rounded() / 10 } == [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        #expect(ticks.domain.lowerBound <= 0.13 && ticks.domain.upperBound >= 0.87)
        #expect(ticks.label(0.4) == "0.4")
        let large = Ticks(covering: 0, 437)
        #expect(large.step == 100)
        #expect(large.values == [0, 100, 200, 300, 400, 500])
        #expect(large.label(300) == "300")
        // A constant series still gets an axis.
        let flat = Ticks(covering: 5, 5)
        #expect(flat.domain.lowerBound < 5 && flat.domain.upperBound > 5)
        // A fixed unit axis keeps its bounds exactly.
        let unit = Ticks(covering: 0, 1, fixed: 0...1)
        #expect(unit.domain == 0...1)
        #expect(unit.values.first == 0 && unit.values.last == 1)
    }

    @Test func scalesMapDomainOntoPixelsEitherWay() {
        let scale = LinearScale(domain: 0...10, pixels: (300, 100))
        #expect(scale(0) == 300)
        #expect(scale(10) == 100)
        #expect(scale(5) == 200)
    }

    @Test func anomalyRunsAreHalfOpen() {
        #expect(ReportCharts.runs(of: [false, true, true, false, true]) == [1..<3, 4..<5])
        #expect(ReportCharts.runs(of: [true, true]) == [0..<2])
        #expect(ReportCharts.runs(of: []) == [])
    }

    @Test func scaledMapIsOneWhenUniform() {
        #expect(ReportCharts.scaledMap([0.25, 0.25, 0.25, 0.25]) == [1, 1, 1, 1])
        #expect(ReportCharts.scaledMap([0, 0, 2, -1]) == [0, 0, 4, 0])
    }

    @Test func undefinedCurvesSayWhyInsteadOfDrawingAnEmptyFrame() throws {
        let figure = ReportCharts.rocCurve(.undefined(reason: "only negative samples (class 0) present"), auc: nil)
        #expect(figure.svg.contains("Not drawn: only negative samples"))
        #expect(figure.caption.hasPrefix("Not drawn"))
        #expect(try WellFormedXML.check(figure.svg))
    }

    @Test func confusionMatrixCellsCarryCountsAndDarkenWithTheirShare() throws {
        let matrix = try ConfusionMatrix(classNames: ["normal", "anomalous"], trueLabels: [0, 0, 0, 0, 1, 1], predictedLabels: [0, 0, 0, 1, 1, 1])
        let figure = ReportCharts.confusionMatrix(matrix)
        #expect(try WellFormedXML.check(figure.svg))
        // Row 0: 3 of 4 → 75 %, level 255·(1 − 0.85·0.75) = 92; 1 of 4 → 25 %, level 201; row 1: 100 % → 38, 0 % → 255.
        for fill in ["rgb(92,92,92)", "rgb(201,201,201)", "rgb(38,38,38)", "rgb(255,255,255)"] {
            #expect(figure.svg.contains("fill=\"\(fill)\""), "missing \(fill)")
        }
        for text in [">3<", ">1<", ">2<", ">0<", "75 % of row", "100 % of row"] { #expect(figure.svg.contains(text), "missing \(text)") }
    }

    @Test func lossCurveMarksTheBestEpoch() throws {
        let history = [(1, 0.7, 0.69), (2, 0.5, 0.52), (3, 0.4, 0.55)].map {
            EpochRecord(epoch: $0.0, trainLoss: $0.1, validationLoss: $0.2, seconds: 1, seriesPerSecond: 100, learningRate: 1e-3)
        }
        let figure = ReportCharts.lossCurves(history: history)
        #expect(figure.svg.contains("best epoch 2"))
        #expect(figure.svg.contains("binary cross-entropy (nats)"))
        // One polyline per series (legend samples are <line>s).
        #expect(figure.svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(try WellFormedXML.check(figure.svg))
    }

    /// A run without a validation set: one curve, and the marked epoch is the lowest training loss.
    @Test func lossCurveWithoutValidationMarksTheLowestTrainingLoss() throws {
        let history = [(1, 0.7), (2, 0.3), (3, 0.4)].map {
            EpochRecord(epoch: $0.0, trainLoss: $0.1, validationLoss: nil, seconds: 1, seriesPerSecond: 100, learningRate: 1e-3)
        }
        let figure = ReportCharts.lossCurves(history: history)
        #expect(figure.svg.contains("best epoch 2"))
        #expect(figure.svg.components(separatedBy: "<polyline").count - 1 == 1)
        #expect(!figure.svg.contains(">validation<"))
        #expect(figure.caption.contains("lowest training loss (0.300)"), "\(figure.caption)")
        #expect(try WellFormedXML.check(figure.svg))
    }

    func score(_ index: Int, _ group: String, mass: Double?, entropy: Double?) -> SeriesExplanationScore {
        let decoder = JSONDecoder()
        var fields: [String: Any] = ["index": index, "group": group, "label": group == "normal" ? 0 : 1, "length": 10, "anomalyLength": group == "normal" ? 0 : 2]
        if let mass { fields["massInside"] = mass }
        if let entropy { fields["normalisedEntropy"] = entropy }
        let data = try! JSONSerialization.data(withJSONObject: fields)
        return try! decoder.decode(SeriesExplanationScore.self, from: data)
    }

    @Test func examplesIncludeTheWorstOfEachKindAndAreReproducible() {
        let scores = [
            score(0, "normal", mass: nil, entropy: 0.99),
            score(1, "flat", mass: 0.8, entropy: 0.5),
            score(2, "flat", mass: 0.1, entropy: 0.9),
            score(3, "spike", mass: 0.6, entropy: 0.4),
            score(4, "normal", mass: nil, entropy: 0.70),
            score(5, "flat", mass: 0.5, entropy: 0.6),
            score(6, "spike", mass: nil, entropy: nil),  // a map without mass ranks worst
            score(7, "normal", mass: nil, entropy: 0.95),
            score(8, "spike", mass: 0.9, entropy: 0.3),
        ]
        let choices = ExampleSelection.choose(scores: scores)
        // Worst overall (6), worst flat (2), [worst spike is 6], median flat (5), median spike (3),
        // then normal: least uniform (4), median entropy (7).
        #expect(choices.map(\.index) == [6, 2, 5, 3, 4, 7])
        #expect(choices[0].role == "worst localised overall")
        #expect(choices[1].role == "worst localised (flat)")
        #expect(ExampleSelection.choose(scores: scores.reversed()).map(\.index) == choices.map(\.index))
        // One kind of three series: worst (2), median (5), then the best (1) fills up; there are no more.
        let oneKind = scores.filter { $0.group != "spike" }
        let fewer = ExampleSelection.choose(scores: oneKind)
        #expect(fewer.map(\.index) == [2, 5, 1, 4, 7])
        #expect(fewer[2].role == "best localised overall")
    }

    @Test func firstOfEachClassWithoutScores() {
        let choices = ExampleSelection.firstOfEachClass(labels: [0, 1, 1, 0, 1, 0, 1, 1], anomalousCount: 4, normalCount: 2)
        #expect(choices.map(\.index) == [1, 2, 4, 6, 0, 3])
    }

    @Test func atomicWriteReplacesAndLeavesNoTemporaryFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serieslens-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("report.html")
        try HTMLReport.writeAtomically("first", to: url)
        try HTMLReport.writeAtomically("second", to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.html"])
        // A directory that cannot be written gives an error naming the path, not a crash.
        #expect(throws: ReportError.self) { try HTMLReport.writeAtomically("x", to: directory.appendingPathComponent("missing/report.html")) }
    }
}
