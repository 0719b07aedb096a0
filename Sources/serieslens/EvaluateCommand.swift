import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Layers
import Training

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Metrics of a trained checkpoint on a data file or on fresh synthetic series.",
        discussion: """
            Prints the metrics table (accuracy, precision, recall, F1, ROC-AUC, average precision,
            confusion matrix); --json FILE writes it as JSON, --out DIR writes metrics.json and a
            report.html with curves, explanation scores and example series.

            Examples:
              serieslens evaluate --checkpoint runs/demo/model.safetensors --samples 1000 --seed 99
              serieslens evaluate --checkpoint runs/gunpoint/model.safetensors --data GunPoint_TEST.ts --json gunpoint.json
            """)

    @OptionGroup var input: CheckpointDataOptions

    @Option(help: ArgumentHelp("""
        Decision threshold on P(anomalous) (default: the one stored by train --threshold, else 0.5); \
        best-f1 picks the F1-maximising one on this data (optimistic: tuned on what it scores).
        """, valueName: "p|best-f1"))
    var threshold: String?

    @Option(help: ArgumentHelp("Also write the metrics as JSON here.", valueName: "file"))
    var json: String?

    @Option(help: ArgumentHelp("Write metrics.json and report.html (metrics, curves, explanation scores when the data has ground truth, example series) here.", valueName: "dir"))
    var out: String?

    func run() throws {
        do {
            let loaded = try input.load()
            let predictions = try Predictor(model: loaded.model).predict(loaded.dataset, importance: out != nil)
            let cutoff: Double
            if loaded.metadata.classNames.count > 2 {
                cutoff = 0.5  // multi-class: the largest probability wins; no threshold
            } else if threshold == nil {
                cutoff = loaded.metadata.threshold ?? 0.5
            } else if threshold == "best-f1" {
                let choice = try BinaryRanking.f1MaximisingThreshold(scores: predictions.probabilities, labels: loaded.dataset.labels)
                guard let best = choice.threshold else { throw ValidationError("--threshold best-f1 needs both classes in the data") }
                cutoff = best
            } else {
                guard let value = threshold.flatMap(Double.init), value >= 0, value <= 1 else {
                    throw ValidationError("--threshold must be a number in [0, 1] or best-f1, got '\(threshold ?? "")'")
                }
                cutoff = value
            }
            let report = try RunReport.classification(
                probabilities: predictions.probabilities, labels: loaded.dataset.labels, classNames: loaded.metadata.classNames, threshold: cutoff)
            print("\(loaded.metadata.model) (epoch \(loaded.metadata.epoch.map(String.init) ?? "?")) on \(loaded.description): \(loaded.dataset.count) series")
            print(report.table())
            if let json { try RunFiles.writeJSON(report, to: URL(fileURLWithPath: json)) }
            if let out {
                let directory = URL(fileURLWithPath: out)
                try RunFiles.writeJSON(report, to: directory.appendingPathComponent("metrics.json"))
                let (written, _) = try RunReport.write(
                    title: "SeriesLens: evaluating \(loaded.metadata.model)",
                    command: "serieslens evaluate " + CommandLine.arguments.dropFirst(2).joined(separator: " "),
                    settings: ["model": loaded.metadata.model, "checkpoint": input.checkpoint, "data": loaded.description,
                               "threshold": String(cutoff)],
                    modelName: loaded.metadata.model, model: loaded.model, test: loaded.dataset, history: [],
                    classification: report, probabilities: predictions.probabilities, predictedMaps: predictions.importance, to: directory)
                print("wrote \(directory.path)/metrics.json, \(written.html.lastPathComponent) (+ \(written.figures.count) figures)")
            }
        } catch let exit as ExitCode { throw exit } catch { throw reportFailure(error) }
    }
}

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Per-series probabilities and predicted labels (and importance maps) from a checkpoint.",
        discussion: """
            Writes a CSV with columns id, probability (of the second class), predicted (class name);
            for K > 2 classes one probability column per class (p_NAME) before predicted.
            With --importance FILE.npy also writes the (N, T) float32 importance maps (attention weights
            for attention models).

            Example:
              serieslens predict --checkpoint runs/demo/model.safetensors --data new.ts --out preds.csv --importance maps.npy
            """)

    @OptionGroup var input: CheckpointDataOptions

    @Option(help: ArgumentHelp("Output CSV.", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("Write the (N, T) importance maps as .npy.", valueName: "file"))
    var importance: String?

    @Option(help: "Decision threshold on the probability (default: the one stored by train --threshold, else 0.5).")
    var threshold: Double?

    func run() throws {
        do {
            let loaded = try input.load()
            let predictions = try Predictor(model: loaded.model).predict(loaded.dataset, importance: importance != nil)
            let names = loaded.metadata.classNames
            let threshold = self.threshold ?? loaded.metadata.threshold ?? 0.5
            var csv: String
            if names.count <= 2 {
                csv = "id,probability,predicted\n"
                for (index, probability) in predictions.probabilities.enumerated() {
                    csv += "\(index),\(probability),\(names[Double(probability) >= threshold ? 1 : 0])\n"
                }
            } else {
                let k = names.count
                csv = "id," + names.map { "p_\($0)" }.joined(separator: ",") + ",predicted\n"
                for index in 0..<loaded.dataset.count {
                    let row = Array(predictions.probabilities[(index * k)..<((index + 1) * k)])
                    let best = row.indices.max { row[$0] < row[$1] }!
                    csv += "\(index)," + row.map { "\($0)" }.joined(separator: ",") + ",\(names[best])\n"
                }
            }
            try AtomicFile.write(csv, to: URL(fileURLWithPath: out))
            if let importance {
                guard let maps = predictions.importance else {
                    throw ValidationError("model \(loaded.metadata.model) makes no importance map of its own")
                }
                try AtomicFile.write(NumpyFormat.encode(float32: maps, shape: [loaded.dataset.count, loaded.dataset.length]),
                                     to: URL(fileURLWithPath: importance))
            }
            print("wrote \(loaded.dataset.count) predictions to \(out)\(importance.map { " and importance maps to \($0)" } ?? "")")
        } catch let exit as ExitCode { throw exit } catch { throw reportFailure(error) }
    }
}
