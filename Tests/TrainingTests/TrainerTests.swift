import Datasets
import Foundation
import Testing
@testable import Layers
@testable import Models
@testable import Training

@Suite struct TrainerTests {
    static func syntheticSplit(count: Int, length: Int, seed: UInt64) throws -> DatasetSplit {
        var configuration = SyntheticConfiguration()
        configuration.count = count
        configuration.length = length
        configuration.seed = seed
        return try configuration.generate().stratifiedSplit(SplitFractions(), seed: seed)
    }

    /// A short run on an easy synthetic task must learn it: 600 flat-anomaly series of T = 60
    /// (seed distribution, no normalisation) reach ≥ 0.85 test accuracy within 12 epochs at lr 0.01
    /// (observed 0.956; a constant predictor gets 0.5, the seed recipe 0.83–0.85 on the T = 500 task).
    @Test func learnsTheFlatAnomalyTask() throws {
        let split = try Self.syntheticSplit(count: 600, length: 60, seed: 3)
        let (train, validation, test) = (split.train, split.validation, split.test)
        let model: SequentialClassifier<Float> = try ModelCatalog.make("bilstm-attention", inputChannels: 1)
        model.initialize(seed: 3)
        var configuration = TrainingConfiguration()
        configuration.epochs = 12
        configuration.learningRate = 1e-2
        configuration.seed = 3
        configuration.threads = 2
        let result = try Trainer(model: model, configuration: configuration).train(training: train, validation: validation)
        #expect(result.history.count >= 1)
        #expect(result.bestLoss < result.history[0].trainLoss, "validation loss never went below the first epoch's training loss")
        let predictions = try Predictor(model: model).predict(test, importance: true)
        let correct = zip(predictions.probabilities, test.labels).filter { ($0 >= 0.5 ? 1 : 0) == $1 }.count
        let accuracy = Double(correct) / Double(test.count)
        #expect(accuracy >= 0.85, "test accuracy \(accuracy)")
        let maps = try #require(predictions.importance)
        #expect(maps.count == test.count * test.length)
        for series in 0..<test.count {
            let total = maps[(series * test.length)..<((series + 1) * test.length)].reduce(0, +)
            #expect(abs(total - 1) < 1e-4, "attention of series \(series) sums to \(total)")
        }
    }

    /// Same seed and threads → the same history losses and parameters, to the bit.
    @Test func trainingIsDeterministic() throws {
        let split = try Self.syntheticSplit(count: 120, length: 30, seed: 5)
        func run() throws -> ([Double], [Float]) {
            let model: SequentialClassifier<Float> = try ModelCatalog.make("bilstm-attention", inputChannels: 1)
            model.initialize(seed: 9)
            var configuration = TrainingConfiguration()
            configuration.epochs = 2
            configuration.seed = 9
            configuration.threads = 2
            let result = try Trainer(model: model, configuration: configuration).train(training: split.train, validation: split.validation)
            return (result.history.flatMap { [$0.trainLoss, $0.validationLoss!] }, model.parameters.values.array)
        }
        let first = try run(), second = try run()
        #expect(first.0 == second.0)
        #expect(first.1 == second.1)
    }

    /// The convolution and batch norm split their batch over two threads with per-half sums added in
    /// a fixed order: one or two threads train to the same bits.
    @Test func oneAndTwoThreadsTrainTheCNNToTheSameBits() throws {
        let split = try Self.syntheticSplit(count: 90, length: 40, seed: 4)
        func run(threads: Int) throws -> ([Double], [Float]) {
            let model: SequentialClassifier<Float> = try ModelCatalog.make("cnn", inputChannels: 1)
            model.initialize(seed: 2)
            var configuration = TrainingConfiguration()
            configuration.epochs = 2
            configuration.seed = 2
            configuration.threads = threads
            let result = try Trainer(model: model, configuration: configuration).train(training: split.train, validation: split.validation)
            return (result.history.flatMap { [$0.trainLoss, $0.validationLoss!] }, model.parameters.values.array)
        }
        let one = try run(threads: 1), two = try run(threads: 2)
        #expect(one.0 == two.0)
        #expect(one.1 == two.1)
    }

    @Test func earlyStoppingRestoresTheBestEpoch() throws {
        let split = try Self.syntheticSplit(count: 100, length: 20, seed: 6)
        let model: SequentialClassifier<Float> = try ModelCatalog.make("bilstm-attention", inputChannels: 1)
        model.initialize(seed: 1)
        var configuration = TrainingConfiguration()
        configuration.epochs = 30
        configuration.patience = 2
        configuration.learningRate = 0.05  // large enough to overshoot and trigger the patience
        let trainer = Trainer(model: model, configuration: configuration)
        let result = try trainer.train(training: split.train, validation: split.validation)
        let best = result.history.min { $0.validationLoss! < $1.validationLoss! }!
        #expect(result.bestEpoch == best.epoch)
        if result.stoppedEarly { #expect(result.history.count == result.bestEpoch + 2) }
        #expect(abs(try trainer.loss(on: split.validation) - best.validationLoss!) < 1e-9, "restored parameters do not give the best validation loss")
    }

    /// Without a validation set the mean training loss of each epoch chooses the best epoch and
    /// drives the patience; the history has no validation losses. An empty set is still an error.
    @Test func trainsWithoutAValidationSet() throws {
        let split = try Self.syntheticSplit(count: 100, length: 20, seed: 6)
        let model: SequentialClassifier<Float> = try ModelCatalog.make("cnn", inputChannels: 1)
        model.initialize(seed: 2)
        var configuration = TrainingConfiguration()
        configuration.epochs = 12
        configuration.patience = 2
        configuration.batchSize = 16
        configuration.learningRate = 0.05  // large enough for the training loss to rise now and then
        configuration.seed = 2
        let trainer = Trainer(model: model, configuration: configuration)
        let result = try trainer.train(training: split.train, validation: nil)
        #expect(result.monitored == .training)
        #expect(result.history.allSatisfy { $0.validationLoss == nil })
        let best = result.history.min { $0.trainLoss < $1.trainLoss }!
        #expect(result.bestEpoch == best.epoch && result.bestLoss == best.trainLoss)
        if result.stoppedEarly { #expect(result.history.count == result.bestEpoch + 2) }
        #expect(model.parameters.values.array == trainer.bestParameters.values.array, "the best epoch's parameters were not restored")

        let empty = split.validation.subset([])
        #expect(throws: TrainingError.emptyDataset("validation")) {
            try Trainer(model: model, configuration: configuration).train(training: split.train, validation: empty)
        }
    }

    struct SimulatedCrash: Error {}

    /// A run interrupted after epoch 2 and resumed from its training-state file ends with exactly
    /// the parameters and history losses of the run that was never interrupted.
    @Test(arguments: [(OptimizerKind.adam, true), (.sgd, true), (.adam, false)])
    func resumeIsBitIdentical(optimizer: OptimizerKind, withValidation: Bool) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let split = try Self.syntheticSplit(count: 100, length: 20, seed: 8)
        let validation = withValidation ? split.validation : nil
        var configuration = TrainingConfiguration()
        configuration.epochs = 4
        configuration.patience = nil
        configuration.optimizer = optimizer
        configuration.schedule = .cosine
        configuration.clipGradientNorm = 1
        configuration.seed = 8
        func freshTrainer() throws -> Trainer {
            let model: SequentialClassifier<Float> = try ModelCatalog.make("bilstm-attention", inputChannels: 1)
            model.initialize(seed: 8)
            return Trainer(model: model, configuration: configuration)
        }
        let uninterrupted = try freshTrainer()
        let expected = try uninterrupted.train(training: split.train, validation: validation)

        let url = directory.appendingPathComponent("last.safetensors")
        let metadata = CheckpointMetadata(model: "bilstm-attention", inputChannels: 1, length: 20, classNames: ["normal", "anomalous"])
        let interrupted = try freshTrainer()
        #expect(throws: SimulatedCrash.self) {
            try interrupted.train(training: split.train, validation: validation, onEpoch: { record, _ in
                try Checkpoint.saveTrainingState(interrupted, metadata: metadata, arguments: ["--epochs", "4"], to: url)
                if record.epoch == 2 { throw SimulatedCrash() }
            })
        }
        let state = try Checkpoint.readTrainingState(from: url)
        #expect(state.arguments == ["--epochs", "4"])
        #expect(state.progress.completedEpochs == 2)
        let resumed = try freshTrainer()
        try Checkpoint.restore(resumed, from: state)
        let result = try resumed.train(training: split.train, validation: validation)
        #expect(result.history.map(\.trainLoss) == expected.history.map(\.trainLoss))
        #expect(result.history.map(\.validationLoss) == expected.history.map(\.validationLoss))
        #expect(result.bestEpoch == expected.bestEpoch && result.bestLoss == expected.bestLoss)
        #expect(resumed.model.parameters.values.array == uninterrupted.model.parameters.values.array)
    }

    @Test func schedulesMatchPyTorchShapes() {
        let base = 0.01, total = 100
        #expect(LearningRateSchedule.constant.rate(base: base, step: 57, totalSteps: total) == base)
        #expect(abs(LearningRateSchedule.cosine.rate(base: base, step: 0, totalSteps: total) - base) < 1e-15)
        #expect(abs(LearningRateSchedule.cosine.rate(base: base, step: 50, totalSteps: total) - base / 2) < 1e-15)
        // OneCycleLR(max_lr=0.01, total_steps=100): starts at max/25, peaks at step 29 (= 0.3·100 − 1), ends at max/25e4.
        #expect(abs(LearningRateSchedule.onecycle.rate(base: base, step: 0, totalSteps: total) - base / 25) < 1e-15)
        #expect(abs(LearningRateSchedule.onecycle.rate(base: base, step: 29, totalSteps: total) - base) < 1e-15)
        #expect(abs(LearningRateSchedule.onecycle.rate(base: base, step: 99, totalSteps: total) - base / 25 / 1e4) < 1e-15)
    }

    @Test func gradientClippingScalesToTheMaximumNorm() {
        var layout = ParameterLayout()
        _ = layout.add("w", shape: [2])
        let store = ParameterStore<Float>(layout: layout)
        store.gradients.storage[0] = 3
        store.gradients.storage[1] = 4
        #expect(clipGradientNorm(store, maximum: 1) == 5)
        #expect(abs(store.gradients.storage[0] - 0.6) < 1e-6 && abs(store.gradients.storage[1] - 0.8) < 1e-6)
        #expect(clipGradientNorm(store, maximum: 10) < 1.0001)  // below the maximum: unchanged
        #expect(abs(store.gradients.storage[1] - 0.8) < 1e-6)
    }

    @Test func checkpointRoundTripAndErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let model: SequentialClassifier<Float> = try ModelCatalog.make("bilstm-attention", inputChannels: 2)
        model.initialize(seed: 4)
        let url = directory.appendingPathComponent("model.safetensors")
        let metadata = CheckpointMetadata(model: "bilstm-attention", inputChannels: 2, length: 50, classNames: ["normal", "anomalous"])
        try Checkpoint.save(model, metadata: metadata, to: url)
        let (restored, restoredMetadata) = try Checkpoint.load(from: url)
        #expect(restoredMetadata == metadata)
        #expect(restored.parameters.values.array == model.parameters.values.array)

        let truncated = directory.appendingPathComponent("truncated.safetensors")
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        #expect(throws: CheckpointError.self) { try Checkpoint.load(from: truncated) }

        var foreign = SafeTensors()
        foreign.add("w", floats: [1], shape: [1])
        let foreignURL = directory.appendingPathComponent("foreign.safetensors")
        try foreign.write(to: foreignURL)
        #expect(throws: CheckpointError(file: foreignURL.path, "not a SeriesLens checkpoint (no 'serieslens' entry in __metadata__)")) {
            try Checkpoint.load(from: foreignURL)
        }
    }

    @Test func nonFiniteLossStopsWithEpochAndBatch() throws {
        var split = try Self.syntheticSplit(count: 60, length: 10, seed: 7)
        split.train.values[3] = .nan
        let model: SequentialClassifier<Float> = try ModelCatalog.make("bilstm-attention", inputChannels: 1)
        model.initialize(seed: 1)
        var configuration = TrainingConfiguration()
        configuration.epochs = 1
        configuration.batchSize = 8
        #expect(throws: TrainingError.self) {
            try Trainer(model: model, configuration: configuration).train(training: split.train, validation: split.validation)
        }
    }
}
