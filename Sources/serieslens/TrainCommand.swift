import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Kernels
import Models
import Training

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model, keep the best epoch by validation loss, and report test metrics.",
        discussion: """
            Without --train the data is the seed's synthetic task: sine series (T=500, freq U(1,4), amp
            U(1,10)), half of them with a flat anomaly, split 70/15/15 (stratified). With --train FILE
            (and optionally --test FILE) the data comes from files; see docs/FORMATS.md. The validation
            share is --validation-fraction (of the --train file when --test is given); with 0 there is
            no validation set and the epoch with the lowest training loss is kept (as in the FCN
            baseline of Wang et al. 2017), which suits small archives such as UCR's.

            Writes DIR/model.safetensors (best epoch so far; PyTorch state_dict names), after every
            epoch DIR/last.safetensors (parameters, optimizer and generator state for --resume),
            DIR/history.csv and .json (per epoch: losses, seconds, series/s, learning rate), and at the
            end DIR/metrics.json (test metrics). Every file is replaced atomically.

            Examples:
              serieslens train
              serieslens train --epochs 5 --samples 2000 --seed 7 --out runs/seed7
              serieslens train --kind noise --channels sine,cosine
              serieslens train --optimizer adamw --weight-decay 0.01 --lr-schedule onecycle --lr 0.01
              serieslens train --resume runs/seed7        # continue an interrupted run exactly
              serieslens train --model cnn --train ArrowHead_TRAIN.ts --test ArrowHead_TEST.ts --normalize series \\
                --validation-fraction 0 --epochs 1000 --batch-size 16 --lr-schedule cosine --patience 0   # UCR recipe (README)
            """)

    @Option(help: ArgumentHelp("Model: a name from `serieslens models` or a definition file (.json).", valueName: "name|file"))
    var model = "bilstm-attention"

    @Option(help: ArgumentHelp("Folder of model definitions (*.json) whose models can be named; repeatable. Also $SERIESLENS_PLUGINS (':'-separated).", valueName: "dir"))
    var plugins: [String] = []

    @OptionGroup(title: "Training recipe")
    var recipe: RecipeOptions

    @Option(help: ArgumentHelp("Continue the interrupted run in DIR from DIR/last.safetensors, with its original options.", valueName: "dir"))
    var resume: String?

    @Option(help: "Seed for data generation, split, initialisation and batch order.")
    var seed: UInt64 = 42

    @OptionGroup(title: "Synthetic data (without --train)")
    var synthetic: SyntheticOptions

    @OptionGroup(title: "Data from files")
    var data: DataOptions

    @Option(help: ArgumentHelp("Directory for the checkpoint, history and metrics.", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("""
        Two classes: the decision threshold on P(anomalous) for the test metrics, stored in the \
        checkpoint for evaluate and predict. validation-f1: the F1-maximising cut on the validation set \
        (halfway between the scores either side of it).
        """, valueName: "p|validation-f1"))
    var threshold = "0.5"

    func validate() throws {
        guard threshold == "validation-f1" || Double(threshold).map({ (0...1).contains($0) }) == true else {
            throw ValidationError("--threshold must be a number in [0, 1] or validation-f1, got '\(threshold)'")
        }
    }

    func run() throws {
        do {
            if let resume {
                let url = URL(fileURLWithPath: resume).appendingPathComponent("last.safetensors")
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw ValidationError("--resume \(resume): no last.safetensors there (was the run started with --out \(resume)?)")
                }
                let state = try Checkpoint.readTrainingState(from: url)
                var original = try TrainCommand.parse(state.arguments)
                original.out = resume
                try original.trainAndReport(arguments: state.arguments, resuming: state)
            } else {
                try trainAndReport(arguments: Self.ownArguments, resuming: nil)
            }
        } catch let exit as ExitCode { throw exit } catch { throw reportFailure(error) }
    }

    /// This invocation's arguments after `train`, stored in last.safetensors for --resume.
    static var ownArguments: [String] {
        Array(CommandLine.arguments.dropFirst().drop { $0 != "train" }.dropFirst())
    }

    private func loadData() throws -> (train: SeriesDataset, validation: SeriesDataset?, test: SeriesDataset, normalizer: Normalizer, description: String) {
        if data.trainPath != nil {
            let splits = try data.loadSplits(validationFraction: recipe.validationFraction, seed: seed)
            return (splits.train, splits.validation, splits.test, splits.normalizer, "files \(data.trainPath!)\(data.testPath.map { " + \($0)" } ?? "")")
        }
        let configuration = try synthetic.configuration(seed: seed)
        let dataset = try configuration.generate()
        let split = try trainingSplits(dataset, test: nil, validationFraction: recipe.validationFraction, seed: seed)
        let normalizer = Normalizer.fit(try data.normalizationMethod(), on: split.train)
        return (try normalizer.apply(to: split.train), try split.validation.map { try normalizer.apply(to: $0) }, try normalizer.apply(to: split.test), normalizer,
                synthetic.summary(configuration))
    }

    private func trainAndReport(arguments: [String], resuming: TrainingState?) throws {
        let (train, validation, test, normalizer, description) = try loadData()
        if threshold == "validation-f1" {
            // Fail before training, not after it.
            guard train.classCount == 2 else { throw ValidationError("--threshold validation-f1 needs two classes, the data has \(train.classCount)") }
            guard validation?.count ?? 0 > 0 else { throw ValidationError("--threshold validation-f1 needs a validation set (--validation-fraction > 0)") }
        }
        let pluginDirectories = plugins + ModelRegistry.environmentPluginDirectories()
        let classifier: SequentialClassifier<Float> = try ModelCatalog.make(
            model, inputChannels: train.channels, classCount: train.classCount, length: train.length, pluginDirectories: pluginDirectories,
            convolution: recipe.convolution)
        let configuration = recipe.configuration(seed: seed)
        let epochs = recipe.epochs
        classifier.initialize(seed: seed)
        let directory = URL(fileURLWithPath: out ?? "runs/\(model)-seed\(seed)")
        let trainer = Trainer(model: classifier, configuration: configuration)
        if let resuming {
            try Checkpoint.restore(trainer, from: resuming)
            print("resuming \(directory.path) after epoch \(trainer.progress.completedEpochs)")
        }
        print("\(model): \(classifier.parameters.count) parameters; data: \(description)")
        print("train \(train.count), validation \(validation.map { "\($0.count)" } ?? "none (best epoch by training loss)"), test \(test.count); batch \(recipe.batchSize), \(recipe.optimizer) lr \(recipe.lr) (\(recipe.lrSchedule)), up to \(epochs) epochs, patience \(recipe.patience); threads \(recipe.threads)")
        fflush(nil)

        let metadata = CheckpointMetadata(
            model: model, inputChannels: train.channels, length: train.length, classNames: train.classNames,
            training: configuration, normalizer: normalizer, definition: classifier.definition)
        let interactive = isatty(STDOUT_FILENO) != 0
        let result = try trainer.train(training: train, validation: validation, onBatch: { progress in
            guard interactive else { return }
            print(String(format: "\repoch %3d/%d  batch %4d/%d  loss %.4f  %6.0f series/s  ETA %4.0f s ",
                         progress.epoch, epochs, progress.batch, progress.batches, progress.loss,
                         progress.seriesPerSecond, progress.secondsRemainingInEpoch), terminator: "")
            fflush(nil)
        }, onEpoch: { record, isBest in
            if interactive { print("\r\u{1B}[K", terminator: "") }
            let validationText = record.validationLoss.map { String(format: "  val loss %.4f", $0) } ?? ""
            print(String(format: "epoch %3d/%d  train loss %.4f%@  %6.2f s  %7.0f series/s%@",
                         record.epoch, epochs, record.trainLoss, validationText, record.seconds, record.seriesPerSecond,
                         isBest ? "  *" : ""))
            fflush(nil)  // show each epoch as it ends, also when stdout is a pipe
            var bestMetadata = metadata
            bestMetadata.epoch = trainer.progress.bestEpoch
            if isBest {
                try Checkpoint.save(trainer.bestParameters, metadata: bestMetadata, to: directory.appendingPathComponent("model.safetensors"))
            }
            try Checkpoint.saveTrainingState(trainer, metadata: bestMetadata, arguments: arguments, to: directory.appendingPathComponent("last.safetensors"))
            try RunFiles.writeHistory(trainer.progress.history, to: directory)
        })
        let monitored = result.monitored == .validation ? "val loss" : "train loss"
        print("best epoch \(result.bestEpoch) (\(monitored) \(String(format: "%.4f", result.bestLoss)))\(result.stoppedEarly ? ", stopped early" : "")")

        let cutoff = try decisionThreshold(classifier: classifier, validation: validation)
        if cutoff != 0.5 {
            var chosen = metadata
            chosen.epoch = result.bestEpoch
            chosen.threshold = cutoff
            try Checkpoint.save(classifier, metadata: chosen, to: directory.appendingPathComponent("model.safetensors"))
            print("decision threshold \(String(format: "%.4f", cutoff))\(threshold == "validation-f1" ? " (F1-maximising on the \(validation?.count ?? 0) validation series)" : "")")
        }
        let predictions = try Predictor(model: classifier).predict(test, importance: true)
        let report = try RunReport.classification(
            probabilities: predictions.probabilities, labels: test.labels, classNames: train.classNames, threshold: cutoff)
        print("\ntest set (\(test.count) series):")
        print(report.table())
        try RunFiles.writeJSON(report, to: directory.appendingPathComponent("metrics.json"))
        var settings = recipe.settings
        settings["model"] = model
        settings["data"] = description
        settings["epochs"] = "\(result.history.count) of up to \(epochs) (best \(result.bestEpoch), patience \(recipe.patience))"
        settings["seed"] = "\(seed)"
        settings["normalisation"] = data.normalize
        settings["parameters"] = "\(classifier.parameters.count)"
        if train.classCount == 2 { settings["threshold"] = threshold == "validation-f1" ? "\(cutoff) (validation F1)" : "\(cutoff)" }
        let (written, explanation) = try RunReport.write(
            title: "SeriesLens: \(model)", command: "serieslens train " + arguments.joined(separator: " "), settings: settings,
            modelName: model, model: classifier, test: test, history: result.history, classification: report,
            probabilities: predictions.probabilities, predictedMaps: predictions.importance, to: directory)
        if let explanation {
            print("\nexplanations (\(explanation.method)) against the true anomaly location:")
            print(explanation.table())
        }
        print("wrote \(directory.path)/model.safetensors, last.safetensors, history.csv, history.json, metrics.json, \(written.html.lastPathComponent) (+ \(written.figures.count) figures)")
    }

    /// The --threshold for the best epoch's model (already restored into `classifier`).
    private func decisionThreshold(classifier: SequentialClassifier<Float>, validation: SeriesDataset?) throws -> Double {
        guard threshold == "validation-f1", let validation else { return Double(threshold) ?? 0.5 }
        let scores = try Predictor(model: classifier).predict(validation, importance: false).probabilities
        guard let cut = try BinaryRanking.f1MaximisingCut(scores: scores, labels: validation.labels) else {
            throw ValidationError("--threshold validation-f1: the validation set has no anomalous series")
        }
        return cut
    }
}
