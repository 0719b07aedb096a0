import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Training

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Score a checkpoint's importance maps against the true anomaly locations, per anomaly kind.",
        discussion: """
            Runs the model on series with known anomalies (fresh synthetic series with --kinds, or a
            file with masks such as a .npy written by `serieslens generate`), takes its importance maps
            (its own attention weights or CAM — for multi-head attention the mean over heads and each
            head; --method saliency for |∂logit/∂x · x| summed over channels, available for every model)
            and prints, per anomaly kind, mean ± std of:
              attention_accuracy  the seed's score: share of the anomaly inside ±10 steps of the argmax
              pointing (±k)       the argmax falls inside the anomaly (k steps of tolerance)
              mass inside         share of the normalised map inside the anomaly (and its ratio to
                                  the anomaly's share of the series)
              entropy/uniform     entropy of the map relative to a uniform map (1 = uniform)
            Definitions: docs/FORMATS.md, "Explanation scores". Writes DIR/report.html with --out DIR.

            Examples:
              serieslens explain --checkpoint runs/demo/model.safetensors --kinds flat,zero,noise,spike
              serieslens explain --checkpoint runs/demo/model.safetensors --method saliency --out runs/demo/explain
            """)

    @OptionGroup var input: CheckpointDataOptions

    @Option(help: ArgumentHelp("Synthetic anomaly kinds to mix (one drawn per series); overrides --kind.", valueName: "flat,zero,noise,spike"))
    var kinds: String?

    @Option(help: ArgumentHelp("Importance map: own (the model's attention or CAM; saliency when it has none) or saliency.", valueName: "own|saliency"))
    var method = "own"

    @Option(help: "Tolerance of the pointing game in steps.")
    var pointingTolerance = ExplanationScores.defaultPointingTolerance

    @Option(help: ArgumentHelp("Write report.html, figures and explanation.json here.", valueName: "dir"))
    var out: String?

    func run() throws {
        do {
            guard method == "own" || method == "saliency" else { throw ValidationError("--method must be own or saliency, got '\(method)'") }
            var options = input
            if let kinds {
                let list = try kinds.split(separator: ",").map { name -> AnomalyKind in
                    guard let kind = AnomalyKind(rawValue: String(name)), kind != .mixed else {
                        throw ValidationError("--kinds: unknown kind '\(name)' (flat, zero, noise, spike)")
                    }
                    return kind
                }
                options.synthetic.kind = list.count == 1 ? list[0].rawValue : "mixed"
                options.mixedKinds = list
            }
            let loaded = try options.load()
            let predictions = try Predictor(model: loaded.model).predict(loaded.dataset, importance: method == "own")
            let (maps, methodName) = try RunReport.importanceMaps(model: loaded.model, on: loaded.dataset, predicted: method == "own" ? predictions.importance : nil)
            guard loaded.dataset.anomalyMask != nil else {
                throw ValidationError("\(loaded.description) has no anomaly masks to score against (use synthetic data or a .npy set with NAME.mask.npy)")
            }
            let summary = try ExplanationSummary(
                model: loaded.metadata.model, method: methodName, maps: maps, dataset: loaded.dataset, pointingTolerance: pointingTolerance)
            print("\(loaded.metadata.model) on \(loaded.description): \(loaded.dataset.count) series")
            print(summary.table())
            var headSummaries: [ExplanationSummary] = []
            if method == "own", let heads = try Predictor(model: loaded.model).headImportance(loaded.dataset) {
                for (head, maps) in heads.enumerated() {
                    let headSummary = try ExplanationSummary(
                        model: loaded.metadata.model, method: "attention head \(head)", maps: maps, dataset: loaded.dataset,
                        pointingTolerance: pointingTolerance)
                    headSummaries.append(headSummary)
                    print("\n" + headSummary.table())
                }
            }
            if let out {
                let directory = URL(fileURLWithPath: out)
                let classification = try RunReport.classification(
                    probabilities: predictions.probabilities, labels: loaded.dataset.labels, classNames: loaded.metadata.classNames)
                try RunFiles.writeJSON([summary] + headSummaries, to: directory.appendingPathComponent("explanation.json"))
                let (written, _) = try RunReport.write(
                    title: "SeriesLens: explaining \(loaded.metadata.model)", command: "serieslens explain " + CommandLine.arguments.dropFirst(2).joined(separator: " "),
                    settings: ["model": loaded.metadata.model, "checkpoint": input.checkpoint, "data": loaded.description, "method": methodName],
                    modelName: loaded.metadata.model, model: loaded.model, test: loaded.dataset, history: [],
                    classification: classification, probabilities: predictions.probabilities,
                    predictedMaps: method == "own" ? predictions.importance : nil, to: directory)
                print("wrote \(directory.path)/explanation.json, \(written.html.lastPathComponent) (+ \(written.figures.count) figures)")
            }
        } catch let exit as ExitCode { throw exit } catch { throw reportFailure(error) }
    }
}
