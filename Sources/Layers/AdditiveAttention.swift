import Kernels

/// Additive (Bahdanau-style) attention pooling over time, the seed model's
/// `nn.Sequential(nn.Linear(D, A), nn.Tanh(), nn.Linear(A, 1))` followed by softmax over time and
/// the weighted sum:
///   e_{b,t} = w₂·tanh(W₁·h_{b,t} + b₁) + b₂,   α_{b,·} = softmax_t(e_{b,·}),   c_b = Σ_t α_{b,t} h_{b,t}
///
/// Shapes: h is (B, T, D); output c is (B, D); the weights α (B, T) are kept as `importance`.
/// Parameters: `<name>.0.weight` (A, D), `<name>.0.bias` (A), `<name>.2.weight` (1, A),
/// `<name>.2.bias` (1) — the PyTorch Sequential indices.
///
/// Backward, with g_b = ∂L/∂c_b:
///   ∂L/∂α_{b,t} = ⟨g_b, h_{b,t}⟩,   ∂L/∂h_{b,t} += α_{b,t}·g_b  (the pooling path)
///   ∂L/∂e = softmax backward of ∂L/∂α, then back through the two Linear layers and tanh, which add
///   the scoring path's share into ∂L/∂h.
public final class AdditiveAttention<Scalar: TensorScalar>: Layer, @unchecked Sendable {
    public let name: String
    public let inputFeatures: Int
    public let attentionSize: Int
    private let projection: Dense<Scalar>
    private let squash: Tanh<Scalar>
    private let scorer: Dense<Scalar>
    private let hiddenScores = Buffer<Scalar>()   // (B·T, A): tanh(W₁h + b₁)
    private let weights = Buffer<Scalar>()        // (B, T): α
    private let scoreGradient = Buffer<Scalar>()  // (B, T): ∂L/∂α, then ∂L/∂e
    private let logitGradient = Buffer<Scalar>()  // (B, T)
    private let hiddenGradient = Buffer<Scalar>() // (B·T, A)
    private let preactivationGradient = Buffer<Scalar>() // (B·T, A)

    public init(name: String, inputFeatures: Int, attentionSize: Int) {
        self.name = name
        self.inputFeatures = inputFeatures
        self.attentionSize = attentionSize
        projection = Dense(name: "\(name).0", inputFeatures: inputFeatures, outputFeatures: attentionSize)
        squash = Tanh(name: "\(name).1")
        scorer = Dense(name: "\(name).2", inputFeatures: attentionSize, outputFeatures: 1)
    }

    public func declareParameters(in layout: inout ParameterLayout) {
        projection.declareParameters(in: &layout)
        scorer.declareParameters(in: &layout)
    }

    public func initializeParameters(_ parameters: ParameterStore<Scalar>, random: inout SeededRandom) {
        projection.initializeParameters(parameters, random: &random)
        scorer.initializeParameters(parameters, random: &random)
    }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape {
        guard input.time != nil else { throw ShapeError(layer: name, "pools over time and needs a time axis, got \(input)") }
        guard input.features == inputFeatures else {
            throw ShapeError(layer: name, "expects \(inputFeatures) features, got \(input.features)")
        }
        return ActivationShape(time: nil, features: inputFeatures)
    }

    public var importance: UnsafePointer<Scalar>? { UnsafePointer(weights.pointer) }

    /// The scoring network on every step, the softmax (≈3 per step) and the weighted sum 2·T·D.
    public func forwardFLOPs(for input: ActivationShape) -> Int {
        let rows = ActivationShape(time: input.time, features: attentionSize)
        return projection.forwardFLOPs(for: input) + squash.forwardFLOPs(for: rows) + scorer.forwardFLOPs(for: rows)
            + input.rowsPerSample * (3 + 2 * inputFeatures)
    }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        let time = shape.time ?? 0, features = inputFeatures
        let rowShape = ActivationShape(time: time, features: attentionSize)
        hiddenScores.resize(batch * time * attentionSize)
        weights.resize(batch * time)
        projection.forward(input, shape: shape, batch: batch, output: hiddenScores.pointer, parameters: parameters, training: training)
        squash.forward(hiddenScores.pointer, shape: rowShape, batch: batch, output: hiddenScores.pointer, parameters: parameters, training: training)
        scorer.forward(hiddenScores.pointer, shape: rowShape, batch: batch, output: weights.pointer, parameters: parameters, training: training)
        Scalar.softmaxRows(weights.pointer, rows: batch, columns: time)
        for b in 0..<batch {
            // c_b (1×D) = α_b (1×T) · h_b (T×D)
            GEMM.multiply(
                m: 1, n: features, k: time, a: weights.pointer + b * time, lda: time,
                b: input + b * time * features, ldb: features, beta: 0, c: output + b * features, ldc: features)
        }
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        let time = shape.time ?? 0, features = inputFeatures
        let rowShape = ActivationShape(time: time, features: attentionSize)
        scoreGradient.resize(batch * time)
        logitGradient.resize(batch * time, zeroed: true)
        hiddenGradient.resize(batch * time * attentionSize, zeroed: true)
        preactivationGradient.resize(batch * time * attentionSize, zeroed: true)
        for b in 0..<batch {
            let h = input + b * time * features
            // ∂L/∂α_b (T×1) = h_b (T×D) · g_b (D×1)
            GEMM.multiply(
                m: time, n: 1, k: features, a: h, lda: features, b: outputGradient + b * features, ldb: 1,
                beta: 0, c: scoreGradient.pointer + b * time, ldc: 1)
            if let inputGradient {
                // ∂L/∂h_b (T×D) += α_bᵀ (T×1) · g_b (1×D)
                GEMM.multiply(
                    m: time, n: features, k: 1, a: weights.pointer + b * time, lda: 1,
                    b: outputGradient + b * features, ldb: features, beta: 1, c: inputGradient + b * time * features, ldc: features)
            }
        }
        Scalar.softmaxBackwardRows(
            probabilities: weights.pointer, outputGradient: scoreGradient.pointer, addingInto: logitGradient.pointer,
            rows: batch, columns: time)
        scorer.backward(
            input: hiddenScores.pointer, output: weights.pointer, outputGradient: logitGradient.pointer,
            inputGradient: hiddenGradient.pointer, shape: rowShape, batch: batch, parameters: parameters)
        squash.backward(
            input: hiddenScores.pointer, output: hiddenScores.pointer, outputGradient: hiddenGradient.pointer,
            inputGradient: preactivationGradient.pointer, shape: rowShape, batch: batch, parameters: parameters)
        projection.backward(
            input: input, output: hiddenScores.pointer, outputGradient: preactivationGradient.pointer,
            inputGradient: inputGradient, shape: shape, batch: batch, parameters: parameters)
    }
}
