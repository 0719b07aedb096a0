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
            (and optionally --test FILE) the data comes from files; see docs/FORMATS.md.

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
            """)

    @Option(help: ArgumentHelp("Model: a name from `serieslens models` or a definition file (.json).", valueName: "name|file"))
    var model = "bilstm-attention"

    @Option(help: ArgumentHelp("Folder of model definitions (*.json) whose models can be named; repeatable. Also $SERIESLENS_PLUGINS (':'-separated).", valueName: "dir"))
    var plugins: [String] = []

    @Option(help: "Maximum number of epochs.")
    var epochs = 15

    @Option(help: "Stop after this many epochs without a validation-loss improvement (0: never).")
    var patience = 5

    @Option(help: "Series per mini-batch.")
    var batchSize = 32

    @Option(help: "Learning rate (the peak rate for --lr-schedule onecycle).")
    var lr = 1e-3

    @Option(help: ArgumentHelp("Optimizer: adam (weight decay as L2), adamw (decoupled weight decay), sgd (momentum 0.9).", valueName: "adam|adamw|sgd"))
    var optimizer = "adam"

    @Option(help: "Weight decay.")
    var weightDecay = 0.0

    @Option(help: ArgumentHelp("Clip the global gradient L2 norm to this value before each update.", valueName: "norm"))
    var clipGradNorm: Double?

    @Option(help: ArgumentHelp("Learning-rate schedule per batch: constant, cosine (to 0), onecycle (warm-up 30 %, then cosine).", valueName: "constant|cosine|onecycle"))
    var lrSchedule = "constant"

    @Option(help: ArgumentHelp("Continue the interrupted run in DIR from DIR/last.safetensors, with its original options.", valueName: "dir"))
    var resume: String?

    @Option(help: "Seed for data generation, split, initialisation and batch order.")
    var seed: UInt64 = 42

    @Option(help: "Threads: 2 runs the two LSTM directions on two cores.")
    var threads = 2

    @OptionGroup(title: "Synthetic data (without --train)")
    var synthetic: SyntheticOptions

    @OptionGroup(title: "Data from files")
    var data: DataOptions

    @Option(help: ArgumentHelp("Directory for the checkpoint, history and metrics.", valueName: "dir"))
    var out: String?

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number") }
        guard (1...2).contains(threads) else { throw ValidationError("--threads must be 1 or 2") }
        guard patience >= 0 else { throw ValidationError("--patience must be 0 or more") }
        guard OptimizerKind(rawValue: optimizer) != nil else { throw ValidationError("--optimizer must be adam, adamw or sgd, got '\(optimizer)'") }
        guard LearningRateSchedule(rawValue: lrSchedule) != nil else {
            throw ValidationError("--lr-schedule must be constant, cosine or onecycle, got '\(lrSchedule)'")
        }
        if let clipGradNorm, !(clipGradNorm > 0) { throw ValidationError("--clip-grad-norm must be positive") }
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

    private func loadData() throws -> (train: SeriesDataset, validation: SeriesDataset, test: SeriesDataset, normalizer: Normalizer, description: String) {
        if data.trainPath != nil {
            let splits = try data.loadSplits(seed: seed)
            return (splits.train, splits.validation, splits.test, splits.normalizer, "files \(data.trainPath!)\(data.testPath.map { " + \($0)" } ?? "")")
        }
        let configuration = try synthetic.configuration(seed: seed)
        let dataset = try configuration.generate()
        let split = try dataset.stratifiedSplit(SplitFractions(), seed: seed)
        let normalizer = Normalizer.fit(try data.normalizationMethod(), on: split.train)
        return (try normalizer.apply(to: split.train), try normalizer.apply(to: split.validation), try normalizer.apply(to: split.test), normalizer,
                synthetic.summary(configuration))
    }

    private func trainAndReport(arguments: [String], resuming: TrainingState?) throws {
        let (train, validation, test, normalizer, description) = try loadData()
        let pluginDirectories = plugins + ModelRegistry.environmentPluginDirectories()
        let classifier: SequentialClassifier<Float> = try ModelCatalog.make(
            model, inputChannels: train.channels, classCount: train.classCount, length: train.length, pluginDirectories: pluginDirectories)
        var configuration = TrainingConfiguration()
        configuration.epochs = epochs
        configuration.batchSize = batchSize
        configuration.learningRate = lr
        configuration.optimizer = OptimizerKind(rawValue: optimizer)!
        configuration.weightDecay = weightDecay
        configuration.clipGradientNorm = clipGradNorm
        configuration.schedule = LearningRateSchedule(rawValue: lrSchedule)!
        configuration.patience = patience == 0 ? nil : patience
        configuration.seed = seed
        configuration.threads = threads
        classifier.initialize(seed: seed)
        let directory = URL(fileURLWithPath: out ?? "runs/\(model)-seed\(seed)")
        let trainer = Trainer(model: classifier, configuration: configuration)
        if let resuming {
            try Checkpoint.restore(trainer, from: resuming)
            print("resuming \(directory.path) after epoch \(trainer.progress.completedEpochs)")
        }
        print("\(model): \(classifier.parameters.count) parameters; data: \(description)")
        print("train \(train.count), validation \(validation.count), test \(test.count); batch \(batchSize), \(optimizer) lr \(lr) (\(lrSchedule)), up to \(epochs) epochs, patience \(patience); threads \(threads)")
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
            print(String(format: "epoch %3d/%d  train loss %.4f  val loss %.4f  %6.2f s  %7.0f series/s%@",
                         record.epoch, epochs, record.trainLoss, record.validationLoss, record.seconds, record.seriesPerSecond,
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
        print("best epoch \(result.bestEpoch) (val loss \(String(format: "%.4f", result.bestValidationLoss)))\(result.stoppedEarly ? ", stopped early" : "")")

        let predictions = try Predictor(model: classifier).predict(test, importance: true)
        let report = try RunReport.classification(probabilities: predictions.probabilities, labels: test.labels, classNames: train.classNames)
        print("\ntest set (\(test.count) series):")
        print(report.table())
        try RunFiles.writeJSON(report, to: directory.appendingPathComponent("metrics.json"))
        var settings = [
            "model": model, "data": description, "epochs": "\(result.history.count) of \(epochs) (best \(result.bestEpoch))",
            "batch size": "\(batchSize)", "optimizer": "\(optimizer), lr \(lr), \(lrSchedule)", "seed": "\(seed)",
            "normalisation": data.normalize, "parameters": "\(classifier.parameters.count)",
        ]
        if weightDecay > 0 { settings["weight decay"] = "\(weightDecay)" }
        if let clipGradNorm { settings["gradient clipping"] = "\(clipGradNorm)" }
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
}

