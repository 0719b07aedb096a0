import Kernels

/// The self-attention core of a Transformer block whose input is a folded embedding of a
/// one-channel series (`EncoderEmbedding`, C = 1): per head h (head size d, scale s = 1/√d),
///   Q = x·aqᵀ + Cq,   K = x·akᵀ + Ck,   V = x·avᵀ + Cv,
/// where aq, ak, av (d) are head h's columns of Â = W_in·E and Cq, Ck, Cv (T, d) its columns of the
/// shared Ĉ. So
///   S = s·Q·Kᵀ = M + x·gᵀ + f·xᵀ,   M = s·Cq·Ckᵀ,   g = s·K·aq,   f = s·Cq·ak,
///   context = P·Cv + (P·x)·avᵀ,
/// and M, shared by the batch, is computed once per block of query rows for all the samples of a
/// thread's half: a sample's scores cost two multiply-adds per element instead of a depth-d
/// product, and the backward keeps two of its four products (∂C·Cvᵀ and Pᵀ·∂C). ∂Q and ∂K are never
/// formed: with ∂S the softmax backward (unscaled),
///   Σ_b ∂Q_b = s·(Σ_b ∂S_b·x_b)·akᵀ + (Σ_b ∂S_b)·s·Ck,    Σ_b ∂K_b = s·(Σ_b ∂S_bᵀ·x_b)·aqᵀ + (Σ_b ∂S_b)ᵀ·s·Cq,
///   Σ_b x_bᵀ·∂Q_b = s·(Σ_b x_bᵀ∂S_b x_b)·akᵀ + (Σ_b ∂S_bᵀx_b)ᵀ·s·Ck,   Σ_b x_bᵀ·∂K_b likewise,
///   Σ_b ∂V_b = Σ_b P_bᵀ·∂C_b,   Σ_b x_bᵀ·∂V_b = Σ_b (P_b·x_b)ᵀ·∂C_b,
/// which are the sums (Z, R) `EncoderEmbedding` turns into parameter gradients, and
///   ∂x_b = ∂S_b·g_b + ∂S_bᵀ·(f + s·(aq·ak)·x_b) + P_bᵀ·(∂C_b·av)   (summed over heads).
/// Σ_b ∂S_b is summed per block of query rows while it is in L2 (the loops run head → block →
/// sample), so each thread's half of the batch adds two block-sized products per block instead of
/// two per sample. Float only (LowRankAttention.c); the thread count never changes a bit.
final class LowRankSelfAttention<Scalar: TensorScalar>: @unchecked Sendable {
    let modelSize: Int
    let heads: Int
    var headSize: Int { modelSize / heads }
    private var scale: Scalar { 1 / Scalar(headSize).squareRoot() }
    /// Query rows per block: M's and Σ∂S's blocks (48 × T) stay in L2 while a half of the batch passes.
    static var blockRows: Int { 48 }

    // Per head, from the shared projection terms (`prepare`).
    private let scaledQueryTerms = Buffer<Scalar>()   // (heads, T, d): s·Cq
    private let scaledKeyTerms = Buffer<Scalar>()     // (heads, T, d): s·Ck
    private let keyTermsTransposed = Buffer<Scalar>() // (heads, d, T): Ckᵀ
    private let valueTerms = Buffer<Scalar>()         // (heads, T, d): Cv
    private let valuePanels = Buffer<Scalar>()        // (heads, d, padded T): Cvᵀ for the backward kernel
    private let queryRowTerms = Buffer<Scalar>()      // (heads, T): f = s·Cq·ak
    private let keyRowTerms = Buffer<Scalar>()        // (heads, T): s·Ck·aq
    private let directions = Buffer<Scalar>()         // (heads, 5, d): aq, ak, av, s·aq, s·ak
    private var directionProducts: [Scalar] = []      // (heads): s·(aq·ak)
    private let zeros = Buffer<Scalar>()
    private var time = 0
    /// E = e^{S − shift} (B, heads, T, T) of the last forward that kept it (P = E/ΣE by rows; the
    /// shift is each row's maximum or a bound on it), and per row 1/ΣE and P·x (B, heads, T each).
    let weights = Buffer<Scalar>()
    private let rowScales = Buffer<Scalar>()
    private let weightedSeries = Buffer<Scalar>()
    private(set) var keptWeights = false
    // Per thread: M's block and its row maxima, E's block (evaluation), g and the key side (T each),
    // Σ∂S's block, ∂P's block, and ∂S·x and ∂Sᵀ·x summed over the half for the current head (T each).
    private let sharedScores = [Buffer<Scalar>(), Buffer<Scalar>()]
    private let sharedMaxima = [Buffer<Scalar>(), Buffer<Scalar>()]   // M's block's row maxima
    private let seriesBounds = Buffer<Scalar>()                        // (B): max|x_b|
    private let blockWeights = [Buffer<Scalar>(), Buffer<Scalar>()]
    private let sampleTerms = [Buffer<Scalar>(), Buffer<Scalar>()]
    private let scoreSums = [Buffer<Scalar>(), Buffer<Scalar>()]
    private let gradientScratch = [Buffer<Scalar>(), Buffer<Scalar>()]
    private let seriesSums = [Buffer<Scalar>(), Buffer<Scalar>()]

    init(modelSize: Int, heads: Int) {
        self.modelSize = modelSize
        self.heads = heads
    }

    static func supports(channels: Int, modelSize: Int, heads: Int) -> Bool {
        channels == 1 && heads >= 1 && modelSize % heads == 0 && Scalar.supportsLowRankAttention(headSize: modelSize / heads)
    }

    private static func padded(_ time: Int) -> Int { (time + 15) / 16 * 16 }

    /// Splits Ĉ (T, 3D) and Âᵀ (1, 3D) into each head's terms.
    func prepare(time: Int, projectedShared: UnsafePointer<Scalar>, projectedWeight: UnsafePointer<Scalar>) {
        let d = headSize, width = 3 * modelSize, s = scale, padded = Self.padded(time)
        self.time = time
        for buffer in [scaledQueryTerms, scaledKeyTerms, keyTermsTransposed, valueTerms] { buffer.resize(heads * time * d) }
        valuePanels.resize(heads * d * padded)
        queryRowTerms.resize(heads * time)
        keyRowTerms.resize(heads * time)
        directions.resize(heads * 5 * d)
        zeros.resize(time, zeroed: true)
        directionProducts = []
        for h in 0..<heads {
            let perHead = h * time * d
            let queryColumns = projectedShared + h * d, keyColumns = queryColumns + modelSize, valueColumns = keyColumns + modelSize
            Scalar.transpose(keyColumns, sourceRowStride: width, rows: time, columns: d, scale: 1, into: keyTermsTransposed.pointer + perHead)
            Scalar.copyRows(from: valueColumns, sourceRowStride: width, rows: time, width: d, into: valueTerms.pointer + perHead, targetRowStride: d)
            for (source, target) in [(queryColumns, scaledQueryTerms), (keyColumns, scaledKeyTerms)] {
                Scalar.copyRows(from: source, sourceRowStride: width, rows: time, width: d, into: target.pointer + perHead, targetRowStride: d)
                Scalar.scale(target.pointer + perHead, by: s, count: time * d)
            }
            _ = Scalar.lowRankAttentionValuePanels(valueTerms.pointer + perHead, keyTime: time, headSize: d, into: valuePanels.pointer + h * d * padded)
            let direction = directions.pointer + h * 5 * d
            for part in 0..<3 { copyScalars(from: projectedWeight + part * modelSize + h * d, to: direction + part * d, count: d) }
            for part in 0..<2 {
                copyScalars(from: direction + part * d, to: direction + (3 + part) * d, count: d)
                Scalar.scale(direction + (3 + part) * d, by: s, count: d)
            }
            Scalar.rowDots(scaledQueryTerms.pointer + perHead, count: time, width: d, rowStride: d, vector: direction + d, bias: 0,
                           into: queryRowTerms.pointer + h * time)
            Scalar.rowDots(scaledKeyTerms.pointer + perHead, count: time, width: d, rowStride: d, vector: direction, bias: 0,
                           into: keyRowTerms.pointer + h * time)
            directionProducts.append(s * Scalar.dot(direction, direction + d, count: d))
        }
    }

    /// g = s·K·aq = s·(aq·ak)·x + s·Ck·aq (or, from `queryRowTerms`, the key side f + s·(aq·ak)·x).
    private func sampleTerm(_ shared: UnsafePointer<Scalar>, head: Int, series: UnsafePointer<Scalar>, into target: UnsafeMutablePointer<Scalar>) {
        copyScalars(from: shared, to: target, count: time)
        Scalar.addScaled(series, scale: directionProducts[head], into: target, count: time)
    }

    private func rows(_ series: UnsafePointer<Scalar>, keyTerms: UnsafePointer<Scalar>, head: Int, sample: Int, firstRow: Int) -> LowRankAttentionRows<Scalar> {
        let d = headSize
        return LowRankAttentionRows(
            series: series, keyTerms: keyTerms, firstRow: firstRow, rows: min(Self.blockRows, time - firstRow), keyTime: time,
            headSize: d, valueDirection: directions.pointer + head * 5 * d + 2 * d,
            rowScales: rowScales.pointer + (sample * heads + head) * time, weightedSeries: weightedSeries.pointer + (sample * heads + head) * time)
    }

    /// context (B, T, D) of the series x (B, T), keeping E for the backward when `keepWeights`.
    func forward(_ series: UnsafePointer<Scalar>, batch: Int, context: UnsafeMutablePointer<Scalar>, keepWeights: Bool) {
        let d = headSize, time = self.time, blockRows = Self.blockRows
        if keepWeights { weights.resize(batch * heads * time * time) }
        keptWeights = keepWeights
        weightedSeries.resize(batch * heads * time)
        rowScales.resize(batch * heads * time)
        seriesBounds.resize(batch)
        for part in 0..<2 {
            sharedScores[part].resize(blockRows * time)
            sharedMaxima[part].resize(blockRows)
            blockWeights[part].resize(keepWeights ? 0 : blockRows * time)
            sampleTerms[part].resize(time)
        }
        Parallelism.splitInHalves(batch) { samples, part in
            let shared = sharedScores[part].pointer, keyTerms = sampleTerms[part].pointer
            for b in samples { seriesBounds.pointer[b] = Scalar.maximumMagnitude(series + b * time, count: time) }
            for h in 0..<heads {
                for firstRow in stride(from: 0, to: time, by: blockRows) {
                    let rows = min(blockRows, time - firstRow)
                    // M's rows: s·Cq·Ckᵀ.
                    Scalar.smallMultiplyAddingBias(
                        m: rows, n: time, k: d, a: scaledQueryTerms.pointer + (h * time + firstRow) * d, lda: d,
                        b: keyTermsTransposed.pointer + h * time * d, ldb: time, bias: zeros.pointer, c: shared, ldc: time)
                    Scalar.rowMaxima(shared, rows: rows, columns: time, rowStride: time, into: sharedMaxima[part].pointer)
                    for b in samples {
                        let x = series + b * time
                        sampleTerm(keyRowTerms.pointer + h * time, head: h, series: x, into: keyTerms)
                        let bounds = LowRankScoreBounds(
                            sharedMaxima: UnsafePointer(sharedMaxima[part].pointer), keyBound: Scalar.maximumMagnitude(keyTerms, count: time),
                            seriesBound: seriesBounds.pointer[b])
                        let p = keepWeights ? weights.pointer + ((b * heads + h) * time + firstRow) * time : blockWeights[part].pointer
                        _ = Scalar.lowRankAttentionForward(
                            self.rows(x, keyTerms: keyTerms, head: h, sample: b, firstRow: firstRow), sharedScores: shared, sharedStride: time,
                            queryTerms: queryRowTerms.pointer + h * time, values: valueTerms.pointer + h * time * d, bounds: bounds, weights: p,
                            context: context + b * time * modelSize + h * d, contextStride: modelSize)
                    }
                }
            }
        }
    }

    /// Adds this half's Σ∂[Q|K|V] over samples (`projectedSums`, (T, 3D)) and Σ x_bᵀ·∂[Q|K|V]_b
    /// (`channelSums`, (1, 3D)) from ∂context (B, T, D), and the attention's share of ∂x (B, T) into
    /// `inputGradient` when given. Called for each half of the batch (`Parallelism.forBothHalves`).
    func backward(
        samples: Range<Int>, part: Int, series: UnsafePointer<Scalar>, contextGradient: UnsafePointer<Scalar>,
        projectedSums: UnsafeMutablePointer<Scalar>, channelSums: UnsafeMutablePointer<Scalar>, inputGradient: UnsafeMutablePointer<Scalar>?
    ) {
        precondition(keptWeights, "the low-rank attention's backward needs the P of a training forward")
        let d = headSize, time = self.time, blockRows = Self.blockRows, padded = Self.padded(time), width = 3 * modelSize
        scoreSums[part].resize(blockRows * padded)
        gradientScratch[part].resize(blockRows * (padded + d))
        sampleTerms[part].resize(2 * time)
        seriesSums[part].resize(2 * time)
        let keyTerms = sampleTerms[part].pointer, keySide = keyTerms + time
        let rowSeries = seriesSums[part].pointer, keySeries = rowSeries + time
        for h in 0..<heads {
            let direction = directions.pointer + h * 5 * d
            let queryGradient = projectedSums + h * d, keyGradient = queryGradient + modelSize, valueGradient = keyGradient + modelSize
            rowSeries.update(repeating: 0, count: 2 * time)
            var projected: Scalar = 0
            for firstRow in stride(from: 0, to: time, by: blockRows) {
                let rows = min(blockRows, time - firstRow)
                scoreSums[part].zero()
                let sums = LowRankAttentionSums(
                    scores: scoreSums[part].pointer, scoreStride: padded, rowSeries: rowSeries, keySeries: keySeries,
                    values: valueGradient, valuesStride: width, valueSeries: channelSums + 2 * modelSize + h * d)
                for b in samples {
                    let x = series + b * time
                    sampleTerm(keyRowTerms.pointer + h * time, head: h, series: x, into: keyTerms)
                    sampleTerm(queryRowTerms.pointer + h * time, head: h, series: x, into: keySide)
                    projected += Scalar.lowRankAttentionBackward(
                        self.rows(x, keyTerms: keyTerms, head: h, sample: b, firstRow: firstRow), keySide: keySide,
                        weights: weights.pointer + ((b * heads + h) * time + firstRow) * time,
                        contextGradient: contextGradient + b * time * modelSize + h * d, contextGradientStride: modelSize,
                        valuePanels: valuePanels.pointer + h * d * padded, sums: sums, inputGradient: inputGradient.map { $0 + b * time },
                        scratch: gradientScratch[part].pointer) ?? 0
                }
                // The block's Σ∂S: ∂Q's rows += Σ∂S·s·Ck, every ∂K row += Σ∂Sᵀ·s·Cq (the block's rows of it).
                Scalar.smallMultiplyAdd(
                    m: rows, n: d, k: time, a: scoreSums[part].pointer, lda: padded, b: scaledKeyTerms.pointer + h * time * d, ldb: d,
                    c: queryGradient + firstRow * width, ldc: width)
                Scalar.smallMultiplyAddTransposedA(
                    m: time, n: d, k: rows, a: scoreSums[part].pointer, lda: padded,
                    b: scaledQueryTerms.pointer + (h * time + firstRow) * d, ldb: d, c: keyGradient, ldc: width)
            }
            // The rank-one terms: s·(Σ∂S·x)·akᵀ and s·(Σ∂Sᵀ·x)·aqᵀ, and their projections onto x.
            Scalar.addOuterProduct(weights: rowSeries, vector: direction + 4 * d, count: time, width: d, rowStride: width, into: queryGradient)
            Scalar.addOuterProduct(weights: keySeries, vector: direction + 3 * d, count: time, width: d, rowStride: width, into: keyGradient)
            let queryChannel = channelSums + h * d, keyChannel = queryChannel + modelSize
            Scalar.addScaled(direction + 4 * d, scale: projected, into: queryChannel, count: d)
            Scalar.addWeightedRowSum(weights: keySeries, rows: scaledKeyTerms.pointer + h * time * d, count: time, width: d, rowStride: d,
                                     into: queryChannel)
            Scalar.addScaled(direction + 3 * d, scale: projected, into: keyChannel, count: d)
            Scalar.addWeightedRowSum(weights: rowSeries, rows: scaledQueryTerms.pointer + h * time * d, count: time, width: d, rowStride: d,
                                     into: keyChannel)
        }
    }
}
