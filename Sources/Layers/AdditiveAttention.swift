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
    private let preactivationGradient = Buffer<Scalar>() // 2 × (chunkRows, A): one chunk's ∂L/∂z per half
    private let scorerGradients = Buffer<Scalar>()  // 2 × (2A + 1): ∂w₂, ∂b₂ and ∂b₁ per half of the batch
    private let projectionGradientPartial = Buffer<Scalar>()  // (A, D): the second half's ∂W₁
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

    /// Rows of a sample taken together through the scorer, tanh and projection backward: their
    /// ∂L/∂z (32 KiB at A = 64) stays in L1 between the five kernels that use it.
    static var chunkRows: Int { 128 }

    /// Per half of the batch (one thread each), sample by sample: ∂L/∂α and the pooling path into
    /// ∂L/∂h, the softmax, then in chunks of rows ∂L/∂z through the scorer and tanh and at once
    /// the projection's backward (∂W₁, ∂b₁ and ∂L/∂h += ∂L/∂z·W₁). A sample's h and ∂L/∂h (128 KiB
    /// each at T = 500, D = 64) stay in L2 from the first use to the last; as whole-batch passes
    /// they streamed from memory five times, ∂L/∂z twice more, and the projection's backward took
    /// 2.7 of the layer's 3.4 ms (two threads). Gradients are summed per half from zero (the first
    /// half's ∂W₁ straight into the gradient) and added in a fixed order, so one or two threads give
    /// the same bits.
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
        let chunk = Self.chunkRows
        scoreGradient.resize(batch * time)
        logitGradient.resize(batch * time, zeroed: true)
        preactivationGradient.resize(2 * chunk * width)
        // Per half: ∂w₂ and ∂b₂ (A + 1), then ∂b₁ (A).
        let partialWidth = 2 * width + 1
        scorerGradients.resize(2 * partialWidth, zeroed: true)
        projectionGradientPartial.resize(width * features, zeroed: true)
        let squashed = UnsafePointer(hiddenScores.pointer), alpha = UnsafePointer(weights.pointer)
        let dAlpha = scoreGradient.pointer, dScore = logitGradient.pointer, dPreactivations = preactivationGradient.pointer
        let partials = scorerGradients.pointer, scorerWeight = UnsafePointer(scorer.weight(in: parameters))
        let projectionWeight = UnsafePointer(projection.weight(in: parameters))
        let projectionGradients = [projection.weightGradient(in: parameters), projectionGradientPartial.pointer]
        let writes = writesInputGradient
        Parallelism.forBothHalves(batch) { samples, part in
            let scorerSums = partials + part * partialWidth, biasSums = scorerSums + width + 1
            let dPreactivation = dPreactivations + part * chunk * width, weightGradient = projectionGradients[part]
            for b in samples {
                let h = input + b * time * features, g = outputGradient + b * features
                let dh = inputGradient.map { $0 + b * time * features }
                // ∂L/∂α_{b,t} = ⟨h_{b,t}, g_b⟩;  ∂L/∂h_{b,t} += α_{b,t}·g_b (the pooling path)
                Scalar.rowDots(h, count: time, width: features, rowStride: features, vector: g, bias: 0, into: dAlpha + b * time)
                if let dh, writes {
                    Scalar.outerProduct(weights: alpha + b * time, vector: g, count: time, width: features, rowStride: features, into: dh)
                } else if let dh {
                    Scalar.addOuterProduct(weights: alpha + b * time, vector: g, count: time, width: features, rowStride: features, into: dh)
                }
                Scalar.softmaxBackwardRows(probabilities: alpha + b * time, outputGradient: dAlpha + b * time, addingInto: dScore + b * time,
                                           rows: 1, columns: time)
                scorerSums[width] += Scalar.sum(dScore + b * time, count: time)
                for first in stride(from: 0, to: time, by: chunk) {
                    let rows = min(chunk, time - first), row = b * time + first
                    // Scorer e = w₂·s + b₂ over s = tanh(z): ∂w₂ += Σ ∂e·s, ∂z = ∂e·w₂ ⊙ (1 − s²).
                    Scalar.addWeightedRowSum(weights: dScore + row, rows: squashed + row * width, count: rows, width: width, rowStride: width,
                                             into: scorerSums)
                    Scalar.tanhScoreBackward(scoreGradient: dScore + row, vector: scorerWeight, squashed: squashed + row * width,
                                             count: rows, width: width, into: dPreactivation)
                    // The projection z = W₁h + b₁: ∂b₁ += Σ ∂z, ∂W₁ += ∂zᵀ·h, ∂L/∂h += ∂z·W₁.
                    Scalar.addColumnSums(of: dPreactivation, rows: rows, columns: width, into: biasSums)
                    Scalar.smallMultiplyAddTransposedA(
                        m: width, n: features, k: rows, a: dPreactivation, lda: width, b: h + first * features, ldb: features,
                        c: weightGradient, ldc: features)
                    if let dh {
                        Scalar.smallMultiplyAdd(
                            m: rows, n: features, k: width, a: dPreactivation, lda: width, b: projectionWeight, ldb: features,
                            c: dh + first * features, ldc: features)
                    }
                }
            }
        }
        Scalar.addScaled(projectionGradientPartial.pointer, scale: 1, into: projection.weightGradient(in: parameters), count: width * features)
        let projectionBiasGradient = projection.biasGradient(in: parameters)
        let weightGradient = scorer.weightGradient(in: parameters)
        for part in 0..<2 {
            let sums = partials + part * partialWidth
            for index in 0..<width {
                weightGradient[index] += sums[index]
                projectionBiasGradient[index] += sums[width + 1 + index]
            }
            scorer.biasGradient(in: parameters).pointee += sums[width]
        }
    }
}
