import Datasets
import Evaluation
import Foundation
import Models
import Testing
import Training
@testable import Reports
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Builds a real sample report end to end — a short training run on mixed synthetic anomalies, test
/// metrics, attention and saliency maps scored against the masks — and checks what was written.
///
/// The report goes to `$SERIESLENS_SAMPLE_REPORT_DIR` when set (`scripts/check-report.sh` renders it
/// in headless Chromium from there), to a fresh temporary directory otherwise.
@Suite(.serialized) struct SampleReportTests {
    struct Sample {
        let run: RunReportInput
        let comparison: ComparisonReportInput
    }

    /// 400 series of T = 80 with flat, zero, noise and spike anomalies; bilstm-attention for 4 epochs
    /// (about a second in release).
    static func makeSample() throws -> Sample {
        var configuration = SyntheticConfiguration()
        configuration.count = 400
        configuration.length = 80
        configuration.kind = .mixed
        configuration.channels = [.sine, .cosine]
        configuration.seed = 21
        let split = try configuration.generate().stratifiedSplit(SplitFractions(), seed: 21)
        let model: SequentialClassifier<Float> = try ModelCatalog.make("bilstm-attention", inputChannels: 2)
        model.initialize(seed: 21)
        var training = TrainingConfiguration()
        training.epochs = 4
        training.learningRate = 1e-2
        training.seed = 21
        let result = try Trainer(model: model, configuration: training).train(training: split.train, validation: split.validation)
        let test = split.test
        let predictions = try Predictor(model: model).predict(test, importance: true)
        let classification = try ClassificationReport.binary(scores: predictions.probabilities, labels: test.labels, classNames: test.classNames)
        let attention = try #require(predictions.importance)
        let attentionSummary = try ExplanationSummary(model: "bilstm-attention", method: "attention", maps: attention, dataset: test)
        let saliency = try InputGradientSaliency.maps(model: model, dataset: test)
        let saliencySummary = try ExplanationSummary(model: "bilstm-attention", method: "saliency", maps: saliency, dataset: test)

        let settings = ["model": "bilstm-attention", "data": "synthetic mixed, N = 400, T = 80, C = 2, seed 21",
                        "epochs": "4", "learning rate": "0.01", "batch size": "32", "method": "attention"]
        let run = RunReportInput(
            title: "SeriesLens sample report", command: "swift test --filter SampleReportTests",
            settings: settings, history: result.history, classification: classification, explanation: attentionSummary,
            examples: ExampleSelection.examples(from: test, maps: attention, probabilities: predictions.probabilities, summary: attentionSummary))
        let comparison = ComparisonReportInput(
            title: "SeriesLens sample comparison", command: "swift test --filter SampleReportTests", settings: settings,
            models: [(attentionSummary, "attention"), (saliencySummary, "saliency")].map { summary, method in
                ModelComparison(model: "bilstm-attention", method: method, classification: classification, history: result.history,
                                parameterCount: model.parameters.count, explanation: summary)
            })
        return Sample(run: run, comparison: comparison)
    }

    static func outputDirectory() -> URL {
        if let path = ProcessInfo.processInfo.environment["SERIESLENS_SAMPLE_REPORT_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return FileManager.default.temporaryDirectory.appendingPathComponent("serieslens-sample-report-\(UUID().uuidString)", isDirectory: true)
    }

    @Test func writesASelfContainedRunReportAndComparison() throws {
        let sample = try Self.makeSample()
        let directory = Self.outputDirectory()
        let run = HTMLReport.render(sample.run)
        let written = try HTMLReport.write(run, to: directory)
        let comparison = try HTMLReport.write(HTMLReport.render(sample.comparison), to: directory.appendingPathComponent("comparison"))
        print("sample report: \(written.html.path) and \(comparison.html.path)")

        // At least 4 anomalous and 2 normal examples, the worst-localised among them.
        let examples = sample.run.examples
        #expect(examples.filter { $0.kind != nil }.count >= 4)
        #expect(examples.filter { $0.kind == nil }.count >= 2)
        let worst = sample.run.explanation!.series.filter { $0.group != "normal" }.min { ($0.massInside ?? -1, $0.index) < ($1.massInside ?? -1, $1.index) }!
        #expect(examples.contains { $0.index == worst.index })

        for (report, files) in [(run, written), (HTMLReport.render(sample.comparison), comparison)] {
            let html = try String(contentsOf: files.html, encoding: .utf8)
            #expect(html == report.html)
            #expect(!html.lowercased().contains("<script"))
            // No network: the only URL is the SVG namespace.
            #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").range(of: "http") == nil)
            #expect(html.components(separatedBy: "<svg ").count - 1 == report.figures.count)
            #expect(Set(report.figures.map(\.name)).count == report.figures.count, "figure names must be unique")
            for (figure, url) in zip(report.figures, files.figures) {
                let svg = try String(contentsOf: url, encoding: .utf8)
                #expect(svg == figure.svg)
                #expect(try WellFormedXML.check(svg), "\(figure.name) is not well-formed XML")
                #expect(!figure.caption.hasPrefix("Not drawn"), "\(figure.name): \(figure.caption)")
            }
        }
        // The run report has loss, ROC, PR, confusion, small multiples and one panel per example.
        #expect(run.figures.count == 5 + examples.count)
        // No temporary files left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }
}

/// Parses a document with Foundation's XML parser; any SVG syntax error fails it.
enum WellFormedXML {
    final class Delegate: NSObject, XMLParserDelegate {
        var error: Error?
        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }
    }

    static func check(_ text: String) throws -> Bool {
        let parser = XMLParser(data: Data(text.utf8))
        let delegate = Delegate()
        parser.delegate = delegate
        return parser.parse() && delegate.error == nil
    }
}
