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
public final class AdditiveAttention<Scalar: TensorScalar>: Layer, InputGradientWriting, @unchecked Sendable {
    public let name: String
    public let inputFeatures: Int
    public let attentionSize: Int
    private let projection: Dense<Scalar>
    private let squash: Tanh<Scalar>
    private let scorer: Dense<Scalar>
    private let hiddenScores = Buffer<Scalar>()   // (B·T, A): W₁h + b₁, then tanh of it in place
    private let weights = Buffer<Scalar>()        // (B, T): α
    private let scoreGradient = Buffer<Scalar>()  // (B, T): ∂L/∂α, then ∂L/∂e
    private let logitGradient = Buffer<Scalar>()  // (B, T)
    private let preactivationGradient = Buffer<Scalar>() // (B·T, A)
    private let scorerGradients = Buffer<Scalar>()  // 2 × (A + 1): ∂w₂ and ∂b₂ per half of the batch
    private let projectionTransposed = Buffer<Scalar>()  // (D, A): W₁ᵀ for the fused scores
    private let discardedScores = Buffer<Scalar>()       // (B, T): scores of a recomputation
    /// Whether the last forward kept tanh(W₁h + b₁) (training does; evaluation with the fused kernel
    /// does not, and a backward pass after it recomputes them).
    private var keptSquashed = false
    /// Whether the scores come from one fused kernel (Float, A a multiple of 32) instead of the
    /// projection, a tanh pass and a dot pass; tests compare the two.
    public var usesFusedScores = true
    /// The pooling path's share is written into ∂L/∂h (the scoring path's is added after it).
    public var writesInputGradient = false

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

    /// The projection runs over all B·T rows at once (its product splits rows over the threads);
    /// the rest is per sample, so each half of the batch goes to one thread.
    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        let time = shape.time ?? 0, features = inputFeatures, width = attentionSize
        hiddenScores.resize(batch * time * width)
        weights.resize(batch * time)
        let fused = prepareFusedScores(parameters: parameters)
        if !fused {
            projection.forward(input, shape: shape, batch: batch, output: hiddenScores.pointer, parameters: parameters, training: training)
        }
        keptSquashed = training || !fused
        let squashed = hiddenScores.pointer, alpha = weights.pointer, keep = keptSquashed
        let scorerWeight = UnsafePointer(scorer.weight(in: parameters)), scorerBias = scorer.bias(in: parameters).pointee
        Parallelism.splitInHalves(batch) { samples, _ in
            let rows = samples.lowerBound * time, count = samples.count * time
            if fused {
                _ = fusedScores(input + rows * features, rows: count, parameters: parameters,
                                squashed: keep ? squashed + rows * width : nil, scores: alpha + rows)
            } else {
                Scalar.tanh(squashed + rows * width, squashed + rows * width, count: count * width)
                Scalar.rowDots(squashed + rows * width, count: count, width: width, rowStride: width, vector: scorerWeight, bias: scorerBias, into: alpha + rows)
            }
            Scalar.softmaxRows(alpha + rows, rows: samples.count, columns: time)
            for b in samples {
                // c_b (D) = Σ_t α_{b,t} h_{b,t}
                UnsafeMutableRawPointer(output + b * features).initializeMemory(as: UInt8.self, repeating: 0, count: features * MemoryLayout<Scalar>.stride)
                Scalar.addWeightedRowSum(weights: alpha + b * time, rows: input + b * time * features, count: time, width: features, rowStride: features,
                                               into: output + b * features)
            }
        }
    }

    /// W₁ᵀ for the fused scores, when this type and width have the kernel.
    private func prepareFusedScores(parameters: ParameterStore<Scalar>) -> Bool {
        guard usesFusedScores && Scalar.supportsFusedAdditiveScores(width: attentionSize) else { return false }
        projectionTransposed.resize(inputFeatures * attentionSize)
        Scalar.transpose(projection.weight(in: parameters), sourceRowStride: inputFeatures, rows: attentionSize, columns: inputFeatures,
                         scale: 1, into: projectionTransposed.pointer)
        return true
    }

    private func fusedScores(
        _ input: UnsafePointer<Scalar>, rows: Int, parameters: ParameterStore<Scalar>,
        squashed: UnsafeMutablePointer<Scalar>?, scores: UnsafeMutablePointer<Scalar>
    ) -> Bool {
        Scalar.fusedAdditiveScores(
            input, rows: rows, features: inputFeatures, weightTransposed: projectionTransposed.pointer, width: attentionSize,
            bias: projection.bias(in: parameters), scorer: scorer.weight(in: parameters), scorerBias: scorer.bias(in: parameters).pointee,
            squashed: squashed, scores: scores)
    }

    /// Per half of the batch (one thread each): ∂L/∂α, the pooling path into ∂L/∂h, the softmax,
    /// and ∂L/∂z of the projection's output through the scorer and tanh; the scorer's gradients are
    /// summed per half and added in a fixed order (one or two threads give the same bits). Then the
    /// projection's backward over all rows.
    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        let time = shape.time ?? 0, features = inputFeatures, width = attentionSize
        if !keptSquashed {
            // An evaluation forward (saliency) skipped tanh(W₁h + b₁); the same kernel recomputes it.
            discardedScores.resize(batch * time)
            _ = prepareFusedScores(parameters: parameters)
            _ = fusedScores(input, rows: batch * time, parameters: parameters, squashed: hiddenScores.pointer, scores: discardedScores.pointer)
            keptSquashed = true
        }
        scoreGradient.resize(batch * time)
        logitGradient.resize(batch * time, zeroed: true)
        preactivationGradient.resize(batch * time * width)
        scorerGradients.resize(2 * (width + 1), zeroed: true)
        let squashed = UnsafePointer(hiddenScores.pointer), alpha = UnsafePointer(weights.pointer)
        let dAlpha = scoreGradient.pointer, dScore = logitGradient.pointer, dPreactivation = preactivationGradient.pointer
        let partials = scorerGradients.pointer, scorerWeight = UnsafePointer(scorer.weight(in: parameters))
        let writes = writesInputGradient
        Parallelism.forBothHalves(batch) { samples, part in
            for b in samples {
                let h = input + b * time * features, g = outputGradient + b * features
                // ∂L/∂α_{b,t} = ⟨h_{b,t}, g_b⟩;  ∂L/∂h_{b,t} += α_{b,t}·g_b (the pooling path)
                Scalar.rowDots(h, count: time, width: features, rowStride: features, vector: g, bias: 0, into: dAlpha + b * time)
                if let inputGradient, writes {
                    Scalar.outerProduct(weights: alpha + b * time, vector: g, count: time, width: features, rowStride: features,
                                        into: inputGradient + b * time * features)
                } else if let inputGradient {
                    Scalar.addOuterProduct(weights: alpha + b * time, vector: g, count: time, width: features, rowStride: features,
                                           into: inputGradient + b * time * features)
                }
            }
            let rows = samples.lowerBound * time, count = samples.count * time
            Scalar.softmaxBackwardRows(probabilities: alpha + rows, outputGradient: dAlpha + rows, addingInto: dScore + rows,
                                       rows: samples.count, columns: time)
            // Scorer e = w₂·s + b₂ over s = tanh(z): ∂w₂ += Σ ∂e·s, ∂b₂ += Σ ∂e, ∂z = ∂e·w₂ ⊙ (1 − s²).
            let weightSums = partials + part * (width + 1)
            Scalar.addWeightedRowSum(weights: dScore + rows, rows: squashed + rows * width, count: count, width: width, rowStride: width, into: weightSums)
            weightSums[width] += Scalar.sum(dScore + rows, count: count)
            Scalar.tanhScoreBackward(scoreGradient: dScore + rows, vector: scorerWeight, squashed: squashed + rows * width,
                                              count: count, width: width, into: dPreactivation + rows * width)
        }
        let weightGradient = scorer.weightGradient(in: parameters)
        for index in 0..<width { weightGradient[index] += partials[index] + partials[width + 1 + index] }
        scorer.biasGradient(in: parameters).pointee += partials[width] + partials[2 * width + 1]
        projection.backward(
            input: input, output: squashed, outputGradient: dPreactivation,
            inputGradient: inputGradient, shape: shape, batch: batch, parameters: parameters)
    }
}
