import Evaluation
import Foundation
import Reports

/// The `compare` table: one row per model × data, mean ± std over seeds.
struct ComparisonTable {
    struct Row: Codable {
        var model: String
        var data: String
        var method: String
        var seeds: Int
        var accuracy: MeanStd?
        var f1: MeanStd?
        var rocAUC: MeanStd?
        /// The seed's attention_accuracy, pointing game and mass ratio over the anomalous test series.
        var attentionAccuracy: MeanStd?
        var pointingGame: MeanStd?
        var massRatio: MeanStd?
        var parameterCount: Int
        var trainingSeconds: MeanStd?
        var inferenceSeriesPerSecond: MeanStd?
    }

    let runs: [ComparisonRun]
    let rows: [Row]

    init(runs: [ComparisonRun], models: [String], data: [String]) {
        self.runs = runs
        var rows: [Row] = []
        for model in models {
            for name in data {
                let group = runs.filter { $0.model == model && $0.data == name }
                guard let first = group.first else { continue }
                let anomalous = group.flatMap { $0.explanation ?? [] }.filter { $0.group != ExplanationSummary.normalGroup }
                rows.append(Row(
                    model: model, data: name, method: first.method, seeds: group.count,
                    accuracy: MeanStd(group.compactMap(\.accuracy)), f1: MeanStd(group.compactMap(\.f1)),
                    rocAUC: MeanStd(group.compactMap(\.rocAUC)),
                    attentionAccuracy: MeanStd(anomalous.compactMap(\.attentionAccuracy)),
                    pointingGame: MeanStd(anomalous.compactMap { $0.pointingHit.map { $0 ? 1 : 0 } }),
                    massRatio: MeanStd(anomalous.compactMap(\.massRatio)),
                    parameterCount: first.parameterCount,
                    trainingSeconds: MeanStd(group.map(\.trainingSeconds)),
                    inferenceSeriesPerSecond: MeanStd(group.map(\.inferenceSeriesPerSecond))))
            }
        }
        self.rows = rows
    }

    static let headers = ["model", "data", "map", "seeds", "accuracy", "F1", "ROC-AUC", "attention acc.", "pointing", "mass ratio",
                          "parameters", "train s", "infer series/s"]

    private func cells(_ row: Row) -> [String] {
        func format(_ value: MeanStd?, _ digits: Int = 3) -> String {
            guard let value else { return "—" }
            let mean = String(format: "%.\(digits)f", value.mean)
            guard let std = value.std else { return mean }
            return "\(mean) ± \(String(format: "%.\(digits)f", std))"
        }
        return [row.model, row.data, row.method, "\(row.seeds)", format(row.accuracy), format(row.f1), format(row.rocAUC),
                format(row.attentionAccuracy), format(row.pointingGame), format(row.massRatio), "\(row.parameterCount)",
                format(row.trainingSeconds, 1), format(row.inferenceSeriesPerSecond, 0)]
    }

    func text() -> String {
        let table = [Self.headers] + rows.map(cells)
        let widths = Self.headers.indices.map { column in table.map { $0[column].count }.max()! }
        return table.map { line in
            line.enumerated().map { column, cell in cell.padding(toLength: widths[column], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    func markdown() -> String {
        var lines = ["| " + Self.headers.joined(separator: " | ") + " |", "|" + String(repeating: "---|", count: Self.headers.count)]
        lines += rows.map { "| " + cells($0).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per run (not aggregated), for spreadsheets.
    func csv() -> String {
        var lines = ["model,data,seed,method,accuracy,f1,roc_auc,parameters,epochs,training_seconds,inference_series_per_second"]
        for run in runs {
            let fields: [String] = [run.model, run.data, "\(run.seed)", run.method, run.accuracy.map { "\($0)" } ?? "",
                                    run.f1.map { "\($0)" } ?? "", run.rocAUC.map { "\($0)" } ?? "", "\(run.parameterCount)",
                                    "\(run.epochs)", "\(run.trainingSeconds)", "\(run.inferenceSeriesPerSecond)"]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Per model, all its runs pooled: the report's architecture table and charts.
    func reportRows() -> [ModelComparison] {
        var seen: [String] = []
        for run in runs where !seen.contains(run.model) { seen.append(run.model) }
        return seen.map { model in
            let group = runs.filter { $0.model == model }
            let series = group.flatMap { $0.explanation ?? [] }
            let summary = series.isEmpty ? nil : ExplanationSummary(
                model: model, method: group[0].method, pointingTolerance: ExplanationScores.defaultPointingTolerance, series: series)
            return ModelComparison(
                model: model, method: group[0].method, accuracy: MeanStd(group.compactMap(\.accuracy))?.mean,
                rocAUC: MeanStd(group.compactMap(\.rocAUC))?.mean, trainingSeconds: MeanStd(group.map(\.trainingSeconds))?.mean,
                parameterCount: group[0].parameterCount, groups: summary?.groups ?? [])
        }
    }
}
