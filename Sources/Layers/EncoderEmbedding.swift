import Kernels

/// A Transformer block's input when it is `embed(x) + positions` of a narrow series: for each row
/// (b, t), h₀ = E·x_bt + e + PE_t with x (B, T, C), the embedding's weight E (D, C) and bias e (D),
/// and the sinusoidal table PE (T, D). `SequentialClassifier` folds a `linear(C → D)` and a
/// `positional-encoding` into the `transformer-encoder` after them when C ≤ D/4
/// (`foldsEmbeddingIntoEncoder`); the block then reads x itself and never forms h₀'s projection:
///
///   [Q | K | V]_bt = W_in·h₀ + b_in = Â·x_bt + Ĉ_t,   Â = W_in·E (3D, C),   Ĉ_t = W_in·(e + PE_t) + b_in,
///
/// Ĉ (T, 3D) is one product per batch instead of one per sample, and each row costs C multiply-adds
/// per projected value instead of D: the packed input projection was a tenth of a posenc-attention
/// training step (T = 500, C = 1, D = 64). Its backward, from ∂[Q|K|V] (B, T, 3D), needs only
///   R = Σ_bt x_bt ⊗ ∂[Q|K|V]_bt (C, 3D)   and   Z_t = Σ_b ∂[Q|K|V]_bt (T, 3D):
///   ∂W_in += Rᵀ·Eᵀ + Zᵀ·(e + PE),   ∂b_in += Σ_t Z_t,
///   ∂E += (R·W_in)ᵀ + Σ_bt ∂h₀_bt ⊗ x_bt,   ∂e += W_inᵀ·Σ_t Z_t + Σ_bt ∂h₀_bt,
/// where ∂h₀ is the residual connection's share (the block's ∂L/∂a), and, when asked for,
///   ∂x_bt = Eᵀ·∂h₀_bt + Âᵀ·∂[Q|K|V]_bt.
/// The per-row sums run over the two halves of the batch and are added in a fixed order, so the
/// bits do not depend on the thread count. Same function as the unfolded layers, other rounding.
public final class EncoderEmbedding<Scalar: TensorScalar>: @unchecked Sendable {
    public let embedding: Dense<Scalar>
    public let positions: PositionalEncoding<Scalar>
    public var channels: Int { embedding.inputFeatures }
    public var modelSize: Int { embedding.outputFeatures }

    private let shared = Buffer<Scalar>()             // (T, D): e + PE_t
    private let projectedShared = Buffer<Scalar>()    // (T, 3D): Ĉ
    private let projectedWeight = Buffer<Scalar>()    // (C, 3D): Âᵀ, a row per channel
    private let transposedWeight = Buffer<Scalar>()   // (C, D): Eᵀ
    // Per half of the batch: Z, R, Σ x ⊗ ∂h₀ and Σ ∂h₀.
    private let projectedSums = [Buffer<Scalar>(), Buffer<Scalar>()]
    private let channelSums = [Buffer<Scalar>(), Buffer<Scalar>()]
    private let residualChannelSums = [Buffer<Scalar>(), Buffer<Scalar>()]
    private let residualSums = [Buffer<Scalar>(), Buffer<Scalar>()]

    public init(embedding: Dense<Scalar>, positions: PositionalEncoding<Scalar>) {
        precondition(embedding.outputFeatures == positions.features, "the embedding's width is the positions' width")
        self.embedding = embedding
        self.positions = positions
    }

    /// Whether a one-channel series attends through `LowRankSelfAttention` (Float, head sizes with
    /// kernels) instead of projecting Q, K and V for the general core. Off only to compare the two.
    public var usesLowRankAttention = true
    private var lowRank: LowRankSelfAttention<Scalar>?

    /// The low-rank core for a block of `heads` heads, when it applies.
    func lowRankAttention(heads: Int) -> LowRankSelfAttention<Scalar>? {
        guard usesLowRankAttention, LowRankSelfAttention<Scalar>.supports(channels: channels, modelSize: modelSize, heads: heads) else {
            return nil
        }
        if lowRank?.heads != heads { lowRank = LowRankSelfAttention(modelSize: modelSize, heads: heads) }
        return lowRank
    }

    /// Ĉ, Âᵀ and Eᵀ for series of `time` steps from the current parameters (once per forward pass),
    /// and the low-rank core's per-head terms when it applies.
    func prepare(time: Int, heads: Int, inputProjection: Dense<Scalar>, parameters: ParameterStore<Scalar>) {
        let d = modelSize, c = channels, width = 3 * d
        shared.resize(time * d)
        projectedShared.resize(time * width)
        projectedWeight.resize(c * width)
        transposedWeight.resize(c * d)
        copyScalars(from: positions.table(time: time), to: shared.pointer, count: time * d)
        if embedding.hasBias {
            let bias = embedding.bias(in: parameters)
            for t in 0..<time { Scalar.addScaled(bias, scale: 1, into: shared.pointer + t * d, count: d) }
        }
        inputProjection.forward(shared.pointer, shape: ActivationShape(time: time, features: d), batch: 1,
                                output: projectedShared.pointer, parameters: parameters, training: false)
        let e = embedding.weight(in: parameters), w = inputProjection.weight(in: parameters)
        for channel in 0..<c {
            for i in 0..<d { transposedWeight.pointer[channel * d + i] = e[i * c + channel] }
            let column = transposedWeight.pointer + channel * d
            for o in 0..<width { projectedWeight.pointer[channel * width + o] = Scalar.dot(w + o * d, column, count: d) }
        }
        lowRankAttention(heads: heads)?.prepare(time: time, projectedShared: projectedShared.pointer, projectedWeight: projectedWeight.pointer)
    }

    /// [Q | K | V] (B, T, 3D) of the series x (B, T, C): each row Ĉ_t + Σ_c x_btc·Âᵀ_c.
    func project(_ series: UnsafePointer<Scalar>, batch: Int, time: Int, into packed: UnsafeMutablePointer<Scalar>) {
        let c = channels, width = 3 * modelSize
        prepareScratch(time: time)
        Parallelism.splitInHalves(batch) { samples, part in
            for b in samples {
                let target = packed + b * time * width
                copyScalars(from: projectedShared.pointer, to: target, count: time * width)
                for channel in 0..<c {
                    Scalar.addOuterProduct(weights: column(series + b * time * c, channel, time: time, part: part),
                                           vector: projectedWeight.pointer + channel * width, count: time, width: width,
                                           rowStride: width, into: target)
                }
            }
        }
    }

    /// Adds h₀ = e + PE_t + E·x_bt into `rows` (B, T, D): the block's residual connection.
    func addEmbedding(of series: UnsafePointer<Scalar>, batch: Int, time: Int, into rows: UnsafeMutablePointer<Scalar>) {
        let c = channels, d = modelSize
        prepareScratch(time: time)
        Parallelism.splitInHalves(batch) { samples, part in
            for b in samples {
                let target = rows + b * time * d
                Scalar.addScaled(shared.pointer, scale: 1, into: target, count: time * d)
                for channel in 0..<c {
                    Scalar.addOuterProduct(weights: column(series + b * time * c, channel, time: time, part: part),
                                           vector: transposedWeight.pointer + channel * d, count: time, width: d,
                                           rowStride: d, into: target)
                }
            }
        }
    }

    // Per thread: one channel of a sample's series (T), and two (T) dot-product results.
    private let columns = [Buffer<Scalar>(), Buffer<Scalar>()]
    private let dots = [Buffer<Scalar>(), Buffer<Scalar>()]

    private func prepareScratch(time: Int) {
        for buffer in columns { buffer.resize(time) }
        for buffer in dots { buffer.resize(2 * time) }
    }

    /// Channel `channel` of one sample's (T, C) series, contiguous (the series itself when C = 1).
    private func column(_ sample: UnsafePointer<Scalar>, _ channel: Int, time: Int, part: Int) -> UnsafePointer<Scalar> {
        let c = channels
        guard c > 1 else { return sample }
        let target = columns[part].pointer
        for t in 0..<time { target[t] = sample[t * c + channel] }
        return UnsafePointer(target)
    }

    /// Where the attention's gradient comes from: ∂[Q|K|V] (B, T, 3D) of the general core, or
    /// ∂context (B, T, D) for the low-rank core, which sums what is needed of ∂[Q|K|V] itself.
    enum AttentionGradient {
        case packed(UnsafePointer<Scalar>)
        case lowRank(LowRankSelfAttention<Scalar>, contextGradient: UnsafePointer<Scalar>)
    }

    private let attentionInputGradient = Buffer<Scalar>()   // (B, T): the low-rank core's share of ∂x

    /// Adds the gradients of W_in, b_in, E and e from the attention's gradient and the residual share
    /// ∂h₀ (B, T, D), and writes (or adds, without `writesInputGradient`) ∂x when `inputGradient` is given.
    func backward(
        series: UnsafePointer<Scalar>, residualGradient: UnsafePointer<Scalar>, attention: AttentionGradient,
        inputGradient: UnsafeMutablePointer<Scalar>?, writesInputGradient: Bool, batch: Int, time: Int,
        inputProjection: Dense<Scalar>, parameters: ParameterStore<Scalar>
    ) {
        let c = channels, d = modelSize, width = 3 * d
        prepareScratch(time: time)
        if case .lowRank = attention, inputGradient != nil { attentionInputGradient.resize(batch * time, zeroed: true) }
        for part in 0..<2 {
            projectedSums[part].resize(time * width, zeroed: true)
            channelSums[part].resize(c * width, zeroed: true)
            residualChannelSums[part].resize(c * d, zeroed: true)
            residualSums[part].resize(d, zeroed: true)
        }
        Parallelism.forBothHalves(batch) { samples, part in
            let z = projectedSums[part].pointer, r = channelSums[part].pointer
            let residualChannel = residualChannelSums[part].pointer, residual = residualSums[part].pointer
            var packedGradient: UnsafePointer<Scalar>?
            switch attention {
            case .packed(let gradient): packedGradient = gradient
            case .lowRank(let core, let contextGradient):
                core.backward(samples: samples, part: part, series: series, contextGradient: contextGradient, projectedSums: z,
                              channelSums: r, inputGradient: inputGradient == nil ? nil : attentionInputGradient.pointer)
            }
            for b in samples {
                let residualRows = residualGradient + b * time * d
                let packedRows = packedGradient.map { $0 + b * time * width }
                if let packedRows { Scalar.addScaled(packedRows, scale: 1, into: z, count: time * width) }
                Scalar.addColumnSums(of: residualRows, rows: time, columns: d, into: residual)
                for channel in 0..<c {
                    let x = column(series + b * time * c, channel, time: time, part: part)
                    if let packedRows {
                        Scalar.addWeightedRowSum(weights: x, rows: packedRows, count: time, width: width, rowStride: width, into: r + channel * width)
                    }
                    Scalar.addWeightedRowSum(weights: x, rows: residualRows, count: time, width: d, rowStride: d, into: residualChannel + channel * d)
                    guard let inputGradient else { continue }
                    // ∂x_btc = Eᵀ_c·∂h₀_bt + Âᵀ_c·∂[Q|K|V]_bt (the low-rank core's share summed already; C = 1 there).
                    let fromResidual = dots[part].pointer
                    var fromProjection = UnsafePointer(attentionInputGradient.pointer + b * time)
                    Scalar.rowDots(residualRows, count: time, width: d, rowStride: d, vector: transposedWeight.pointer + channel * d,
                                   bias: 0, into: fromResidual)
                    if let packedRows {
                        Scalar.rowDots(packedRows, count: time, width: width, rowStride: width, vector: projectedWeight.pointer + channel * width,
                                       bias: 0, into: fromResidual + time)
                        fromProjection = UnsafePointer(fromResidual + time)
                    }
                    let target = inputGradient + b * time * c + channel
                    for t in 0..<time {
                        let value = fromResidual[t] + fromProjection[t]
                        target[t * c] = writesInputGradient ? value : target[t * c] + value
                    }
                }
            }
        }
        // The halves in a fixed order, into half 0.
        Scalar.addScaled(projectedSums[1].pointer, scale: 1, into: projectedSums[0].pointer, count: time * width)
        Scalar.addScaled(channelSums[1].pointer, scale: 1, into: channelSums[0].pointer, count: c * width)
        Scalar.addScaled(residualChannelSums[1].pointer, scale: 1, into: residualChannelSums[0].pointer, count: c * d)
        Scalar.addScaled(residualSums[1].pointer, scale: 1, into: residualSums[0].pointer, count: d)
        let z = projectedSums[0].pointer, r = channelSums[0].pointer
        // ∂W_in += Zᵀ·(e + PE) and ∂b_in += Σ_t Z_t: the projection's own backward over one "sample".
        inputProjection.backward(input: shared.pointer, output: projectedShared.pointer, outputGradient: z, inputGradient: nil,
                                 shape: ActivationShape(time: time, features: d), batch: 1, parameters: parameters)
        let w = inputProjection.weight(in: parameters), weightGradient = inputProjection.weightGradient(in: parameters)
        let embeddingGradient = embedding.weightGradient(in: parameters)
        // ∂W_in[o] += Σ_c R[c][o]·E[·][c] (rows of W_in are D long).
        for channel in 0..<c {
            let column = transposedWeight.pointer + channel * d
            for o in 0..<width { Scalar.addScaled(column, scale: r[channel * width + o], into: weightGradient + o * d, count: d) }
        }
        // ∂E[i][c] += Σ_o R[c][o]·W_in[o][i] + Σ x ⊗ ∂h₀.
        let fromProjection = residualChannelSums[0].pointer   // reused: (C, D) rows gain W_inᵀ·R[c]
        for channel in 0..<c {
            for o in 0..<width { Scalar.addScaled(w + o * d, scale: r[channel * width + o], into: fromProjection + channel * d, count: d) }
            for i in 0..<d { embeddingGradient[i * c + channel] += fromProjection[channel * d + i] }
        }
        guard embedding.hasBias else { return }
        // ∂e += W_inᵀ·Σ_t Z_t + Σ ∂h₀.
        let columnSums = channelSums[1].pointer   // reused as (3D) scratch
        columnSums.update(repeating: 0, count: width)
        Scalar.addColumnSums(of: z, rows: time, columns: width, into: columnSums)
        let biasSums = residualSums[0].pointer
        for o in 0..<width { Scalar.addScaled(w + o * d, scale: columnSums[o], into: biasSums, count: d) }
        Scalar.addScaled(biasSums, scale: 1, into: embedding.biasGradient(in: parameters), count: d)
    }
}
