import Datasets
import Dispatch
import Foundation
import Kernels
import Layers
import Models

/// The seed's recipe, every part a setting: mini-batch Adam on BCE-with-logits, shuffled each epoch
/// from a seeded generator, validation loss after every epoch, early stopping with patience, and the
/// best epoch's parameters restored at the end.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    public var epochs = 15
    public var batchSize = 32
    public var learningRate = 1e-3
    public var weightDecay = 0.0
    /// AdamW (decoupled decay) instead of Adam's L2 term.
    public var decoupledWeightDecay = false
    /// Epochs without a validation-loss improvement before stopping; nil trains every epoch.
    public var patience: Int? = 5
    /// Seeds initialisation and batch order.
    public var seed: UInt64 = 42
    /// Threads for the LSTM directions (1 or 2); BLAS itself stays single-threaded.
    public var threads = 1

    public init() {}
}

/// One line of the training history.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var validationLoss: Double
    public var seconds: Double
    public var seriesPerSecond: Double
}

public struct TrainingResult: Sendable {
    public var history: [EpochRecord]
    public var bestEpoch: Int
    public var bestValidationLoss: Double
    public var stoppedEarly: Bool
}

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case nonFiniteLoss(epoch: Int, batch: Int, loss: Double)
    case unsupported(String)
    case emptyDataset(String)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let epoch, let batch, let loss):
            return "training loss became \(loss) at epoch \(epoch), batch \(batch); stopped (the best checkpoint so far is kept). Try a lower --lr or --normalize series."
        case .unsupported(let message): return message
        case .emptyDataset(let which): return "the \(which) set is empty"
        }
    }
}

/// Trains a `SequentialClassifier<Float>` on binary-labelled series.
public final class Trainer: @unchecked Sendable {
    public let model: SequentialClassifier<Float>
    public let configuration: TrainingConfiguration
    public let optimizer: Adam<Float>
    private var random: SeededRandom
    private let batchInput = Buffer<Float>()
    private let batchTargets = Buffer<Float>()
    private let logitGradient = Buffer<Float>()

    public init(model: SequentialClassifier<Float>, configuration: TrainingConfiguration) {
        self.model = model
        self.configuration = configuration
        optimizer = Adam(parameterCount: model.parameters.count, settings: .init(
            learningRate: configuration.learningRate, weightDecay: configuration.weightDecay,
            decoupledWeightDecay: configuration.decoupledWeightDecay))
        random = SeededRandom(seed: configuration.seed).derived(1)
        model.threads = configuration.threads
    }

    /// Runs the epochs; `onEpoch` sees each record as it completes (for progress lines).
    public func train(
        training: SeriesDataset, validation: SeriesDataset, onEpoch: (EpochRecord) -> Void = { _ in }
    ) throws -> TrainingResult {
        guard training.count > 0 else { throw TrainingError.emptyDataset("training") }
        guard validation.count > 0 else { throw TrainingError.emptyDataset("validation") }
        guard training.classCount <= 2, model.outputCount == 1 else {
            throw TrainingError.unsupported("multi-class training (\(training.classCount) classes) needs softmax cross-entropy, which this build does not have yet")
        }
        FloatingPointEnvironment.enableFlushToZero()
        BLASThreads.set(1)
        let best = model.parameters.copy()
        var bestLoss = Double.infinity, bestEpoch = 0, sinceImprovement = 0
        var history: [EpochRecord] = []
        var order = Array(0..<training.count)
        var stoppedEarly = false
        for epoch in 1...max(configuration.epochs, 1) where configuration.epochs > 0 {
            let start = DispatchTime.now().uptimeNanoseconds
            random.shuffle(&order)
            var lossSum = 0.0
            var batchNumber = 0
            for batchStart in stride(from: 0, to: order.count, by: configuration.batchSize) {
                batchNumber += 1
                let indices = Array(order[batchStart..<min(batchStart + configuration.batchSize, order.count)])
                let loss = try step(on: training, indices: indices)
                guard loss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch, batch: batchNumber, loss: loss) }
                lossSum += loss * Double(indices.count)
            }
            let validationLoss = try self.loss(on: validation)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let record = EpochRecord(
                epoch: epoch, trainLoss: lossSum / Double(training.count), validationLoss: validationLoss,
                seconds: seconds, seriesPerSecond: Double(training.count + validation.count) / seconds)
            history.append(record)
            onEpoch(record)
            if validationLoss < bestLoss {
                bestLoss = validationLoss
                bestEpoch = epoch
                sinceImprovement = 0
                best.copyValues(from: model.parameters)
            } else {
                sinceImprovement += 1
                if let patience = configuration.patience, sinceImprovement >= patience {
                    stoppedEarly = true
                    break
                }
            }
        }
        if bestEpoch > 0 { model.parameters.copyValues(from: best) }
        return TrainingResult(history: history, bestEpoch: bestEpoch, bestValidationLoss: bestLoss, stoppedEarly: stoppedEarly)
    }

    /// One optimizer step on the series at `indices`; returns the batch's mean loss.
    public func step(on dataset: SeriesDataset, indices: [Int]) throws -> Double {
        let batch = indices.count
        gather(dataset, indices: indices)
        let logits = try model.forward(batchInput.pointer, batch: batch, time: dataset.length, training: true)
        let loss = BinaryCrossEntropy.loss(logits: logits, targets: batchTargets.pointer, count: batch)
        guard loss.isFinite else { return loss }
        model.parameters.zeroGradients()
        logitGradient.resize(batch, zeroed: true)
        BinaryCrossEntropy.backward(logits: logits, targets: batchTargets.pointer, addingInto: logitGradient.pointer, count: batch)
        model.backward(logitGradient: logitGradient.pointer)
        optimizer.update(model.parameters)
        return loss
    }

    /// Mean BCE over a whole set, in batches, without updating anything.
    public func loss(on dataset: SeriesDataset) throws -> Double {
        var total = 0.0
        try Predictor(model: model, batchSize: configuration.batchSize).forEachBatch(of: dataset) { indices, logits in
            for (offset, index) in indices.enumerated() {
                var logit = logits[offset], target = Float(dataset.labels[index])
                total += BinaryCrossEntropy.loss(logits: &logit, targets: &target, count: 1)
            }
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

    /// P(class 1) per series, and the (N, T) importance maps when the model makes them.
    public func predict(_ dataset: SeriesDataset, importance wantsImportance: Bool = false) throws -> (probabilities: [Float], importance: [Float]?) {
        FloatingPointEnvironment.enableFlushToZero()
        var probabilities = [Float](repeating: 0, count: dataset.count)
        var maps: [Float]? = wantsImportance ? [Float](repeating: 0, count: dataset.count * dataset.length) : nil
        try forEachBatch(of: dataset) { indices, logits in
            for (offset, index) in indices.enumerated() {
                let z = Double(logits[offset])
                probabilities[index] = Float(z >= 0 ? 1 / (1 + Foundation.exp(-z)) : Foundation.exp(z) / (1 + Foundation.exp(z)))
            }
            if wantsImportance, let map = model.importance {
                let time = dataset.length
                for offset in 0..<indices.count * time { maps![indices[0] * time + offset] = map[offset] }
            }
        }
        return (probabilities, model.importance == nil ? nil : maps)
    }
}
