import Foundation
import Kernels
import Layers

/// Where a definition came from: a built-in (embedded `Plugins/*.json`) or a user file.
public struct ModelSource: Sendable, Equatable {
    public let definition: ModelDefinition
    /// "Plugins/cnn.json (built-in)" or the file's path, for messages.
    public let file: String
    public let builtIn: Bool
}

/// One row of `serieslens models`.
public struct ModelSummary: Sendable, Equatable {
    public let name: String
    public let description: String
    public let parameterCount: Int
    /// Forward FLOPs for one series of the given T and C (see `Layer.forwardFLOPs`).
    public let forwardFLOPs: Int
    public let importance: ImportanceKind
    /// Every model takes C ≥ 1 channels.
    public let multivariate: Bool
    /// False when a layer ties the model to the length it was built for (flatten).
    public let variableLength: Bool
    public let file: String
}

/// The models that can be built by name: the built-in definitions, plus user definitions from
/// plugin folders (every `*.json` in each folder), plus any definition file given by path.
/// Definitions are decoded and validated (a trial build) when loaded; every problem is one
/// `DefinitionError` line naming the file and the field.
public struct ModelRegistry: Sendable {
    /// The environment variable listing plugin folders (separated by ':').
    public static let pluginsVariable = "SERIESLENS_PLUGINS"
    /// The series length definitions are validated at when no length is known.
    public static let probeLength = 32

    public let layerKinds: LayerKinds
    public private(set) var sources: [ModelSource] = []

    /// Built-ins and the definitions in `pluginDirectories` (nil: the folders in
    /// `SERIESLENS_PLUGINS`).
    public init(pluginDirectories: [String]? = nil, layerKinds: LayerKinds = .standard) throws {
        self.layerKinds = layerKinds
        for (name, json) in BuiltInDefinitions.files {
            let file = "Plugins/\(name).json (built-in)"
            try add(try Self.decode(Data(json.utf8), file: file), file: file, builtIn: true)
        }
        for directory in pluginDirectories ?? Self.environmentPluginDirectories() {
            try loadDirectory(directory)
        }
    }

    public static func environmentPluginDirectories() -> [String] {
        guard let value = ProcessInfo.processInfo.environment[pluginsVariable] else { return [] }
        return value.split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }

    public var names: [String] { sources.map(\.definition.name) }

    public mutating func loadDirectory(_ directory: String) throws {
        let url = URL(fileURLWithPath: directory)
        let entries: [URL]
        do {
            entries = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
        } catch {
            throw DefinitionError(file: directory, field: "", "cannot read plugins folder (\(error.localizedDescription))")
        }
        for file in entries.filter({ $0.pathExtension == "json" }).sorted(by: { $0.path < $1.path }) {
            try add(try Self.load(path: file.path), file: file.path, builtIn: false)
        }
    }

    /// Validates and adds a definition; names must be unique.
    public mutating func add(_ definition: ModelDefinition, file: String, builtIn: Bool = false) throws {
        if let existing = sources.first(where: { $0.definition.name == definition.name }) {
            throw DefinitionError(file: file, field: "name", "model '\(definition.name)' is already defined by \(existing.file)")
        }
        _ = try build(definition, file: file, inputChannels: 1, classCount: 2, length: nil, as: Float.self)
        sources.append(ModelSource(definition: definition, file: file, builtIn: builtIn))
    }

    /// A registered definition by name, or a definition file by path (validated).
    public func source(for nameOrPath: String) throws -> ModelSource {
        if let source = sources.first(where: { $0.definition.name == nameOrPath }) { return source }
        if nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") {
            let definition = try Self.load(path: nameOrPath)
            _ = try build(definition, file: nameOrPath, inputChannels: 1, classCount: 2, length: nil, as: Float.self)
            return ModelSource(definition: definition, file: nameOrPath, builtIn: false)
        }
        throw ModelError.unknownModel(nameOrPath, known: names)
    }

    // MARK: Decoding

    public static func load(path: String) throws -> ModelDefinition {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DefinitionError(file: path, field: "", "cannot read definition (\(error.localizedDescription))")
        }
        return try decode(data, file: path)
    }

    /// Decodes a definition; a missing or mistyped field becomes one line naming it
    /// (`layers[2].kernel: missing field`).
    public static func decode(_ data: Data, file: String) throws -> ModelDefinition {
        do {
            return try JSONDecoder().decode(ModelDefinition.self, from: data)
        } catch let error as DecodingError {
            throw definitionError(error, file: file, prefix: "")
        } catch {
            throw DefinitionError(file: file, field: "", "not a JSON definition (\(error))")
        }
    }

    static func path(_ codingPath: [CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return text
    }

    static func definitionError(_ error: DecodingError, file: String, prefix: String) -> DefinitionError {
        func join(_ field: String) -> String { prefix.isEmpty ? field : (field.isEmpty ? prefix : "\(prefix).\(field)") }
        switch error {
        case .keyNotFound(let key, let context):
            return DefinitionError(file: file, field: join(path(context.codingPath + [key])), "missing field")
        case .typeMismatch(let type, let context):
            let expected = type == Width.self ? "a positive integer or \"classes\"" : "\(type)".lowercased()
            return DefinitionError(file: file, field: join(path(context.codingPath)), "expected \(expected)")
        case .valueNotFound(let type, let context):
            return DefinitionError(file: file, field: join(path(context.codingPath)), "expected \("\(type)".lowercased()), found null")
        case .dataCorrupted(let context):
            let field = join(path(context.codingPath))
            if context.underlyingError != nil || field.isEmpty {
                let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                return DefinitionError(file: file, field: field, "not valid JSON" + (detail.map { " (\($0))" } ?? ""))
            }
            return DefinitionError(file: file, field: field, context.debugDescription)
        @unknown default:
            return DefinitionError(file: file, field: prefix, "\(error)")
        }
    }

    // MARK: Building

    /// Builds `definition` for series of `inputChannels` channels and `classCount` classes (one
    /// logit for 2, K for K > 2). `length` is required when a layer fixes it (flatten); otherwise
    /// shapes are checked at `length ?? probeLength`.
    public func build<Scalar: TensorScalar>(
        _ definition: ModelDefinition, file: String, inputChannels: Int, classCount: Int, length: Int?,
        convolution: ConvolutionChoice = .auto, as scalar: Scalar.Type
    ) throws -> SequentialClassifier<Scalar> {
        guard inputChannels >= 1 else { throw DefinitionError(file: file, field: "", "needs at least 1 input channel, got \(inputChannels)") }
        guard classCount >= 2 else { throw DefinitionError(file: file, field: "", "needs at least 2 classes, got \(classCount)") }
        guard !definition.layers.isEmpty else { throw DefinitionError(file: file, field: "layers", "no layers") }
        let logits = classCount == 2 ? 1 : classCount
        let fixesLength = definition.layers.contains { layerKinds.byName[$0.kind]?.fixesLength == true }
        let time = length ?? Self.probeLength
        var shape = ActivationShape(time: time, features: inputChannels)
        var layers: [any Layer<Scalar>] = []
        var seenNames: Set<String> = []
        for (index, layerDefinition) in definition.layers.enumerated() {
            let field = "layers[\(index)]"
            guard let kind = layerKinds.byName[layerDefinition.kind] else {
                throw DefinitionError(file: file, field: "\(field).kind",
                                      "unknown layer kind '\(layerDefinition.kind)' (known: \(layerKinds.names.joined(separator: ", ")))")
            }
            guard seenNames.insert(layerDefinition.name).inserted else {
                throw DefinitionError(file: file, field: "\(field).name", "layer name '\(layerDefinition.name)' is used twice")
            }
            let layer: any Layer<Scalar>
            do {
                layer = try kind.build(layerDefinition, context: LayerContext(input: shape, logits: logits, convolution: convolution), as: scalar)
                shape = try layer.outputShape(for: shape)
            } catch let error as DecodingError {
                throw Self.definitionError(error, file: file, prefix: field)
            } catch let error as FieldError {
                throw DefinitionError(file: file, field: "\(field).\(error.field)", error.message)
            } catch let error as ShapeError {
                throw DefinitionError(file: file, field: field, "\(layerDefinition.kind) '\(layerDefinition.name)' cannot take its input: \(error.message)")
            }
            layers.append(layer)
        }
        guard shape.time == nil, shape.features == logits else {
            throw DefinitionError(file: file, field: "layers[\(definition.layers.count - 1)]",
                                  "the model ends in \(shape), expected \(logits) logit(s) per series (end in a layer with \"features\": \"classes\")")
        }
        let model = SequentialClassifier<Scalar>(
            name: definition.name, layers: layers, inputChannels: inputChannels, outputCount: logits,
            definition: definition, fixedLength: fixesLength ? time : nil)
        return model
    }

    /// Builds a model by name or definition path.
    public func make<Scalar: TensorScalar>(
        _ nameOrPath: String, inputChannels: Int, classCount: Int, length: Int?, convolution: ConvolutionChoice = .auto,
        as scalar: Scalar.Type
    ) throws -> SequentialClassifier<Scalar> {
        let source = try source(for: nameOrPath)
        let fixesLength = source.definition.layers.contains { layerKinds.byName[$0.kind]?.fixesLength == true }
        if fixesLength && length == nil {
            throw DefinitionError(file: source.file, field: "layers",
                                  "model '\(source.definition.name)' has a fixed series length (flatten); pass the length T to build it")
        }
        return try build(source.definition, file: source.file, inputChannels: inputChannels, classCount: classCount, length: length,
                         convolution: convolution, as: scalar)
    }

    /// Parameter count, FLOPs per series, importance kind and input support, for T and C.
    public func summary(of source: ModelSource, time: Int, channels: Int, classCount: Int = 2) throws -> ModelSummary {
        let model: SequentialClassifier<Float> = try build(
            source.definition, file: source.file, inputChannels: channels, classCount: classCount, length: time, as: Float.self)
        let kinds = source.definition.layers.compactMap { layerKinds.byName[$0.kind] }
        return ModelSummary(
            name: source.definition.name, description: source.definition.description,
            parameterCount: model.parameters.count, forwardFLOPs: try model.forwardFLOPs(time: time),
            importance: source.definition.importanceKind(using: layerKinds),
            multivariate: true, variableLength: !kinds.contains { $0.fixesLength }, file: source.file)
    }
}

public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unknownModel(String, known: [String])

    public var description: String {
        switch self {
        case .unknownModel(let name, let known):
            return "unknown model '\(name)' (models: \(known.joined(separator: ", ")); or give a definition file path ending in .json)"
        }
    }
}

extension ModelDefinition {
    /// The kind of the model's own importance map: that of its last layer that makes one, else
    /// saliency (computed from input gradients by the explanation code).
    public func importanceKind(using layerKinds: LayerKinds = .standard) -> ImportanceKind {
        layers.compactMap { layerKinds.byName[$0.kind] }.last(where: { $0.importance != nil })?.importance ?? .saliency
    }
}
