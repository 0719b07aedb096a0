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

            Writes DIR/model.safetensors (best epoch; PyTorch state_dict names), DIR/history.csv and
            .json (per epoch: losses, seconds, series/s) and DIR/metrics.json (test metrics).

            Examples:
              serieslens train
              serieslens train --epochs 5 --samples 2000 --seed 7 --out runs/seed7
              serieslens train --kind noise --channels sine,cosine
            """)

    @Option(help: "Model name (see `serieslens models`).")
    var model = "bilstm-attention"

    @Option(help: "Maximum number of epochs.")
    var epochs = 15

    @Option(help: "Stop after this many epochs without a validation-loss improvement (0: never).")
    var patience = 5

    @Option(help: "Series per mini-batch.")
    var batchSize = 32

    @Option(help: "Adam learning rate.")
    var lr = 1e-3

    @Option(help: "Weight decay (L2 for Adam; decoupled with --adamw).")
    var weightDecay = 0.0

    @Flag(help: "Use AdamW (decoupled weight decay).")
    var adamw = false

    @Option(help: "Seed for data generation, split, initialisation and batch order.")
    var seed: UInt64 = 42

    @Option(help: "Threads: 2 runs the two LSTM directions on two cores.")
    var threads = 2

    @Option(help: "Synthetic series to generate (without --train).")
    var samples = 5000

    @Option(help: "Synthetic series length T (without --train).")
    var length = 500

    @Option(help: "Synthetic anomaly kind: flat, zero, noise, spike or mixed (without --train).")
    var kind = "flat"

    @Option(help: "Synthetic channels, comma-separated: sine, cosine, random-walk (without --train).")
    var channels = "sine"

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
    }

    func run() throws {
        do { try trainAndReport() } catch let exit as ExitCode { throw exit } catch { throw reportFailure(error) }
    }

    private func loadData() throws -> (train: SeriesDataset, validation: SeriesDataset, test: SeriesDataset, description: String) {
        if data.trainPath != nil {
            let splits = try data.loadSplits(seed: seed)
            return (splits.train, splits.validation, splits.test, "files \(data.trainPath!)\(data.testPath.map { " + \($0)" } ?? "")")
        }
        var synthetic = SyntheticConfiguration()
        synthetic.count = samples
        synthetic.length = length
        synthetic.seed = seed
        guard let anomalyKind = AnomalyKind(rawValue: kind) else {
            throw ValidationError("--kind must be one of \(AnomalyKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(kind)'")
        }
        synthetic.kind = anomalyKind
        synthetic.channels = try channels.split(separator: ",").map { name in
            guard let signal = ChannelSignal(rawValue: String(name)) else {
                throw ValidationError("--channels: unknown signal '\(name)' (sine, cosine, random-walk)")
            }
            return signal
        }
        let dataset = try synthetic.generate()
        let split = try dataset.stratifiedSplit(SplitFractions(), seed: seed)
        let normalizer = Normalizer.fit(try data.normalizationMethod(), on: split.train)
        return (try normalizer.apply(to: split.train), try normalizer.apply(to: split.validation), try normalizer.apply(to: split.test),
                "synthetic \(anomalyKind.rawValue) anomalies, \(samples) series × T=\(length) × C=\(synthetic.channels.count)")
    }

    private func trainAndReport() throws {
        let (train, validation, test, description) = try loadData()
        let classifier: SequentialClassifier<Float> = try ModelCatalog.make(model, inputChannels: train.channels, classCount: train.classCount)
        var configuration = TrainingConfiguration()
        configuration.epochs = epochs
        configuration.batchSize = batchSize
        configuration.learningRate = lr
        configuration.weightDecay = weightDecay
        configuration.decoupledWeightDecay = adamw
        configuration.patience = patience == 0 ? nil : patience
        configuration.seed = seed
        configuration.threads = threads
        classifier.initialize(seed: seed)
        let directory = URL(fileURLWithPath: out ?? "runs/\(model)-seed\(seed)")
        print("\(model): \(classifier.parameters.count) parameters; data: \(description)")
        print("train \(train.count), validation \(validation.count), test \(test.count); batch \(batchSize), Adam lr \(lr), up to \(epochs) epochs, patience \(patience); threads \(threads)")

        let trainer = Trainer(model: classifier, configuration: configuration)
        let result = try trainer.train(training: train, validation: validation) { record in
            print(String(format: "epoch %3d/%d  train loss %.4f  val loss %.4f  %6.2f s  %7.0f series/s",
                         record.epoch, epochs, record.trainLoss, record.validationLoss, record.seconds, record.seriesPerSecond))
            fflush(nil)  // show each epoch as it ends, also when stdout is a pipe
        }
        print("best epoch \(result.bestEpoch) (val loss \(String(format: "%.4f", result.bestValidationLoss)))\(result.stoppedEarly ? ", stopped early" : "")")

        let metadata = CheckpointMetadata(
            model: model, inputChannels: train.channels, length: train.length, classNames: train.classNames,
            training: configuration, epoch: result.bestEpoch)
        try Checkpoint.save(classifier, metadata: metadata, to: directory.appendingPathComponent("model.safetensors"))
        try RunFiles.writeHistory(result.history, to: directory)

        let predictions = try Predictor(model: classifier).predict(test)
        let report = try ClassificationReport.binary(
            scores: predictions.probabilities, labels: test.labels, threshold: 0.5, classNames: train.classNames, includeCurves: true)
        print("\ntest set (\(test.count) series):")
        print(report.table())
        try RunFiles.writeJSON(report, to: directory.appendingPathComponent("metrics.json"))
        print("wrote \(directory.path)/model.safetensors, history.csv, history.json, metrics.json")
    }
}
