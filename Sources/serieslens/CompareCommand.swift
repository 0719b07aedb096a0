import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Kernels
import Layers
import Models
import Reports
import Training

/// One finished run of `compare` (model × data × seed), stored as DIR/MODEL/DATA/seedS/result.json
/// so an interrupted comparison resumes where it stopped.
struct ComparisonRun: Codable {
    var model: String
    var data: String
    var seed: UInt64
    var method: String
    var accuracy: Double?
    var f1: Double?
    var rocAUC: Double?
    var parameterCount: Int
    var epochs: Int
    var trainingSeconds: Double
    var inferenceSeriesPerSecond: Double
    var history: [EpochRecord]
    var explanation: [SeriesExplanationScore]?
    /// The recipe and data settings the run was trained with; a finished run is reused only when they
    /// match the current command's, so changing an option never silently mixes old results in.
    var settings: [String: String]?
}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Train and evaluate every model × anomaly kind (or dataset) × seed and print one table.",
        discussion: """
            For each combination: generate (or load) the data, train with the given recipe, then test
            metrics, explanation scores of the model's own importance map against the true anomaly
            (saliency for models without one), training seconds and inference series/s. The table shows
            mean ± std over the seeds. Finished runs in --out are reused, so an interrupted comparison
            resumes. Writes DIR/comparison.json, .csv, .md and DIR/report.html.

            Examples:
              serieslens compare --models all --kinds flat,spike --seeds 2 --epochs 5 --samples 1000
              serieslens compare --models cnn,ffn --dataset GunPoint=GunPoint_TRAIN.ts:GunPoint_TEST.ts --seeds 3 --normalize series
            """)

    @Option(help: ArgumentHelp("Models, comma-separated, or all.", valueName: "all|a,b"))
    var models = "all"

    @Option(help: ArgumentHelp("Synthetic anomaly kinds, comma-separated.", valueName: "flat,zero,noise,spike,mixed"))
    var kinds = "flat"

    @Option(name: .customLong("dataset"), help: ArgumentHelp("A real dataset instead of kinds: NAME=TRAIN_FILE[:TEST_FILE]; repeatable.", valueName: "spec"))
    var datasets: [String] = []

    @Option(help: "Seeds per combination (1 … n).")
    var seeds = 3

    @OptionGroup(title: "Training recipe (every run)")
    var recipe: RecipeOptions

    @Option(help: ArgumentHelp("Normalisation.", valueName: "none|series|channel"))
    var normalize = "none"

    @Option(help: "Synthetic series per run.")
    var samples = 5000

    @Option(help: "Synthetic series length T.")
    var length = 500

    @Option(help: ArgumentHelp("Synthetic channels.", valueName: "sine,cosine,random-walk"))
    var channels = "sine"

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out = "runs/compare"

    func validate() throws {
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        guard NormalizationMethod(rawValue: normalize) != nil else { throw ValidationError("--normalize must be none, series or channel") }
    }

    func run() throws {
        do { try compare() } catch let exit as ExitCode { throw exit } catch { throw reportFailure(error) }
    }

    struct DataSource {
        var name: String
        /// Everything about the data that changes a run's result, for `ComparisonRun.settings`.
        var description: String
        var load: (UInt64) throws -> (train: SeriesDataset, validation: SeriesDataset?, test: SeriesDataset)
    }

    private func sources() throws -> [DataSource] {
        let method = NormalizationMethod(rawValue: normalize)!
        let fraction = recipe.validationFraction
        func normalised(_ parts: (SeriesDataset, SeriesDataset?, SeriesDataset)) throws -> (train: SeriesDataset, validation: SeriesDataset?, test: SeriesDataset) {
            let normalizer = Normalizer.fit(method, on: parts.0)
            return (try normalizer.apply(to: parts.0), try parts.1.map { try normalizer.apply(to: $0) }, try normalizer.apply(to: parts.2))
        }
        if !datasets.isEmpty {
            return try datasets.map { spec in
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--dataset expects NAME=TRAIN[:TEST], got '\(spec)'") }
                let files = parts[1].split(separator: ":", maxSplits: 1).map(String.init)
                let train = try SeriesDataset.load(path: files[0])
                let test = try files.count > 1 ? SeriesDataset.load(path: files[1], options: LoadOptions(classNames: train.classNames)) : nil
                return DataSource(name: parts[0], description: parts[1]) { seed in
                    let padded = test.map { $0.length == train.length ? $0 : $0.padded(toLength: train.length) }
                    return try normalised(trainingSplits(train, test: padded, validationFraction: fraction, seed: seed))
                }
            }
        }
        return try kinds.split(separator: ",").map { name in
            let options = try SyntheticOptions.parse(["--samples", "\(samples)", "--length", "\(length)", "--kind", String(name), "--channels", channels])
            _ = try options.configuration(seed: 0)
            let description = "synthetic \(name), \(samples) series, length \(length), channels \(channels)"
            return DataSource(name: String(name), description: description) { seed in
                return try normalised(trainingSplits(options.configuration(seed: seed).generate(), test: nil, validationFraction: fraction, seed: seed))
            }
        }
    }

    private func compare() throws {
        let registry = try ModelRegistry(pluginDirectories: ModelRegistry.environmentPluginDirectories())
        let modelNames = models == "all" ? ModelCatalog.names : models.split(separator: ",").map(String.init)
        for name in modelNames where !registry.names.contains(name) && !FileManager.default.fileExists(atPath: name) {
            throw ValidationError("unknown model '\(name)' (models: \(registry.names.joined(separator: ", ")))")
        }
        let directory = URL(fileURLWithPath: out)
        var runs: [ComparisonRun] = []
        let sources = try sources()
        let total = modelNames.count * sources.count * seeds
        for source in sources {
            for seed in 1...UInt64(seeds) {
                var cached: (train: SeriesDataset, validation: SeriesDataset?, test: SeriesDataset)?
                for model in modelNames {
                    let runDirectory = directory.appendingPathComponent("\(URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent)/\(source.name)/seed\(seed)")
                    let resultURL = runDirectory.appendingPathComponent("result.json")
                    let settings = runSettings(source)
                    if let data = try? Data(contentsOf: resultURL), let previous = try? JSONDecoder().decode(ComparisonRun.self, from: data) {
                        try Self.checkReusable(previous.settings, current: settings, at: resultURL)
                        runs.append(previous)
                        print("[\(runs.count)/\(total)] \(model) · \(source.name) · seed \(seed): reused \(resultURL.path)")
                        continue
                    }
                    if cached == nil { cached = try source.load(seed) }
                    var run = try execute(model: model, data: source.name, seed: seed, split: cached!, directory: runDirectory)
                    run.settings = settings
                    try RunFiles.writeJSON(run, to: resultURL)
                    runs.append(run)
                    print("[\(runs.count)/\(total)] \(model) · \(source.name) · seed \(seed): accuracy \(run.accuracy.map { String(format: "%.3f", $0) } ?? "—"), \(String(format: "%.1f", run.trainingSeconds)) s")
                    fflush(nil)
                }
            }
        }
        let table = ComparisonTable(runs: runs, models: modelNames, data: sources.map(\.name))
        print("\n" + table.text())
        try RunFiles.writeJSON(table.rows, to: directory.appendingPathComponent("comparison.json"))
        try AtomicFile.write(table.csv(), to: directory.appendingPathComponent("comparison.csv"))
        try AtomicFile.write(table.markdown(), to: directory.appendingPathComponent("comparison.md"))
        let report = ComparisonReportInput(
            title: "SeriesLens: model comparison", command: "serieslens compare " + CommandLine.arguments.dropFirst(2).joined(separator: " "),
            settings: recipe.settings.merging(
                ["models": modelNames.joined(separator: ", "), "data": sources.map(\.name).joined(separator: ", "),
                 "seeds": "\(seeds)", "normalisation": normalize]) { $1 },
            models: table.reportRows())
        let written = try HTMLReport.write(HTMLReport.render(report), to: directory)
        print("wrote \(directory.path)/comparison.json, comparison.csv, comparison.md, \(written.html.lastPathComponent)")
    }

    private func runSettings(_ source: DataSource) -> [String: String] {
        recipe.settings.merging(["data": source.description, "normalisation": normalize]) { $1 }
    }

    /// Refuses to mix a finished run trained with other settings into this comparison.
    static func checkReusable(_ previous: [String: String]?, current: [String: String], at url: URL) throws {
        guard previous != current else { return }
        let changed = Set(current.keys).union(previous?.keys ?? [:].keys).sorted().filter { previous?[$0] != current[$0] }
        let detail = previous == nil ? "settings not recorded" : changed.map {
            "\($0): \(previous?[$0] ?? "—") → \(current[$0] ?? "—")"
        }.joined(separator: "; ")
        throw ValidationError("\(url.path) was trained with other settings (\(detail)); use another --out or remove that run to retrain it")
    }

    private func execute(model: String, data: String, seed: UInt64,
                         split: (train: SeriesDataset, validation: SeriesDataset?, test: SeriesDataset), directory: URL) throws -> ComparisonRun {
        let classifier: SequentialClassifier<Float> = try ModelCatalog.make(
            model, inputChannels: split.train.channels, classCount: split.train.classCount, length: split.train.length,
            convolution: recipe.convolution)
        classifier.initialize(seed: seed)
        let configuration = recipe.configuration(seed: seed)
        let result = try Trainer(model: classifier, configuration: configuration).train(training: split.train, validation: split.validation)
        try Checkpoint.save(classifier, metadata: CheckpointMetadata(
            model: model, inputChannels: split.train.channels, length: split.train.length, classNames: split.train.classNames,
            training: configuration, epoch: result.bestEpoch, definition: classifier.definition), to: directory.appendingPathComponent("model.safetensors"))
        let start = DispatchTime.now().uptimeNanoseconds
        let predictions = try Predictor(model: classifier).predict(split.test, importance: true)
        let inferenceSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let report = try RunReport.classification(probabilities: predictions.probabilities, labels: split.test.labels, classNames: split.test.classNames)
        var explanation: ExplanationSummary?
        var method = predictions.importance == nil ? "saliency" : (classifier.definition?.importanceKind().rawValue ?? "attention")
        if split.test.anomalyMask != nil {
            let (maps, name) = try RunReport.importanceMaps(model: classifier, on: split.test, predicted: predictions.importance)
            method = name
            explanation = try ExplanationSummary(model: model, method: name, maps: maps, dataset: split.test)
        }
        return ComparisonRun(
            model: model, data: data, seed: seed, method: method,
            accuracy: report.binary?.accuracy.value ?? report.multiclass?.accuracy.value,
            f1: report.binary?.f1.value ?? report.multiclass?.macroF1.value,
            rocAUC: report.binary?.rocAUC.value ?? report.multiclass?.macroROCAUC.value,
            parameterCount: classifier.parameters.count, epochs: result.history.count,
            trainingSeconds: result.history.reduce(0) { $0 + $1.seconds },
            inferenceSeriesPerSecond: Double(split.test.count) / max(inferenceSeconds, 1e-9),
            history: result.history, explanation: explanation?.series)
    }
}
