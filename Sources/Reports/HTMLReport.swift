import Evaluation
import Foundation
import Training

/// A report in memory: the page and the figures it inlines.
public struct RenderedReport: Sendable {
    public let html: String
    public let figures: [Figure]
}

/// Where `HTMLReport.write` put things.
public struct WrittenReport: Sendable {
    /// `DIR/report.html`.
    public let html: URL
    /// `DIR/figures/NAME.svg`, one per figure, in page order.
    public let figures: [URL]
}

public struct ReportError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}

/// Assembles one self-contained `report.html` — inline SVG, inline CSS, no JavaScript, no network —
/// and writes each figure beside it as its own `.svg`.
public enum HTMLReport {
    /// The report of one run (`train`, `evaluate`, `explain`): settings, metrics, loss curves, ROC and
    /// PR curves, confusion matrix, explanation scores, normal-vs-anomalous maps and example series.
    public static func render(_ input: RunReportInput) -> RenderedReport {
        var page = Page(title: input.title, command: input.command)
        page.section("Run settings")
        page.settingsTable(input.settings)

        if let classification = input.classification {
            page.section("Test metrics")
            page.metricsTable(classification)
            if !input.history.isEmpty { page.figure(ReportCharts.lossCurves(history: input.history)) }
            if classification.task == .binary {
                let positives = classification.classCounts.count == 2 && classification.sampleCount > 0
                    ? Double(classification.classCounts[1]) / Double(classification.sampleCount) : nil
                page.figure(ReportCharts.rocCurve(classification.rocCurve, auc: classification.binary?.rocAUC))
                page.figure(ReportCharts.precisionRecallCurve(classification.precisionRecallCurve,
                                                              averagePrecision: classification.binary?.averagePrecision, positiveRate: positives))
            }
            page.figure(ReportCharts.confusionMatrix(classification.confusionMatrix))
        } else if !input.history.isEmpty {
            page.section("Training")
            page.figure(ReportCharts.lossCurves(history: input.history))
        }

        let method = input.explanation?.method ?? input.settings["method"] ?? "importance"
        if let explanation = input.explanation {
            page.section("Explanations scored against the true anomalies")
            page.paragraph("Model <b>\(escapeXML(explanation.model))</b>, map <b>\(escapeXML(explanation.method))</b>. Mean ± standard deviation over the test series of each group. "
                + "<i>attention_accuracy</i> is the seed's score (window ±\(explanation.windowRadius) steps around the peak, overlap divided by the anomaly length; it cannot exceed 20 / L for an anomaly of L steps). "
                + "<i>pointing</i> is the share of series whose peak lies within \(explanation.pointingTolerance) steps of the anomaly, next to the chance level of a random peak. "
                + "<i>mass inside</i> is the share of the normalised map on the anomaly and <i>mass ratio</i> that share divided by the anomaly's share of the series (1 = no localisation). "
                + "<i>entropy/uniform</i> is H(map) / log T (1 = uniform).")
            page.explanationTable(explanation)
            page.subsection("Normal vs anomalous maps")
            page.normalVersusAnomalousTable(explanation)
        }
        if !input.examples.isEmpty {
            if input.explanation == nil { page.section("Example series") }
            if input.examples.contains(where: { $0.importance != nil }) {
                page.figure(ReportCharts.mapSmallMultiples(input.examples, method: method))
            }
            page.subsection("Example series")
            page.paragraph(input.explanation == nil
                ? "The first series of each class (no ground truth to rank them by)."
                : "Chosen reproducibly from the scores: the worst-localised series overall and of each kind, the median of each kind, and the least uniform and median normal series.")
            for (number, example) in input.examples.enumerated() {
                page.figure(ReportCharts.seriesPanel(example, method: method, name: String(format: "series-%02d-index-%d", number + 1, example.index)))
            }
        }
        return page.finish()
    }

    /// The report of `compare`: the architecture table, accuracy against training time, and the
    /// localisation scores per anomaly kind.
    public static func render(_ input: ComparisonReportInput) -> RenderedReport {
        var page = Page(title: input.title, command: input.command)
        page.section("Settings")
        page.settingsTable(input.settings)
        page.section("Architectures")
        page.architectureTable(input.models)
        page.figure(ReportCharts.accuracyVersusTime(input.models))
        page.section("Localisation per anomaly kind")
        page.localisationTable(input.models)
        page.figure(ReportCharts.localisationByKind(
            input.models, scoreName: "Pointing game", axisLabel: "hit rate (fraction of series)", name: "pointing-game-by-kind", upperBound: 1,
            reference: ("chance level of a random peak", { $0.pointingChance?.mean }), score: \.pointingGame))
        page.figure(ReportCharts.localisationByKind(
            input.models, scoreName: "Mass ratio", axisLabel: "mass inside / anomaly share (ratio)", name: "mass-ratio-by-kind",
            reference: ("1 = uniform map", { _ in 1 }), score: \.massRatio))
        page.figure(ReportCharts.localisationByKind(
            input.models, scoreName: "attention_accuracy (seed)", axisLabel: "window overlap / anomaly length (fraction)",
            name: "attention-accuracy-by-kind", upperBound: 1, score: \.attentionAccuracy))
        return page.finish()
    }

    /// Writes `DIR/report.html` and `DIR/figures/*.svg`, each atomically (a temporary file in the same
    /// directory, then `rename`), creating the directories as needed.
    @discardableResult
    public static func write(_ report: RenderedReport, to directory: URL) throws -> WrittenReport {
        let figuresDirectory = directory.appendingPathComponent("figures", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: figuresDirectory, withIntermediateDirectories: true)
        } catch {
            throw ReportError(path: figuresDirectory.path, message: "cannot create the directory (\(error.localizedDescription))")
        }
        var figureURLs: [URL] = []
        for figure in report.figures {
            let url = figuresDirectory.appendingPathComponent(figure.name + ".svg")
            try writeAtomically(figure.svg, to: url)
            figureURLs.append(url)
        }
        let html = directory.appendingPathComponent("report.html")
        try writeAtomically(report.html, to: html)
        return WrittenReport(html: html, figures: figureURLs)
    }

    /// Writes `text` to a temporary file beside `url` and renames it over `url`, so a reader never
    /// sees a half-written file.
    static func writeAtomically(_ text: String, to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8)) else {
            throw ReportError(path: temporary.path, message: "cannot write the temporary file")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let message = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ReportError(path: url.path, message: "cannot rename the temporary file into place (\(message))")
        }
    }
}

/// The HTML page under construction.
struct Page {
    private var parts: [String] = []
    private(set) var figures: [Figure] = []
    let title: String

    init(title: String, command: String) {
        self.title = title
        parts.append("<h1>\(escapeXML(title))</h1>")
        if !command.isEmpty { parts.append("<p class=\"command\"><code>\(escapeXML(command))</code></p>") }
    }

    mutating func section(_ heading: String) { parts.append("<h2>\(escapeXML(heading))</h2>") }
    mutating func subsection(_ heading: String) { parts.append("<h3>\(escapeXML(heading))</h3>") }
    /// `html` is trusted markup built by this module; callers escape any data they put in it.
    mutating func paragraph(_ html: String) { parts.append("<p>\(html)</p>") }

    mutating func table(header: [String], rows: [[String]], numericFrom: Int = 1) {
        var html = "<table><thead><tr>" + header.map { "<th>\(escapeXML($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>" + row.enumerated().map { column, cell in
                column >= numericFrom ? "<td class=\"number\">\(escapeXML(cell))</td>" : "<td>\(escapeXML(cell))</td>"
            }.joined() + "</tr>"
        }
        parts.append(html + "</tbody></table>")
    }

    mutating func settingsTable(_ settings: [String: String]) {
        if settings.isEmpty { paragraph("No settings recorded."); return }
        table(header: ["setting", "value"], rows: settings.keys.sorted().map { [$0, settings[$0]!] }, numericFrom: 2)
    }

    mutating func metricsTable(_ report: ClassificationReport) {
        var rows = report.namedMetrics.map { [$0.name, $0.value.description] }
        rows.append(["series", String(report.sampleCount)])
        for (name, count) in zip(report.classNames, report.classCounts) { rows.append(["class \(name)", String(count)]) }
        if let threshold = report.threshold { rows.append(["decision threshold", decimal3(threshold)]) }
        table(header: ["metric", "value"], rows: rows)
    }

    mutating func explanationTable(_ summary: ExplanationSummary) {
        let header = ["group", "series", "attention_accuracy", "pointing (±\(summary.pointingTolerance))", "pointing chance",
                      "mass inside", "mass ratio", "entropy/uniform"]
        let rows = summary.groups.map { group in
            [group.group, String(group.seriesCount)] + [group.attentionAccuracy, group.pointingGame, group.pointingChance,
                                                       group.massInside, group.massRatio, group.normalisedEntropy].map { $0?.description ?? "—" }
        }
        table(header: header, rows: rows)
    }

    /// The seed's table ("uniform" vs "peak in the anomaly region") with the measured numbers.
    mutating func normalVersusAnomalousTable(_ summary: ExplanationSummary) {
        let anomalousGroup = summary.group(ExplanationSummary.allAnomalousGroup)
            ?? summary.groups.first { $0.group != ExplanationSummary.normalGroup }
        var rows: [[String]] = []
        if let normal = summary.group(ExplanationSummary.normalGroup) {
            rows.append(["normal", String(normal.seriesCount), "uniform", normal.normalisedEntropy?.description ?? "—", "—", "—"])
        }
        if let anomalous = anomalousGroup {
            rows.append(["anomalous", String(anomalous.seriesCount), "peak in the anomaly region",
                         anomalous.normalisedEntropy?.description ?? "—", anomalous.massRatio?.description ?? "—",
                         anomalous.pointingGame?.description ?? "—"])
        }
        table(header: ["series", "n", "seed's claim", "entropy/uniform (1 = uniform)", "mass ratio (1 = none)", "pointing hit rate"], rows: rows, numericFrom: 3)
    }

    mutating func architectureTable(_ models: [ModelComparison]) {
        let rows = models.map { model in
            [model.model, model.method, model.accuracy.map(decimal3) ?? "—", model.rocAUC.map(decimal3) ?? "—",
             model.trainingSeconds.map { String(format: "%.1f", $0) } ?? "—", model.parameterCount.map(String.init) ?? "—"]
        }
        table(header: ["model", "map", "accuracy", "ROC-AUC", "training time (s)", "parameters"], rows: rows, numericFrom: 2)
    }

    mutating func localisationTable(_ models: [ModelComparison]) {
        var rows: [[String]] = []
        for model in models {
            for group in model.groups {
                rows.append([model.model, model.method, group.group, String(group.seriesCount)]
                    + [group.attentionAccuracy, group.pointingGame, group.pointingChance, group.massInside, group.massRatio, group.normalisedEntropy]
                    .map { $0?.description ?? "—" })
            }
        }
        table(header: ["model", "map", "group", "series", "attention_accuracy", "pointing", "pointing chance", "mass inside", "mass ratio", "entropy/uniform"],
              rows: rows, numericFrom: 3)
    }

    mutating func figure(_ figure: Figure) {
        figures.append(figure)
        // The same SVG text as the file: inline SVG in HTML accepts the namespace declaration as is.
        parts.append("<figure id=\"\(escapeXML(figure.name))\">\(figure.svg)<figcaption><b>Figure \(figures.count).</b> \(escapeXML(figure.caption)) <span class=\"file\">(figures/\(escapeXML(figure.name)).svg)</span></figcaption></figure>")
    }

    func finish() -> RenderedReport {
        let html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escapeXML(title))</title>
        <style>
        body { font-family: Helvetica, Arial, sans-serif; color: #111; background: #fff; max-width: 1100px; margin: 24px auto; padding: 0 16px; line-height: 1.4; }
        h1 { font-size: 24px; margin-bottom: 4px; }
        h2 { font-size: 19px; margin-top: 32px; border-bottom: 1px solid #999; padding-bottom: 2px; }
        h3 { font-size: 16px; margin-top: 22px; }
        table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
        th, td { border: 1px solid #aaa; padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #eee; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        figure { margin: 16px 0 24px; }
        figure svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
        figcaption { font-size: 13px; color: #333; max-width: 760px; }
        .file { color: #666; }
        .command code { background: #f3f3f3; padding: 2px 4px; }
        </style>
        </head>
        <body>
        \(parts.joined(separator: "\n"))
        </body>
        </html>

        """
        return RenderedReport(html: html, figures: figures)
    }
}
