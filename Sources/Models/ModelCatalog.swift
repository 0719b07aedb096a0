import Foundation
import Kernels
import Layers

/// Models by name: the entry point the trainer, checkpoints and CLI use. Names resolve through a
/// `ModelRegistry`: the built-in definitions (`Plugins/*.json`, embedded), the user definitions in
/// the `SERIESLENS_PLUGINS` folders, or a definition file path.
public enum ModelCatalog {
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
    }

    /// The built-in models.
    public static var entries: [Entry] {
        BuiltInDefinitions.files.map { file in
            let definition = try? ModelRegistry.decode(Data(file.json.utf8), file: file.name)
            return Entry(name: file.name, summary: definition?.description ?? "")
        }
    }

    public static var names: [String] { entries.map(\.name) }

    /// A fresh, uninitialised model for series of `inputChannels` channels and `classCount` classes
    /// (2 classes use one logit, K > 2 use K). `length` is the series length T, required by models
    /// whose width depends on it (ffn). `pluginDirectories` nil means `SERIESLENS_PLUGINS`.
    /// `convolution` is the algorithm of conv1d layers whose definition names none.
    public static func make<Scalar: TensorScalar>(
        _ name: String, inputChannels: Int, classCount: Int = 2, length: Int? = nil,
        pluginDirectories: [String]? = nil, convolution: ConvolutionChoice = .auto, as scalar: Scalar.Type = Float.self
    ) throws -> SequentialClassifier<Scalar> {
        let registry = try ModelRegistry(pluginDirectories: pluginDirectories)
        return try registry.make(name, inputChannels: inputChannels, classCount: classCount, length: length,
                                 convolution: convolution, as: scalar)
    }

    /// Rebuilds a model from a definition stored verbatim (e.g. in a checkpoint's metadata).
    public static func make<Scalar: TensorScalar>(
        definition: ModelDefinition, inputChannels: Int, classCount: Int = 2, length: Int? = nil, as scalar: Scalar.Type = Float.self
    ) throws -> SequentialClassifier<Scalar> {
        let registry = try ModelRegistry(pluginDirectories: [])
        return try registry.build(definition, file: "definition '\(definition.name)'", inputChannels: inputChannels,
                                  classCount: classCount, length: length, as: scalar)
    }
}
