import Dispatch
import Kernels
import Layers

/// Wall time per layer, forward and backward, summed over the passes run while it is attached to
/// a model (`SequentialClassifier.layerTimings`, for `serieslens profile`).
public final class LayerTimings: @unchecked Sendable {
    public private(set) var forwardNanoseconds: [UInt64]
    public private(set) var backwardNanoseconds: [UInt64]
    public private(set) var forwardPasses = 0
    public private(set) var backwardPasses = 0

    public init(layers: Int) {
        forwardNanoseconds = Array(repeating: 0, count: layers)
        backwardNanoseconds = Array(repeating: 0, count: layers)
    }

    func addForward(_ layer: Int, since start: UInt64) {
        forwardNanoseconds[layer] += DispatchTime.now().uptimeNanoseconds - start
        if layer == 0 { forwardPasses += 1 }
    }

    func addBackward(_ layer: Int, since start: UInt64) {
        backwardNanoseconds[layer] += DispatchTime.now().uptimeNanoseconds - start
        if layer == 0 { backwardPasses += 1 }
    }
}

/// A classifier built from a chain of layers: (B, T, C) series in, one logit per series out for
/// binary tasks (or K logits for K classes), plus the importance map of the layer that makes one.
///
/// Owns the parameters (one flat `ParameterStore`), the activation buffer after every layer and the
/// gradient buffers of the backward pass, all grow-only: a training loop allocates nothing after
/// its first batch.
public final class SequentialClassifier<Scalar: TensorScalar>: @unchecked Sendable {
    public let name: String
    public let layers: [any Layer<Scalar>]
    public let inputChannels: Int
    public let outputCount: Int
    public let parameters: ParameterStore<Scalar>
    /// The definition the model was built from (checkpoints store it).
    public let definition: ModelDefinition?
    /// The series length the model is tied to (a flatten layer), or nil for any length.
    public let fixedLength: Int?

    private var activations: [Buffer<Scalar>]
    private var activationGradients: [Buffer<Scalar>]
    private let inputGradientBuffer = Buffer<Scalar>()
    private var shapes: [ActivationShape] = []
    private var lastInput: UnsafePointer<Scalar>?
    private var lastBatch = 0

    /// Builds the parameter table from the layers; values start at zero until `initialize`.
    public init(name: String, layers: [any Layer<Scalar>], inputChannels: Int, outputCount: Int,
                definition: ModelDefinition? = nil, fixedLength: Int? = nil) {
        self.name = name
        self.definition = definition
        self.fixedLength = fixedLength
        self.layers = layers
        self.inputChannels = inputChannels
        self.outputCount = outputCount
        var layout = ParameterLayout()
        for layer in layers { layer.declareParameters(in: &layout) }
        parameters = ParameterStore(layout: layout)
        activations = layers.map { _ in Buffer<Scalar>() }
        activationGradients = layers.map { _ in Buffer<Scalar>() }
        foldedIntoPrevious = Array(repeating: false, count: layers.count)
        foldedIntoNext = Array(repeating: false, count: layers.count)
        updateFolding()
    }

    /// Folds each ReLU that directly follows a batch norm into it: the batch norm writes max(y, 0)
    /// and masks its gradient by that output, so the ReLU's pass, its output and its gradient buffer
    /// (zeroed every step) disappear, with the same bits. Off only to compare the two paths.
    public var foldsBatchNormReLU = true { didSet { updateFolding() } }

    /// Layers whose work the layer before them does (see `foldsBatchNormReLU`); their output is the
    /// previous layer's, and the gradient of that output passes straight through them.
    private var foldedIntoPrevious: [Bool]

    /// Folds each `linear(C → D)` with C ≤ D/4 and the `positional-encoding` after it into the
    /// `transformer-encoder` that follows, which then projects the narrow series itself
    /// (`EncoderEmbedding`): the same function, other rounding. Off only to compare the two paths.
    public var foldsEmbeddingIntoEncoder = true { didSet { updateFolding() } }

    /// Layers whose work the next unfolded layer does (see `foldsEmbeddingIntoEncoder`): it reads
    /// their input, and its input gradient is theirs.
    private var foldedIntoNext: [Bool]

    private func updateFolding() {
        for index in layers.indices { foldedIntoNext[index] = false }
        for case let encoder as TransformerEncoderLayer<Scalar> in layers { encoder.embedding = nil }
        for index in layers.indices.dropLast(2) where foldsEmbeddingIntoEncoder {
            guard let embedding = layers[index] as? Dense<Scalar>, let positions = layers[index + 1] as? PositionalEncoding<Scalar>,
                  let encoder = layers[index + 2] as? TransformerEncoderLayer<Scalar>,
                  4 * embedding.inputFeatures <= embedding.outputFeatures, embedding.outputFeatures == encoder.modelSize,
                  positions.features == encoder.modelSize else { continue }
            foldedIntoNext[index] = true
            foldedIntoNext[index + 1] = true
            encoder.embedding = EncoderEmbedding(embedding: embedding, positions: positions)
        }
        for (index, layer) in layers.enumerated() {
            foldedIntoPrevious[index] = foldsBatchNormReLU && index > 0 && layer is ReLU<Scalar> && layers[index - 1] is BatchNorm1D<Scalar>
        }
        for (index, layer) in layers.enumerated() {
            (layer as? BatchNorm1D<Scalar>)?.rectifiesOutput = index + 1 < layers.count && foldedIntoPrevious[index + 1]
            // In a chain each input gradient has one contributor, so it may be written unzeroed.
            (layer as? any InputGradientWriting)?.writesInputGradient = writesInputGradients
        }
    }

    /// Lets layers that can (`InputGradientWriting`) write their input gradient instead of adding
    /// it to a zeroed buffer. Off only to compare the two paths.
    public var writesInputGradients = true { didSet { updateFolding() } }

    /// Whether layer `index` runs inside the layer before it (see `foldsBatchNormReLU`).
    public func isFoldedIntoPrevious(_ index: Int) -> Bool { foldedIntoPrevious[index] }

    /// The layer that does layer `index`'s work when it is folded into a later one.
    public func foldedInto(_ index: Int) -> Int? {
        guard foldedIntoNext[index] else { return nil }
        var target = index
        while foldedIntoNext[target] { target += 1 }
        return target
    }

    /// The first layer of the run of folded layers that ends with layer `index`: layer `index` reads
    /// that layer's input.
    private func runStart(_ index: Int) -> Int {
        var first = index
        while first > 0 && foldedIntoNext[first - 1] { first -= 1 }
        return first
    }

    /// The output buffer of layer `index` (a folded layer's is its predecessor's).
    private func output(of index: Int) -> UnsafeMutablePointer<Scalar> {
        foldedIntoPrevious[index] ? output(of: index - 1) : activations[index].pointer
    }

    /// PyTorch's default initialisations, drawn from our seeded generator in layer order.
    public func initialize(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for layer in layers { layer.initializeParameters(parameters, random: &random) }
    }

    /// While set, every forward and backward pass adds its per-layer wall time here.
    public var layerTimings: LayerTimings?

    /// Threads for layers that can use two: the LSTM directions, large register-blocked products and
    /// multi-head attention's batch (`Parallelism`, process-wide; one model trains at a time).
    public var threads: Int = 1 {
        didSet {
            for case let lstm as LSTM<Scalar> in layers { lstm.threads = threads }
            Parallelism.threads = threads
        }
    }

    /// The per-layer shapes for series of `time` steps, or the first layer that rejects its input.
    public func shapes(time: Int) throws -> [ActivationShape] {
        var shape = ActivationShape(time: time, features: inputChannels)
        var result = [shape]
        for layer in layers {
            shape = try layer.outputShape(for: shape)
            result.append(shape)
        }
        guard shape.time == nil, shape.features == outputCount else {
            throw ShapeError(layer: name, "ends in \(shape), expected \(outputCount) output(s) per series")
        }
        return result
    }

    /// Runs the layers on `input` (B, T, C) and returns the logits (B × outputCount). The input must
    /// stay valid until `backward`.
    @discardableResult
    public func forward(_ input: UnsafePointer<Scalar>, batch: Int, time: Int, training: Bool) throws -> UnsafePointer<Scalar> {
        if shapes.first?.time != time || shapes.isEmpty { shapes = try self.shapes(time: time) }
        lastInput = input
        lastBatch = batch
        return runLayers(input, batch: batch, training: training, foldingBatchNorm: !training && foldsEvaluationBatchNorm)
    }

    /// In evaluation, each batch norm right after a convolution (with the ReLU folded into it) runs
    /// inside the convolution, on each block of output rows while it is in cache
    /// (`Conv1D.outputAffine`), instead of as a pass over the whole batch's activations from memory:
    /// the same operations, so the same bits. A backward pass needs the convolution's own output, so
    /// it first runs the evaluation forward again without the fold. Off only to compare the paths.
    public var foldsEvaluationBatchNorm = true

    /// Whether the last forward folded a batch norm into a convolution (`foldsEvaluationBatchNorm`).
    private var lastForwardFoldedBatchNorm = false

    /// A folded batch norm writes into the convolution's buffer, so a layer must follow it to read
    /// that (the logits are the last layer's buffer).
    private func hasLayerAfterNormalization(at index: Int) -> Bool {
        var next = index + 1
        while next < layers.count && foldedIntoPrevious[next] { next += 1 }
        return next < layers.count
    }

    @discardableResult
    private func runLayers(_ input: UnsafePointer<Scalar>, batch: Int, training: Bool, foldingBatchNorm: Bool) -> UnsafePointer<Scalar> {
        var current = input
        var normalizationDone = -1
        lastForwardFoldedBatchNorm = false
        for (index, layer) in layers.enumerated() where !foldedIntoPrevious[index] && !foldedIntoNext[index] && index != normalizationDone {
            activations[index].resize(batch * shapes[index + 1].elementCount)
            let start = layerTimings == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            let convolution = foldingBatchNorm ? layer as? Conv1D<Scalar> : nil
            if let convolution, index + 1 < layers.count, let normalization = layers[index + 1] as? BatchNorm1D<Scalar>,
               hasLayerAfterNormalization(at: index + 1) {
                convolution.outputAffine = normalization.evaluationAffine(parameters: parameters)
                normalizationDone = index + 1
                lastForwardFoldedBatchNorm = true
            }
            layer.forward(current, shape: shapes[runStart(index)], batch: batch, output: activations[index].pointer, parameters: parameters, training: training)
            convolution?.outputAffine = nil
            layerTimings?.addForward(index, since: start)
            current = UnsafePointer(activations[index].pointer)
        }
        return current
    }

    /// Forward FLOPs for one series of `time` steps (see `Layer.forwardFLOPs`).
    public func forwardFLOPs(time: Int) throws -> Int {
        let shapes = try self.shapes(time: time)
        return zip(layers, shapes).reduce(0) { $0 + $1.0.forwardFLOPs(for: $1.1) }
    }

    /// (B, heads, T) per-head attention maps of the last forward, when the model pools with
    /// multi-head attention.
    public var headImportance: (maps: UnsafePointer<Scalar>, heads: Int)? {
        for case let pooling as MultiHeadAttentionPooling<Scalar> in layers.reversed() { return (pooling.headImportance, pooling.heads) }
        return nil
    }

    /// Logits of the last forward.
    public var logits: UnsafePointer<Scalar> { UnsafePointer(output(of: layers.count - 1)) }

    /// (B, T) importance map of the last forward, from the last layer that makes one.
    public var importance: UnsafePointer<Scalar>? {
        for layer in layers.reversed() { if let map = layer.importance { return map } }
        return nil
    }

    /// Back-propagates ∂L/∂logits (B × outputCount) through the last forward, adding into the
    /// parameter gradients; returns ∂L/∂input (B, T, C) when asked for.
    @discardableResult
    public func backward(logitGradient: UnsafePointer<Scalar>, inputGradient wantsInputGradient: Bool = false) -> UnsafePointer<Scalar>? {
        guard let input = lastInput else { preconditionFailure("backward before forward") }
        let batch = lastBatch
        if lastForwardFoldedBatchNorm { runLayers(input, batch: batch, training: false, foldingBatchNorm: false) }
        var upstream = logitGradient
        // A folded layer is skipped: `upstream`, the gradient of its output, is its predecessor's.
        for index in stride(from: layers.count - 1, through: 0, by: -1) where !foldedIntoPrevious[index] && !foldedIntoNext[index] {
            let first = runStart(index)
            let layerInput = first == 0 ? input : UnsafePointer(output(of: first - 1))
            var downstream: UnsafeMutablePointer<Scalar>?
            let zeroed = !((layers[index] as? any InputGradientWriting)?.writesInputGradient ?? false)
            if first > 0 {
                activationGradients[first - 1].resize(batch * shapes[first].elementCount, zeroed: zeroed)
                downstream = activationGradients[first - 1].pointer
            } else if wantsInputGradient {
                inputGradientBuffer.resize(batch * shapes[0].elementCount, zeroed: zeroed)
                downstream = inputGradientBuffer.pointer
            }
            let start = layerTimings == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            layers[index].backward(
                input: layerInput, output: output(of: index), outputGradient: upstream,
                inputGradient: downstream, shape: shapes[first], batch: batch, parameters: parameters)
            layerTimings?.addBackward(index, since: start)
            if let downstream { upstream = UnsafePointer(downstream) }
        }
        return wantsInputGradient ? UnsafePointer(inputGradientBuffer.pointer) : nil
    }
}
