import Foundation
import Kernels
import Layers

/// What a model's importance map is: attention weights, a class activation map, or none of its own
/// (the engine then explains it by input-gradient saliency).
public enum ImportanceKind: String, Codable, Sendable {
    case attention, cam, saliency
}

/// What a layer kind knows when it is built: the input shape per sample (the previous layer's
/// output), the model's logit count (for widths written `"classes"`) and the convolution algorithm
/// for conv1d layers whose definition names none (the CLI's `--convolution`).
public struct LayerContext: Sendable {
    public let input: ActivationShape
    public let logits: Int
    public let convolution: ConvolutionChoice
}

/// A value a definition may not have, reported against the field that holds it.
public struct FieldError: Error, Equatable {
    public let field: String
    public let message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}

/// A layer kind that definitions can name. Adding one in Swift = a type conforming to this protocol
/// (its `Configuration` is the JSON fields, decoded with Codable) + one line in
/// `LayerKinds.standard`.
public protocol LayerKind: SendableMetatype {
    associatedtype Configuration: Codable
    /// The `kind` string in definitions.
    static var kind: String { get }
    /// One line for docs and error messages.
    static var summary: String { get }
    /// The importance map the layer makes, if any.
    static var importance: ImportanceKind? { get }
    /// True when the layer ties the model to one series length (its width depends on T).
    static var fixesLength: Bool { get }
    /// The layer, sized from `context.input`; throws `FieldError` for values that cannot work.
    static func makeLayer<Scalar: TensorScalar>(
        name: String, configuration: Configuration, context: LayerContext, as scalar: Scalar.Type
    ) throws -> any Layer<Scalar>
}

extension LayerKind {
    public static var importance: ImportanceKind? { nil }
    public static var fixesLength: Bool { false }

    /// Decodes the fields (rejecting unknown ones: a misspelt optional field must not be ignored)
    /// and builds the layer.
    static func build<Scalar: TensorScalar>(_ definition: LayerDefinition, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        let configuration = try JSONDecoder().decode(Configuration.self, from: try JSONEncoder().encode(definition.fields))
        let understood = try JSONDecoder().decode([String: JSONValue].self, from: try JSONEncoder().encode(configuration))
        if let unknown = definition.fields.keys.sorted().first(where: { understood[$0] == nil }) {
            throw FieldError(unknown, "unknown field for layer kind '\(kind)'")
        }
        return try makeLayer(name: definition.name, configuration: configuration, context: context, as: scalar)
    }
}

/// The layer kinds definitions may use, by `kind`.
public struct LayerKinds: Sendable {
    public private(set) var byName: [String: any LayerKind.Type] = [:]

    public init(_ kinds: [any LayerKind.Type]) {
        for kind in kinds { register(kind) }
    }

    public mutating func register(_ kind: any LayerKind.Type) {
        precondition(byName[kind.kind] == nil, "layer kind '\(kind.kind)' registered twice")
        byName[kind.kind] = kind
    }

    public var names: [String] { byName.keys.sorted() }

    /// The built-in kinds: one line per kind.
    public static let standard = LayerKinds([
        LinearKind.self,
        ReLUKind.self,
        TanhKind.self,
        SigmoidKind.self,
        FlattenKind.self,
        LSTMKind.self,
        AdditiveAttentionKind.self,
        AttentionPoolingKind.self,
        PositionalEncodingKind.self,
        TransformerEncoderKind.self,
        LayerNormKind.self,
        Conv1DKind.self,
        BatchNorm1DKind.self,
        GlobalAveragePoolingKind.self,
        ClassActivationKind.self,
    ])
}

/// A kind without fields.
public struct NoFields: Codable, Sendable {}

func positive(_ value: Int, _ field: String) throws {
    guard value >= 1 else { throw FieldError(field, "must be a positive integer, got \(value)") }
}

public enum LinearKind: LayerKind {
    public struct Configuration: Codable, Sendable { public var features: Width }
    public static let kind = "linear"
    public static let summary = "Linear on the last axis (nn.Linear): features = output width or \"classes\""
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: Configuration, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        let outputs = configuration.features.resolved(logits: context.logits)
        try positive(outputs, "features")
        return Dense<Scalar>(name: name, inputFeatures: context.input.features, outputFeatures: outputs)
    }
}

public enum ReLUKind: LayerKind {
    public static let kind = "relu"
    public static let summary = "max(x, 0) (nn.ReLU)"
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: NoFields, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        ReLU<Scalar>(name: name)
    }
}

public enum TanhKind: LayerKind {
    public static let kind = "tanh"
    public static let summary = "tanh (nn.Tanh)"
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: NoFields, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        Tanh<Scalar>(name: name)
    }
}

public enum SigmoidKind: LayerKind {
    public static let kind = "sigmoid"
    public static let summary = "logistic sigmoid (nn.Sigmoid)"
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: NoFields, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        Sigmoid<Scalar>(name: name)
    }
}

public enum FlattenKind: LayerKind {
    public static let kind = "flatten"
    public static let summary = "(T, F) → (T·F) (nn.Flatten); fixes the series length"
    public static let fixesLength = true
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: NoFields, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        Flatten<Scalar>(name: name)
    }
}

public enum LSTMKind: LayerKind {
    public struct Configuration: Codable, Sendable {
        public var hidden: Int
        public var bidirectional: Bool?
    }
    public static let kind = "lstm"
    public static let summary = "LSTM over time (nn.LSTM, batch_first): hidden size per direction, bidirectional (default true)"
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: Configuration, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        try positive(configuration.hidden, "hidden")
        return LSTM<Scalar>(name: name, inputSize: context.input.features, hiddenSize: configuration.hidden,
                            bidirectional: configuration.bidirectional ?? true)
    }
}

public enum AdditiveAttentionKind: LayerKind {
    public struct Configuration: Codable, Sendable { public var size: Int }
    public static let kind = "additive-attention"
    public static let summary = "additive attention pooling over time (Linear, tanh, Linear, softmax); size = scoring width"
    public static let importance: ImportanceKind? = .attention
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: Configuration, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        try positive(configuration.size, "size")
        return AdditiveAttention<Scalar>(name: name, inputFeatures: context.input.features, attentionSize: configuration.size)
    }
}

func checkHeads(_ heads: Int, features: Int) throws {
    try positive(heads, "heads")
    guard features % heads == 0 else { throw FieldError("heads", "\(features) features are not divisible by \(heads) heads") }
}

public enum AttentionPoolingKind: LayerKind {
    public struct Configuration: Codable, Sendable {
        public var heads: Int
        /// state_dict name of the learned query (default "query").
        public var query: String?
    }
    public static let kind = "attention-pooling"
    public static let summary = "multi-head attention pooling with one learned query (nn.MultiheadAttention); heads"
    public static let importance: ImportanceKind? = .attention
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: Configuration, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        try checkHeads(configuration.heads, features: context.input.features)
        return MultiHeadAttentionPooling<Scalar>(name: name, queryName: configuration.query ?? "query",
                                                 modelSize: context.input.features, heads: configuration.heads)
    }
}

public enum PositionalEncodingKind: LayerKind {
    public static let kind = "positional-encoding"
    public static let summary = "adds the sinusoidal positional encoding"
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: NoFields, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        PositionalEncoding<Scalar>(name: name, features: context.input.features)
    }
}

public enum TransformerEncoderKind: LayerKind {
    public struct Configuration: Codable, Sendable {
        public var heads: Int
        public var feedforward: Int
    }
    public static let kind = "transformer-encoder"
    public static let summary = "post-norm Transformer encoder block (nn.TransformerEncoderLayer, ReLU, no dropout); heads, feedforward"
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: Configuration, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        try checkHeads(configuration.heads, features: context.input.features)
        try positive(configuration.feedforward, "feedforward")
        return TransformerEncoderLayer<Scalar>(name: name, modelSize: context.input.features, heads: configuration.heads,
                                               feedForwardSize: configuration.feedforward)
    }
}

public enum LayerNormKind: LayerKind {
    public static let kind = "layer-norm"
    public static let summary = "layer normalisation over features (nn.LayerNorm, ε 1e-5)"
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: NoFields, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        LayerNorm<Scalar>(name: name, features: context.input.features)
    }
}

public enum Conv1DKind: LayerKind {
    public struct Configuration: Codable, Sendable {
        public var channels: Int
        public var kernel: Int
        /// auto (the default), direct or winograd; absent: the model's choice (`LayerContext.convolution`).
        public var algorithm: ConvolutionChoice?
    }
    public static let kind = "conv1d"
    public static let summary = "1-D convolution over time, same padding (nn.Conv1d); channels, kernel, algorithm (auto|direct|winograd)"

    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: Configuration, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        try positive(configuration.channels, "channels")
        try positive(configuration.kernel, "kernel")
        let choice = configuration.algorithm ?? context.convolution
        guard let algorithm = ConvolutionAlgorithm(choice, inputChannels: context.input.features, kernelSize: configuration.kernel) else {
            throw FieldError(configuration.algorithm == nil ? "kernel" : "algorithm",
                             "winograd supports kernels up to \(ConvolutionAlgorithm.largestWinogradKernel), got \(configuration.kernel)")
        }
        return Conv1D<Scalar>(name: name, inputChannels: context.input.features, outputChannels: configuration.channels,
                              kernelSize: configuration.kernel, algorithm: algorithm)
    }
}

public enum BatchNorm1DKind: LayerKind {
    public static let kind = "batchnorm1d"
    public static let summary = "batch normalisation per channel (nn.BatchNorm1d, momentum 0.1, running statistics)"
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: NoFields, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        BatchNorm1D<Scalar>(name: name, features: context.input.features)
    }
}

public enum GlobalAveragePoolingKind: LayerKind {
    public static let kind = "global-average-pooling"
    public static let summary = "mean over time: (T, F) → (F)"
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: NoFields, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        GlobalAveragePooling<Scalar>(name: name)
    }
}

public enum ClassActivationKind: LayerKind {
    public static let kind = "cam-classifier"
    public static let summary = "global average pooling + Linear to the logits; importance = class activation map"
    public static let importance: ImportanceKind? = .cam
    public static func makeLayer<Scalar: TensorScalar>(name: String, configuration: NoFields, context: LayerContext, as scalar: Scalar.Type) throws -> any Layer<Scalar> {
        ClassActivationHead<Scalar>(name: name, features: context.input.features, outputs: context.logits)
    }
}
