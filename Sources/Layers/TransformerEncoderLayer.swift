import Kernels

/// One post-norm Transformer encoder block, PyTorch
/// `nn.TransformerEncoderLayer(D, heads, dim_feedforward=F, dropout=0, batch_first=True)`
/// (ReLU, `norm_first=False`):
///   a = x + SelfAttention(x),   x₁ = LayerNorm₁(a),
///   f = x₁ + W₂·relu(W₁·x₁ + b₁) + b₂,   y = LayerNorm₂(f).
/// SelfAttention is `nn.MultiheadAttention` with Q = K = V = x: one packed projection
/// [Q | K | V] = x·in_proj_weightᵀ + in_proj_bias (B, T, 3D), the per-head core
/// (`MultiHeadAttentionCore`), then `out_proj`.
///
/// Shapes: x and y are (B, T, D). Parameters (PyTorch names, registration = state_dict order):
/// `<name>.self_attn.in_proj_weight` (3D, D), `.self_attn.in_proj_bias` (3D),
/// `.self_attn.out_proj.weight` (D, D), `.self_attn.out_proj.bias` (D), `.linear1.weight` (F, D),
/// `.linear1.bias` (F), `.linear2.weight` (D, F), `.linear2.bias` (D), `.norm1.weight/bias` (D),
/// `.norm2.weight/bias` (D).
///
/// Backward runs the same chain in reverse; each residual connection adds the upstream gradient to
/// the branch's input gradient (∂L/∂x₁ = ∂L/∂f + the feed-forward path, ∂L/∂x = ∂L/∂a + the
/// attention path).
public final class TransformerEncoderLayer<Scalar: TensorScalar>: Layer, InputGradientWriting, @unchecked Sendable {
    public let name: String
    public let modelSize: Int
    public let heads: Int
    public let feedForwardSize: Int
    private let inputProjection: Dense<Scalar>
    let core: MultiHeadAttentionCore<Scalar>  // internal: tests switch its fused kernels off
    private let outputProjection: Dense<Scalar>
    private let linear1: Dense<Scalar>
    private let activation: ReLU<Scalar>
    private let linear2: Dense<Scalar>
    private let norm1: LayerNorm<Scalar>
    private let norm2: LayerNorm<Scalar>
    // Forward activations (rows = B·T).
    private let packed = Buffer<Scalar>()        // (rows, 3D): Q | K | V
    private let context = Buffer<Scalar>()       // (rows, D)
    private let attentionSum = Buffer<Scalar>()  // (rows, D): a = x + out_proj(context)
    private let normalized1 = Buffer<Scalar>()   // (rows, D): x₁
    private let hidden = Buffer<Scalar>()        // (rows, F): relu(W₁x₁ + b₁)
    private let feedForwardSum = Buffer<Scalar>() // (rows, D): f
    // Backward workspaces.
    private let feedForwardSumGradient = Buffer<Scalar>()
    private let hiddenGradient = Buffer<Scalar>()
    private let normalized1Gradient = Buffer<Scalar>()
    private let attentionSumGradient = Buffer<Scalar>()
    private let contextGradient = Buffer<Scalar>()
    private let packedGradient = Buffer<Scalar>()

    public init(name: String, modelSize: Int, heads: Int, feedForwardSize: Int) {
        self.name = name
        self.modelSize = modelSize
        self.heads = heads
        self.feedForwardSize = feedForwardSize
        (inputProjection, outputProjection) = multiheadProjections(prefix: "\(name).self_attn", modelSize: modelSize)
        core = MultiHeadAttentionCore(modelSize: modelSize, heads: heads)
        linear1 = Dense(name: "\(name).linear1", inputFeatures: modelSize, outputFeatures: feedForwardSize)
        activation = ReLU(name: "\(name).activation")
        linear2 = Dense(name: "\(name).linear2", inputFeatures: feedForwardSize, outputFeatures: modelSize)
        norm1 = LayerNorm(name: "\(name).norm1", features: modelSize)
        norm2 = LayerNorm(name: "\(name).norm2", features: modelSize)
        // The first contributor to each backward workspace writes it (see `backward`).
        for layer in [norm2, norm1] as [LayerNorm<Scalar>] { layer.writesInputGradient = true }
        for layer in [linear2, outputProjection] as [Dense<Scalar>] { layer.writesInputGradient = true }
    }

    public var writesInputGradient = false

    /// When set (`SequentialClassifier.foldsEmbeddingIntoEncoder`), the block's input is the series
    /// x (B, T, C) before a folded `embed` and `positions`, and its input gradient is ∂x: see
    /// `EncoderEmbedding`. The parameters stay the embedding's and the block's own.
    public var embedding: EncoderEmbedding<Scalar>?

    public func declareParameters(in layout: inout ParameterLayout) {
        for layer in [inputProjection, outputProjection, linear1, linear2] as [Dense<Scalar>] { layer.declareParameters(in: &layout) }
        norm1.declareParameters(in: &layout)
        norm2.declareParameters(in: &layout)
    }

    public func initializeParameters(_ parameters: ParameterStore<Scalar>, random: inout SeededRandom) {
        initializeMultiheadProjections(
            inputProjection: inputProjection, outputProjection: outputProjection, modelSize: modelSize,
            parameters: parameters, random: &random)
        linear1.initializeParameters(parameters, random: &random)
        linear2.initializeParameters(parameters, random: &random)
        norm1.initializeParameters(parameters, random: &random)
        norm2.initializeParameters(parameters, random: &random)
    }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape {
        guard input.time != nil else { throw ShapeError(layer: name, "attends over time and needs a time axis, got \(input)") }
        guard input.features == modelSize else {
            throw ShapeError(layer: name, "expects \(modelSize) features, got \(input.features)")
        }
        return input
    }

    public func forwardFLOPs(for input: ActivationShape) -> Int {
        let time = input.rowsPerSample
        let hiddenShape = ActivationShape(time: input.time, features: feedForwardSize)
        return inputProjection.forwardFLOPs(for: input) + core.forwardFLOPs(queryTime: time, keyTime: time)
            + outputProjection.forwardFLOPs(for: input) + linear1.forwardFLOPs(for: input)
            + activation.forwardFLOPs(for: hiddenShape) + linear2.forwardFLOPs(for: hiddenShape)
            + norm1.forwardFLOPs(for: input) + norm2.forwardFLOPs(for: input) + 2 * input.elementCount
    }

    private func views(_ base: UnsafeMutablePointer<Scalar>, time: Int) -> (StridedRows<Scalar>, StridedRows<Scalar>, StridedRows<Scalar>) {
        let d = modelSize, stride = time * 3 * d
        return (StridedRows(base, rowStride: 3 * d, batchStride: stride),
                StridedRows(base + d, rowStride: 3 * d, batchStride: stride),
                StridedRows(base + 2 * d, rowStride: 3 * d, batchStride: stride))
    }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        let time = shape.time ?? 0, d = modelSize, rows = batch * time
        let shape = ActivationShape(time: time, features: d)   // the block's rows (the input may be a folded series)
        let hiddenShape = ActivationShape(time: time, features: feedForwardSize)
        context.resize(rows * d)
        attentionSum.resize(rows * d)
        normalized1.resize(rows * d)
        hidden.resize(rows * feedForwardSize)
        feedForwardSum.resize(rows * d)
        embedding?.prepare(time: time, heads: heads, inputProjection: inputProjection, parameters: parameters)
        if let attention = embedding?.lowRankAttention(heads: heads) {
            attention.forward(input, batch: batch, context: context.pointer, keepWeights: training)
        } else {
            packed.resize(rows * 3 * d)
            if let embedding {
                embedding.project(input, batch: batch, time: time, into: packed.pointer)
            } else {
                inputProjection.forward(input, shape: shape, batch: batch, output: packed.pointer, parameters: parameters, training: training)
            }
            let (q, k, v) = views(packed.pointer, time: time)
            core.forward(query: q, key: k, value: v, batch: batch, queryTime: time, keyTime: time, context: context.pointer,
                         keepWeights: training)
        }
        outputProjection.forward(context.pointer, shape: shape, batch: batch, output: attentionSum.pointer, parameters: parameters, training: training)
        if let embedding {
            embedding.addEmbedding(of: input, batch: batch, time: time, into: attentionSum.pointer)
        } else {
            Scalar.addScaled(input, scale: 1, into: attentionSum.pointer, count: rows * d)
        }
        norm1.forward(attentionSum.pointer, shape: shape, batch: batch, output: normalized1.pointer, parameters: parameters, training: training)
        linear1.forward(normalized1.pointer, shape: shape, batch: batch, output: hidden.pointer, parameters: parameters, training: training)
        activation.forward(hidden.pointer, shape: hiddenShape, batch: batch, output: hidden.pointer, parameters: parameters, training: training)
        linear2.forward(hidden.pointer, shape: hiddenShape, batch: batch, output: feedForwardSum.pointer, parameters: parameters, training: training)
        Scalar.addScaled(normalized1.pointer, scale: 1, into: feedForwardSum.pointer, count: rows * d)
        norm2.forward(feedForwardSum.pointer, shape: shape, batch: batch, output: output, parameters: parameters, training: training)
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        let time = shape.time ?? 0, d = modelSize, rows = batch * time
        let shape = ActivationShape(time: time, features: d)
        let hiddenShape = ActivationShape(time: time, features: feedForwardSize)
        // Every workspace is written before it is added to (its first contributor writes), so none
        // is zeroed: zeroing them was 44 MB of stores per step at B = 32, T = 500.
        feedForwardSumGradient.resize(rows * d)
        hiddenGradient.resize(rows * feedForwardSize)
        normalized1Gradient.resize(rows * d)
        attentionSumGradient.resize(rows * d)
        contextGradient.resize(rows * d)
        let lowRank = embedding?.lowRankAttention(heads: heads)
        if lowRank == nil { packedGradient.resize(rows * 3 * d) }
        norm2.backward(input: feedForwardSum.pointer, output: output, outputGradient: outputGradient,
                       inputGradient: feedForwardSumGradient.pointer, shape: shape, batch: batch, parameters: parameters)
        // f = x₁ + FFN(x₁): the residual passes ∂L/∂f straight to x₁.
        copyScalars(from: feedForwardSumGradient.pointer, to: normalized1Gradient.pointer, count: rows * d)
        linear2.backward(input: hidden.pointer, output: feedForwardSum.pointer, outputGradient: feedForwardSumGradient.pointer,
                         inputGradient: hiddenGradient.pointer, shape: hiddenShape, batch: batch, parameters: parameters)
        // The ReLU's gradient masks ∂L/∂relu in place.
        Scalar.reluBackward(output: hidden.pointer, outputGradient: hiddenGradient.pointer, writingInto: hiddenGradient.pointer,
                            count: rows * feedForwardSize)
        linear1.backward(input: normalized1.pointer, output: hidden.pointer, outputGradient: hiddenGradient.pointer,
                         inputGradient: normalized1Gradient.pointer, shape: shape, batch: batch, parameters: parameters)
        norm1.backward(input: attentionSum.pointer, output: normalized1.pointer, outputGradient: normalized1Gradient.pointer,
                       inputGradient: attentionSumGradient.pointer, shape: shape, batch: batch, parameters: parameters)
        // a = x + SA(x): the residual passes ∂L/∂a straight to x (a folded embedding takes it below).
        if embedding == nil, let inputGradient {
            if writesInputGradient {
                copyScalars(from: attentionSumGradient.pointer, to: inputGradient, count: rows * d)
            } else {
                Scalar.addScaled(attentionSumGradient.pointer, scale: 1, into: inputGradient, count: rows * d)
            }
        }
        outputProjection.backward(input: context.pointer, output: attentionSum.pointer, outputGradient: attentionSumGradient.pointer,
                                  inputGradient: contextGradient.pointer, shape: shape, batch: batch, parameters: parameters)
        if let lowRank {
            // A backward after an evaluation forward runs the forward again, keeping P (same bits).
            if !lowRank.keptWeights { lowRank.forward(input, batch: batch, context: context.pointer, keepWeights: true) }
        } else {
            let (q, k, v) = views(packed.pointer, time: time)
            let (dq, dk, dv) = views(packedGradient.pointer, time: time)
            core.backward(contextGradient: contextGradient.pointer, query: q, key: k, value: v,
                          queryGradient: dq, keyGradient: dk, valueGradient: dv, batch: batch, queryTime: time, keyTime: time,
                          accumulate: false)
        }
        if let embedding {
            embedding.backward(
                series: input, residualGradient: attentionSumGradient.pointer,
                attention: lowRank.map { .lowRank($0, contextGradient: contextGradient.pointer) } ?? .packed(packedGradient.pointer),
                inputGradient: inputGradient, writesInputGradient: writesInputGradient, batch: batch, time: time,
                inputProjection: inputProjection, parameters: parameters)
        } else {
            inputProjection.backward(input: input, output: packed.pointer, outputGradient: packedGradient.pointer,
                                     inputGradient: inputGradient, shape: shape, batch: batch, parameters: parameters)
        }
    }
}
