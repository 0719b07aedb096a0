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

    public init(model: String, inputChannels: Int, length: Int, classNames: [String], training: TrainingConfiguration? = nil, epoch: Int? = nil) {
        self.model = model
        self.inputChannels = inputChannels
        self.length = length
        self.classNames = classNames
        self.training = training
        self.epoch = epoch
    }
}

public enum Checkpoint {
    /// Writes the model's parameters (float32, state_dict names) and `metadata`, atomically.
    public static func save(_ model: SequentialClassifier<Float>, metadata: CheckpointMetadata, to url: URL) throws {
        var file = SafeTensors()
        for spec in model.parameters.layout.specs {
            file.add(spec.name, floats: model.parameters.tensor(named: spec.name)!, shape: spec.shape)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        file.metadata = [
            "serieslens": String(decoding: try encoder.encode(metadata), as: UTF8.self),
            "model": metadata.model,
        ]
        try file.write(to: url)
    }

    /// Reads a checkpoint and rebuilds its model with the stored parameters. Every mismatch (not a
    /// checkpoint, unknown model, missing or mis-shaped tensor) is one `CheckpointError` line.
    public static func load(from url: URL) throws -> (model: SequentialClassifier<Float>, metadata: CheckpointMetadata) {
        let file: SafeTensors
        do { file = try SafeTensors(contentsOf: url) } catch let error as SafeTensorsError {
            throw CheckpointError(file: url.path, error.message)
        }
        guard let json = file.metadata["serieslens"],
              let metadata = try? JSONDecoder().decode(CheckpointMetadata.self, from: Data(json.utf8)) else {
            throw CheckpointError(file: url.path, "not a SeriesLens checkpoint (no 'serieslens' entry in __metadata__)")
        }
        let model: SequentialClassifier<Float>
        do {
            model = try ModelCatalog.make(metadata.model, inputChannels: metadata.inputChannels, classCount: metadata.classNames.count)
        } catch {
            throw CheckpointError(file: url.path, "\(error)")
        }
        for spec in model.parameters.layout.specs {
            guard let tensor = file.tensors[spec.name] else {
                throw CheckpointError(file: url.path, "tensor '\(spec.name)' is missing (checkpoint of another model?)")
            }
            guard tensor.shape == spec.shape else {
                throw CheckpointError(file: url.path, "tensor '\(spec.name)' has shape \(tensor.shape), model '\(metadata.model)' needs \(spec.shape)")
            }
            try model.parameters.setTensor(named: spec.name, to: try file.floats(spec.name))
        }
        return (model, metadata)
    }
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
