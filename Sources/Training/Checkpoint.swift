import Datasets
import Foundation
import Kernels
import Layers
import Models

/// What a checkpoint records besides the tensors, stored as JSON strings in the safetensors
/// `__metadata__` so the file stays loadable by any safetensors reader (and the tensors by
/// PyTorch's `load_state_dict`, since they carry the reference state_dict names).
public struct CheckpointMetadata: Codable, Sendable, Equatable {
    public var format = "serieslens-checkpoint-1"
    public var model: String
    public var inputChannels: Int
    public var length: Int
    public var classNames: [String]
    public var training: TrainingConfiguration?
    public var epoch: Int?
    /// The normalisation fitted on the training split, to apply unchanged to new data.
    public var normalizer: Normalizer?
    /// The model definition (layer graph and hyper-parameters) the parameters belong to.
    public var definition: ModelDefinition?
    /// Two classes: the decision threshold on P(second class) chosen when training (`train
    /// --threshold`); nil means 0.5. `evaluate` and `predict` use it unless told otherwise.
    public var threshold: Double?

    public init(model: String, inputChannels: Int, length: Int, classNames: [String], training: TrainingConfiguration? = nil,
                epoch: Int? = nil, normalizer: Normalizer? = nil, definition: ModelDefinition? = nil) {
        self.definition = definition
        self.model = model
        self.inputChannels = inputChannels
        self.length = length
        self.classNames = classNames
        self.training = training
        self.epoch = epoch
        self.normalizer = normalizer
    }
}

public enum Checkpoint {
    /// Writes the model's parameters (float32, state_dict names) and `metadata`, atomically.
    public static func save(_ model: SequentialClassifier<Float>, metadata: CheckpointMetadata, to url: URL) throws {
        try save(model.parameters, metadata: metadata, to: url)
    }

    /// Writes `parameters` (e.g. a trainer's best epoch) as a checkpoint of `metadata.model`.
    public static func save(_ parameters: ParameterStore<Float>, metadata: CheckpointMetadata, to url: URL) throws {
        var file = SafeTensors()
        parameters.addStateDictionary(to: &file)
        file.metadata = ["serieslens": try json(metadata), "model": metadata.model]
        try file.write(to: url)
    }

    /// Writes everything a run needs to continue bit for bit: the current parameters (state_dict
    /// names), the best epoch's parameters (`best.<name>`), the optimizer's buffers
    /// (`optimizer.<buffer>.<name>`, e.g. `optimizer.exp_avg.lstm.weight_hh_l0`), and in
    /// `__metadata__` the progress (epochs, early-stopping counters, history, the batch-order
    /// generator) and the command-line arguments that define the data and model.
    public static func saveTrainingState(
        _ trainer: Trainer, metadata: CheckpointMetadata, arguments: [String], to url: URL
    ) throws {
        var file = SafeTensors()
        trainer.model.parameters.addStateDictionary(to: &file)
        trainer.bestParameters.addStateDictionary(to: &file, prefix: "best.")
        for (name, buffer) in trainer.optimizer.stateBuffers {
            for spec in trainer.model.parameters.layout.specs {
                file.add("optimizer.\(name).\(spec.name)", floats: Array(buffer.storage[spec.offset..<(spec.offset + spec.count)]), shape: spec.shape)
            }
        }
        file.metadata = [
            "serieslens": try json(metadata), "model": metadata.model,
            "progress": try json(trainer.progress), "arguments": try json(arguments),
        ]
        try file.write(to: url)
    }

    /// The metadata, progress and arguments of a training-state file, without building a model.
    public static func readTrainingState(from url: URL) throws -> TrainingState {
        let file = try read(url)
        let metadata = try decodeMetadata(file, url)
        guard let progressText = file.metadata["progress"], let argumentsText = file.metadata["arguments"],
              let progress = try? JSONDecoder().decode(TrainingProgress.self, from: Data(progressText.utf8)),
              let arguments = try? JSONDecoder().decode([String].self, from: Data(argumentsText.utf8)) else {
            throw CheckpointError(file: url.path, "not a training-state checkpoint (no progress/arguments in __metadata__; use last.safetensors)")
        }
        return TrainingState(url: url, metadata: metadata, progress: progress, arguments: arguments, file: file)
    }

    /// Puts a training state read by `readTrainingState` into a trainer built from the same
    /// arguments: parameters, best parameters, optimizer buffers and progress.
    public static func restore(_ trainer: Trainer, from state: TrainingState) throws {
        let url = state.url
        try fill(trainer.model.parameters, from: state.file, prefix: "", url: url, model: state.metadata.model)
        try fill(trainer.bestParameters, from: state.file, prefix: "best.", url: url, model: state.metadata.model)
        for (name, buffer) in trainer.optimizer.stateBuffers {
            for spec in trainer.model.parameters.layout.specs {
                let tensorName = "optimizer.\(name).\(spec.name)"
                guard let tensor = state.file.tensors[tensorName], tensor.shape == spec.shape else {
                    throw CheckpointError(file: url.path, "tensor '\(tensorName)' is missing or mis-shaped (was the run trained with another --optimizer?)")
                }
                let values = try state.file.floats(tensorName)
                for (offset, value) in values.enumerated() { buffer.storage[spec.offset + offset] = value }
            }
        }
        trainer.resume(progress: state.progress)
    }

    /// The checkpoint's model: from the definition stored in it (so a user model does not depend on
    /// its definition file still being there), else the registry's by name.
    private static func buildModel(_ metadata: CheckpointMetadata, url: URL) throws -> SequentialClassifier<Float> {
        do {
            if let definition = metadata.definition {
                return try ModelCatalog.make(
                    definition: definition, inputChannels: metadata.inputChannels, classCount: metadata.classNames.count, length: metadata.length)
            }
            return try ModelCatalog.make(metadata.model, inputChannels: metadata.inputChannels, classCount: metadata.classNames.count, length: metadata.length)
        } catch {
            throw CheckpointError(file: url.path, "\(error)")
        }
    }

    private static func json<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func read(_ url: URL) throws -> SafeTensors {
        do { return try SafeTensors(contentsOf: url) } catch let error as SafeTensorsError {
            throw CheckpointError(file: url.path, error.message)
        }
    }

    private static func decodeMetadata(_ file: SafeTensors, _ url: URL) throws -> CheckpointMetadata {
        guard let json = file.metadata["serieslens"] else {
            throw CheckpointError(file: url.path, "not a SeriesLens checkpoint (no 'serieslens' entry in __metadata__)")
        }
        do {
            return try JSONDecoder().decode(CheckpointMetadata.self, from: Data(json.utf8))
        } catch let DecodingError.keyNotFound(key, context) {
            throw CheckpointError(file: url.path, "__metadata__.serieslens lacks '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))' (written by another SeriesLens version?)")
        } catch {
            throw CheckpointError(file: url.path, "__metadata__.serieslens is not valid checkpoint metadata (\(error))")
        }
    }

    private static func fill(_ parameters: ParameterStore<Float>, from file: SafeTensors, prefix: String, url: URL, model: String) throws {
        do {
            try parameters.loadStateDictionary(from: file, prefix: prefix)
        } catch let error as ParameterError {
            throw CheckpointError(file: url.path, "\(error) (model '\(model)'; a checkpoint of another model?)")
        }
    }

    /// Reads a checkpoint and rebuilds its model with the stored parameters. Every mismatch (not a
    /// checkpoint, unknown model, missing or mis-shaped tensor) is one `CheckpointError` line.
    public static func load(from url: URL) throws -> (model: SequentialClassifier<Float>, metadata: CheckpointMetadata) {
        let file = try read(url)
        let metadata = try decodeMetadata(file, url)
        let model = try buildModel(metadata, url: url)
        try fill(model.parameters, from: file, prefix: "", url: url, model: metadata.model)
        return (model, metadata)
    }
}

/// A training-state checkpoint (`last.safetensors`) as read, before it is put into a trainer.
public struct TrainingState: Sendable {
    public let url: URL
    public let metadata: CheckpointMetadata
    public let progress: TrainingProgress
    /// The `serieslens train` arguments of the original run.
    public let arguments: [String]
    let file: SafeTensors
}

public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let message: String

    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
