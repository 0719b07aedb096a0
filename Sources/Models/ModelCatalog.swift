import Kernels
import Layers

/// The built-in architectures by name. (`../shared/reference/models.py` is the normative PyTorch
/// definition of each, including the parameter names.)
public enum ModelCatalog {
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
    }

    public static let entries: [Entry] = [
        Entry(name: "bilstm-attention",
              summary: "BiLSTM(C→32 each way) → additive attention (Linear 64→64, tanh, Linear 64→1, softmax over time) → Linear 64→1; importance = attention weights"),
    ]

    public static var names: [String] { entries.map(\.name) }

    /// A fresh, uninitialised model for series of `inputChannels` channels and `classCount` classes
    /// (2 classes use one logit).
    public static func make<Scalar: TensorScalar>(
        _ name: String, inputChannels: Int, classCount: Int = 2, as scalar: Scalar.Type = Float.self
    ) throws -> SequentialClassifier<Scalar> {
        let outputs = classCount <= 2 ? 1 : classCount
        switch name {
        case "bilstm-attention":
            return bilstmAttention(inputChannels: inputChannels, outputs: outputs)
        default:
            throw ModelError.unknownModel(name, known: names)
        }
    }

    /// The seed's model. Hidden size 32 per direction, attention size 64.
    public static func bilstmAttention<Scalar: TensorScalar>(
        inputChannels: Int, outputs: Int = 1, hiddenSize: Int = 32, attentionSize: Int = 64
    ) -> SequentialClassifier<Scalar> {
        SequentialClassifier(
            name: "bilstm-attention",
            layers: [
                LSTM<Scalar>(name: "lstm", inputSize: inputChannels, hiddenSize: hiddenSize, bidirectional: true),
                AdditiveAttention<Scalar>(name: "attention", inputFeatures: 2 * hiddenSize, attentionSize: attentionSize),
                Dense<Scalar>(name: "classifier.0", inputFeatures: 2 * hiddenSize, outputFeatures: outputs),
            ],
            inputChannels: inputChannels, outputCount: outputs)
    }
}

public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unknownModel(String, known: [String])

    public var description: String {
        switch self {
        case .unknownModel(let name, let known):
            return "unknown model '\(name)' (built-in models: \(known.joined(separator: ", ")))"
        }
    }
}
