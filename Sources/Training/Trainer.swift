import Datasets
import Dispatch
import Foundation
import Kernels
import Layers
import Models

public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    /// Adam, weight decay as an L2 term (torch.optim.Adam).
    case adam
    /// AdamW, decoupled weight decay (torch.optim.AdamW).
    case adamw
    /// SGD with momentum (torch.optim.SGD).
    case sgd
}

/// The seed's recipe, every part a setting: mini-batch Adam on BCE-with-logits, shuffled each epoch
/// from a seeded generator, validation loss after every epoch, early stopping with patience, and the
/// best epoch's parameters restored at the end. Without a validation set the same rules apply to the
/// epoch's mean training loss (see `MonitoredLoss`).
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    public var epochs = 15
    public var batchSize = 32
    public var learningRate = 1e-3
    public var optimizer = OptimizerKind.adam
    public var weightDecay = 0.0
    /// SGD momentum.
    public var momentum = 0.9
    public var schedule = LearningRateSchedule.constant
    /// Clip the global gradient L2 norm to this value before each update.
    public var clipGradientNorm: Double?
    /// Epochs without an improvement of the monitored loss before stopping; nil trains every epoch.
    public var patience: Int? = 5
    /// Seeds initialisation and batch order.
    public var seed: UInt64 = 42
    /// Threads for the LSTM directions (1 or 2); BLAS itself stays single-threaded.
    public var threads = 1

    public init() {}
}

/// The loss that chooses the best epoch and drives early stopping.
public enum MonitoredLoss: String, Codable, Sendable {
    /// The loss on the validation set after the epoch (eval mode).
    case validation
    /// Without a validation set: the epoch's mean training loss, each series' loss taken in its
    /// mini-batch as it was trained (train mode, parameters changing through the epoch) — what
    /// Keras' `monitor="loss"`, used by the FCN baseline (Wang et al. 2017), sees.
    case training
}

/// One line of the training history.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    /// nil when training without a validation set (omitted from JSON).
    public var validationLoss: Double?
    public var seconds: Double
    public var seriesPerSecond: Double
    public var learningRate: Double

    public init(epoch: Int, trainLoss: Double, validationLoss: Double?, seconds: Double, seriesPerSecond: Double, learningRate: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.seconds = seconds
        self.seriesPerSecond = seriesPerSecond
        self.learningRate = learningRate
    }
}

/// Everything besides tensors that a resumed run needs to continue exactly where it stopped.
public struct TrainingProgress: Codable, Sendable, Equatable {
    public var completedEpochs = 0
    public var bestEpoch = 0
    /// The best epoch's monitored loss (validation, or training without a validation set).
    public var bestLoss = Double.infinity
    public var epochsSinceImprovement = 0
    public var stoppedEarly = false
    public var history: [EpochRecord] = []
    /// The batch-order generator, positioned after the last completed epoch.
    public var random: SeededRandom
    public var optimizerStep = 0

    enum CodingKeys: String, CodingKey {
        case completedEpochs, bestEpoch, bestLoss, epochsSinceImprovement, stoppedEarly, history, random, optimizerStep
        /// The name of `bestLoss` in training states written before runs without validation existed.
        case bestValidationLoss
    }

    init(random: SeededRandom) { self.random = random }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        completedEpochs = try container.decode(Int.self, forKey: .completedEpochs)
        bestEpoch = try container.decode(Int.self, forKey: .bestEpoch)
        // JSON has no infinity: a run with no finished epoch stores null.
        bestLoss = try container.decodeIfPresent(Double.self, forKey: .bestLoss)
            ?? container.decodeIfPresent(Double.self, forKey: .bestValidationLoss) ?? .infinity
        epochsSinceImprovement = try container.decode(Int.self, forKey: .epochsSinceImprovement)
        stoppedEarly = try container.decode(Bool.self, forKey: .stoppedEarly)
        history = try container.decode([EpochRecord].self, forKey: .history)
        random = try container.decode(SeededRandom.self, forKey: .random)
        optimizerStep = try container.decode(Int.self, forKey: .optimizerStep)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(completedEpochs, forKey: .completedEpochs)
        try container.encode(bestEpoch, forKey: .bestEpoch)
        try container.encode(bestLoss.isFinite ? bestLoss : nil, forKey: .bestLoss)
        try container.encode(epochsSinceImprovement, forKey: .epochsSinceImprovement)
        try container.encode(stoppedEarly, forKey: .stoppedEarly)
        try container.encode(history, forKey: .history)
        try container.encode(random, forKey: .random)
        try container.encode(optimizerStep, forKey: .optimizerStep)
    }
}

public struct TrainingResult: Sendable {
    public var history: [EpochRecord]
    public var bestEpoch: Int
    /// Which loss chose `bestEpoch`: validation, or training when there was no validation set.
    public var monitored: MonitoredLoss
    /// The best epoch's monitored loss.
    public var bestLoss: Double
    public var stoppedEarly: Bool
}

/// Progress inside an epoch, for live progress lines.
public struct BatchProgress: Sendable {
    public var epoch: Int
    public var batch: Int
    public var batches: Int
    public var loss: Double
    public var seriesPerSecond: Double
    public var secondsRemainingInEpoch: Double
}

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// `bestEpoch` is the epoch whose parameters are the best so far (0: none finished).
    case nonFiniteLoss(epoch: Int, batch: Int, loss: Double, bestEpoch: Int)
    case unsupported(String)
    case emptyDataset(String)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let epoch, let batch, let loss, let bestEpoch):
            let value = loss.isNaN ? "NaN" : (loss > 0 ? "+Inf" : "-Inf")
            let kept = bestEpoch > 0 ? "the best checkpoint so far (epoch \(bestEpoch)) is kept" : "no epoch had finished, so there is no checkpoint"
            return "training loss became \(value) at epoch \(epoch), batch \(batch); stopped, \(kept). Try a lower --lr, --clip-grad-norm or --normalize series."
        case .unsupported(let message): return message
        case .emptyDataset(let which): return "the \(which) set is empty"
        }
    }
}

/// Trains a `SequentialClassifier<Float>` on binary-labelled series.
public final class Trainer: @unchecked Sendable {
    public let model: SequentialClassifier<Float>
    public let configuration: TrainingConfiguration
    public let optimizer: any Optimizer<Float>
    /// The parameters of the best epoch so far.
    public let bestParameters: ParameterStore<Float>
    public private(set) var progress: TrainingProgress
    private let batchInput = Buffer<Float>()
    private let batchTargets = Buffer<Float>()
    private let logitGradient = Buffer<Float>()

    public init(model: SequentialClassifier<Float>, configuration: TrainingConfiguration) {
        self.model = model
        self.configuration = configuration
        switch configuration.optimizer {
        case .adam, .adamw:
            optimizer = Adam<Float>(parameterCount: model.parameters.count, settings: .init(
                learningRate: configuration.learningRate, weightDecay: configuration.weightDecay,
                decoupledWeightDecay: configuration.optimizer == .adamw))
        case .sgd:
            optimizer = SGD<Float>(parameterCount: model.parameters.count, learningRate: configuration.learningRate,
                                   momentum: configuration.momentum, weightDecay: configuration.weightDecay)
        }
        bestParameters = model.parameters.copy()
        progress = TrainingProgress(random: SeededRandom(seed: configuration.seed).derived(1))
        model.threads = configuration.threads
    }

    /// Continues from a saved state: `progress`, the best parameters and the optimizer's step (its
    /// buffers are restored by the caller through `optimizer.stateBuffers`).
    public func resume(progress: TrainingProgress) {
        self.progress = progress
        optimizer.restore(step: progress.optimizerStep)
    }

    /// Runs the remaining epochs; `onEpoch` sees each record as it completes and whether it is the
    /// new best (the caller saves checkpoints there), `onBatch` sees progress inside an epoch.
    ///
    /// With `validation` nil the epoch's mean training loss takes the validation loss's place: the
    /// best epoch is the one with the lowest training loss, and `patience` counts epochs without a
    /// lower training loss. An empty (non-nil) validation set is an error, not "no validation".
    public func train(
        training: SeriesDataset, validation: SeriesDataset?,
        onBatch: (BatchProgress) -> Void = { _ in },
        onEpoch: (EpochRecord, _ isBest: Bool) throws -> Void = { _, _ in }
    ) throws -> TrainingResult {
        guard training.count > 0 else { throw TrainingError.emptyDataset("training") }
        if let validation, validation.count == 0 { throw TrainingError.emptyDataset("validation") }
        guard model.outputCount == (training.classCount <= 2 ? 1 : training.classCount) else {
            throw TrainingError.unsupported("the model has \(model.outputCount) output(s) but the data has \(training.classCount) classes")
        }
        FloatingPointEnvironment.enableFlushToZero()
        var order = Array(0..<training.count)
        let batchesPerEpoch = (training.count + configuration.batchSize - 1) / configuration.batchSize
        let totalSteps = batchesPerEpoch * configuration.epochs
        while progress.completedEpochs < configuration.epochs && !progress.stoppedEarly {
            let epoch = progress.completedEpochs + 1
            let start = DispatchTime.now().uptimeNanoseconds
            // The order is a fresh permutation each epoch, drawn from the saved generator, so a
            // resumed run sees the same batches.
            order = Array(0..<training.count)
            progress.random.shuffle(&order)
            var lossSum = 0.0
            var learningRate = configuration.learningRate
            for (batchIndex, batchStart) in stride(from: 0, to: order.count, by: configuration.batchSize).enumerated() {
                let indices = Array(order[batchStart..<min(batchStart + configuration.batchSize, order.count)])
                learningRate = configuration.schedule.rate(base: configuration.learningRate, step: optimizer.step, totalSteps: totalSteps)
                let loss = try step(on: training, indices: indices, learningRate: learningRate)
                guard loss.isFinite else {
                    throw TrainingError.nonFiniteLoss(epoch: epoch, batch: batchIndex + 1, loss: loss, bestEpoch: progress.bestEpoch)
                }
                lossSum += loss * Double(indices.count)
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                let done = batchStart + indices.count
                onBatch(BatchProgress(
                    epoch: epoch, batch: batchIndex + 1, batches: batchesPerEpoch, loss: loss,
                    seriesPerSecond: Double(done) / max(elapsed, 1e-9),
                    secondsRemainingInEpoch: elapsed / Double(done) * Double(training.count - done)))
            }
            let trainLoss = lossSum / Double(training.count)
            let validationLoss = try validation.map { try self.loss(on: $0) }
            let monitoredLoss = validationLoss ?? trainLoss
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let record = EpochRecord(
                epoch: epoch, trainLoss: trainLoss, validationLoss: validationLoss,
                seconds: seconds, seriesPerSecond: Double(training.count + (validation?.count ?? 0)) / seconds,
                learningRate: learningRate)
            progress.history.append(record)
            progress.completedEpochs = epoch
            progress.optimizerStep = optimizer.step
            let isBest = monitoredLoss < progress.bestLoss
            if isBest {
                progress.bestLoss = monitoredLoss
                progress.bestEpoch = epoch
                progress.epochsSinceImprovement = 0
                bestParameters.copyValues(from: model.parameters)
            } else {
                progress.epochsSinceImprovement += 1
                if let patience = configuration.patience, progress.epochsSinceImprovement >= patience {
                    progress.stoppedEarly = true
                }
            }
            try onEpoch(record, isBest)
        }
        if progress.bestEpoch > 0 { model.parameters.copyValues(from: bestParameters) }
        return TrainingResult(
            history: progress.history, bestEpoch: progress.bestEpoch, monitored: validation == nil ? .training : .validation,
            bestLoss: progress.bestLoss, stoppedEarly: progress.stoppedEarly)
    }

    /// One optimizer step on the series at `indices`; returns the batch's mean loss.
    public func step(on dataset: SeriesDataset, indices: [Int], learningRate: Double? = nil) throws -> Double {
        let batch = indices.count
        gather(dataset, indices: indices)
        let outputs = model.outputCount
        let logits = try model.forward(batchInput.pointer, batch: batch, time: dataset.length, training: true)
        let loss = ClassificationLoss.loss(logits: logits, targets: batchTargets.pointer, count: batch, outputs: outputs)
        guard loss.isFinite else { return loss }
        model.parameters.zeroGradients()
        logitGradient.resize(batch * outputs, zeroed: true)
        ClassificationLoss.backward(logits: logits, targets: batchTargets.pointer, addingInto: logitGradient.pointer, count: batch, outputs: outputs)
        model.backward(logitGradient: logitGradient.pointer)
        if let maximum = configuration.clipGradientNorm { clipGradientNorm(model.parameters, maximum: maximum) }
        optimizer.update(model.parameters, learningRate: learningRate ?? configuration.learningRate)
        return loss
    }

    /// Mean loss over a whole set, in batches (eval mode), without updating anything.
    public func loss(on dataset: SeriesDataset) throws -> Double {
        var total = 0.0
        let outputs = model.outputCount
        try Predictor(model: model, batchSize: configuration.batchSize).forEachBatch(of: dataset) { indices, logits in
            let targets = indices.map { Float(dataset.labels[$0]) }
            total += ClassificationLoss.loss(logits: logits, targets: targets, count: indices.count, outputs: outputs) * Double(indices.count)
        }
        return total / Double(dataset.count)
    }

    /// Copies series `indices` into the contiguous batch buffer (B, T, C) and their targets.
    private func gather(_ dataset: SeriesDataset, indices: [Int]) {
        let stride = dataset.seriesStride
        batchInput.resize(indices.count * stride)
        batchTargets.resize(indices.count)
        dataset.values.withUnsafeBufferPointer { values in
            for (offset, index) in indices.enumerated() {
                (batchInput.pointer + offset * stride).update(from: values.baseAddress! + index * stride, count: stride)
                batchTargets.pointer[offset] = Float(dataset.labels[index])
            }
        }
    }
}

/// Batched inference: probabilities and importance maps for a whole dataset.
public struct Predictor {
    public let model: SequentialClassifier<Float>
    public var batchSize: Int

    public init(model: SequentialClassifier<Float>, batchSize: Int = 256) {
        self.model = model
        self.batchSize = max(1, batchSize)
    }

    /// Calls `body` with each batch's dataset indices and its logits.
    public func forEachBatch(of dataset: SeriesDataset, _ body: ([Int], UnsafePointer<Float>) throws -> Void) throws {
        let stride = dataset.seriesStride
        try dataset.values.withUnsafeBufferPointer { values in
            for start in Swift.stride(from: 0, to: dataset.count, by: batchSize) {
                let indices = Array(start..<min(start + batchSize, dataset.count))
                let logits = try model.forward(values.baseAddress! + start * stride, batch: indices.count, time: dataset.length, training: false)
                try body(indices, logits)
            }
        }
    }

    /// Per-head importance maps, `heads` arrays of (N, T), for models with multi-head attention
    /// pooling (nil otherwise).
    public func headImportance(_ dataset: SeriesDataset) throws -> [[Float]]? {
        FloatingPointEnvironment.enableFlushToZero()
        var result: [[Float]]?
        let time = dataset.length
        try forEachBatch(of: dataset) { indices, _ in
            guard let (maps, heads) = model.headImportance else { return }
            if result == nil { result = Array(repeating: [Float](repeating: 0, count: dataset.count * time), count: heads) }
            for (offset, index) in indices.enumerated() {
                for head in 0..<heads {
                    for t in 0..<time { result![head][index * time + t] = maps[(offset * heads + head) * time + t] }
                }
            }
        }
        return result
    }

    /// Class probabilities, (N × K) row-major for K > 2 classes or P(class 1) per series for two
    /// (one logit), and the (N, T) importance maps when the model makes them.
    public func predict(_ dataset: SeriesDataset, importance wantsImportance: Bool = false) throws -> (probabilities: [Float], importance: [Float]?) {
        FloatingPointEnvironment.enableFlushToZero()
        let outputs = model.outputCount
        var probabilities = [Float](repeating: 0, count: dataset.count * outputs)
        var maps: [Float]? = wantsImportance ? [Float](repeating: 0, count: dataset.count * dataset.length) : nil
        try forEachBatch(of: dataset) { indices, logits in
            for (offset, index) in indices.enumerated() {
                if outputs == 1 {
                    let z = Double(logits[offset])
                    probabilities[index] = Float(z >= 0 ? 1 / (1 + Foundation.exp(-z)) : Foundation.exp(z) / (1 + Foundation.exp(z)))
                } else {
                    let row = (0..<outputs).map { Double(logits[offset * outputs + $0]) }
                    let largest = row.max()!
                    let exponentials = row.map { Foundation.exp($0 - largest) }
                    let total = exponentials.reduce(0, +)
                    for k in 0..<outputs { probabilities[index * outputs + k] = Float(exponentials[k] / total) }
                }
            }
            if wantsImportance, let map = model.importance {
                let time = dataset.length
                for offset in 0..<indices.count * time { maps![indices[0] * time + offset] = map[offset] }
            }
        }
        return (probabilities, model.importance == nil ? nil : maps)
    }
}
