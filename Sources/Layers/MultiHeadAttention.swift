import Kernels

/// Rows of a (B, T, ·) activation seen as one matrix per sample: element (b, t, j) is at
/// `base + b·batchStride + t·rowStride + j`. A batch stride of 0 shares one matrix across the batch
/// (a learned query); gradients written through such a view accumulate over the batch.
public struct StridedRows<Scalar: TensorScalar> {
    public var base: UnsafeMutablePointer<Scalar>
    public var rowStride: Int
    public var batchStride: Int

    public init(_ base: UnsafeMutablePointer<Scalar>, rowStride: Int, batchStride: Int) {
        self.base = base
        self.rowStride = rowStride
        self.batchStride = batchStride
    }

    func head(_ b: Int, _ h: Int, headSize: Int) -> UnsafeMutablePointer<Scalar> { base + b * batchStride + h * headSize }
}

/// The attention core of PyTorch's `nn.MultiheadAttention(D, heads)` after the input projections
/// and before `out_proj`: for each sample b and head h (columns h·d ..< (h+1)·d, d = D/heads),
///   P_bh = softmax_rows(s · Q_bh K_bhᵀ),  s = 1/√d,   context_bh = P_bh V_bh,
/// with Q (B, Tq, D), K and V (B, Tk, D) given as strided views (they are usually column blocks of one
/// packed projection) and the context written as (B, Tq, D) with the heads side by side.
/// The weights P (B, heads, Tq, Tk) stay available (importance maps) and for the backward pass:
///   ∂L/∂P = ∂L/∂context · Vᵀ,  ∂L/∂V += Pᵀ · ∂L/∂context,
///   ∂L/∂S = softmax backward of ∂L/∂P (row-wise),
///   ∂L/∂Q += s · ∂L/∂S · K,  ∂L/∂K += s · ∂L/∂Sᵀ · Q.
/// Not a `Layer` itself: `TransformerEncoderLayer` owns its projections and parameters (attention
/// pooling with one query needs no core: see `MultiHeadAttentionPooling`).
public final class MultiHeadAttentionCore<Scalar: TensorScalar>: @unchecked Sendable {
    public let modelSize: Int
    public let heads: Int
    public var headSize: Int { modelSize / heads }
    /// (B, heads, Tq, Tk) attention weights of the last forward that kept them.
    public let weights = Buffer<Scalar>()
    /// Whether the last forward kept P (a backward after one that did not runs the forward again).
    private var keptWeights = false
    private var lastContext: UnsafeMutablePointer<Scalar>?
    // Per thread: (Tq, Tk) ∂L/∂P and ∂L/∂S of the current (b, h).
    private let weightGradients = [Buffer<Scalar>(), Buffer<Scalar>()]
    private let scoreGradients = [Buffer<Scalar>(), Buffer<Scalar>()]
    // Per half of the batch: (Tq, D) ∂L/∂Q of a query shared by the batch.
    private let queryGradientHalves = [Buffer<Scalar>(), Buffer<Scalar>()]
    // Per thread: (d, Tk) s·K_bhᵀ or V_bhᵀ, so the register-blocked product reads rows of it.
    private let transposedHeads = [Buffer<Scalar>(), Buffer<Scalar>()]
    private let zeros = Buffer<Scalar>()   // a zero row to start products from
    // Per thread: the fused kernels' transposed K or V and one block of ∂S.
    private let fusedScratch = [Buffer<Scalar>(), Buffer<Scalar>()]
    /// Whether heads with a fused kernel (Float, head size a multiple of 8 up to 32) use it; off,
    /// every head runs the separate products and softmax passes (tests compare the two).
    public var usesFusedKernels = true

    public init(modelSize: Int, heads: Int) {
        precondition(heads >= 1 && modelSize % heads == 0, "model size \(modelSize) is not divisible by \(heads) heads")
        self.modelSize = modelSize
        self.heads = heads
    }

    private var scale: Scalar { 1 / Scalar(headSize).squareRoot() }

    /// With `keepWeights` false (evaluation) the fused kernels keep each block of P in L1 only and
    /// `weights` is not written: at T = 500 it is 1 MB per sample and head, written and never read.
    public func forward(
        query: StridedRows<Scalar>, key: StridedRows<Scalar>, value: StridedRows<Scalar>,
        batch: Int, queryTime: Int, keyTime: Int, context: UnsafeMutablePointer<Scalar>, keepWeights: Bool = true
    ) {
        let d = headSize, block = queryTime * keyTime
        let fused = usesFusedKernels && Scalar.fusedAttentionScratchCount(keyTime: keyTime, headSize: d) > 0
        let keeps = keepWeights || !fused
        if keeps { weights.resize(batch * heads * block) }
        keptWeights = keeps
        lastContext = context
        prepareWorkspaces(keyTime: keyTime)
        // Samples are independent: split the batch over the threads (disjoint P and context rows).
        Parallelism.splitInHalves(batch) { samples, part in
        for b in samples {
            for h in 0..<heads {
                let p = weights.pointer + (b * heads + h) * block
                if usesFusedKernels, Scalar.fusedAttentionForward(
                    headProblem(query: query, key: key, value: value, b: b, h: h, queryTime: queryTime, keyTime: keyTime),
                    weights: keeps ? p : nil, context: context + b * queryTime * modelSize + h * d, contextStride: modelSize,
                    scratch: fusedScratch[part].pointer) {
                    continue
                }
                // P = softmax(Q·(s·K)ᵀ), C = P·V, both with SmallGEMM started from a zero row.
                let transposed = transposedHeads[part].pointer
                transposeHead(key.head(b, h, headSize: d), rowStride: key.rowStride, rows: keyTime, columns: d, scale: scale, into: transposed)
                Scalar.smallMultiplyAddingBias(
                    m: queryTime, n: keyTime, k: d, a: query.head(b, h, headSize: d), lda: query.rowStride,
                    b: transposed, ldb: keyTime, bias: zeros.pointer, c: p, ldc: keyTime)
                Scalar.softmaxRows(p, rows: queryTime, columns: keyTime)
                Scalar.smallMultiplyAddingBias(
                    m: queryTime, n: d, k: keyTime, a: p, lda: keyTime, b: value.head(b, h, headSize: d), ldb: value.rowStride,
                    bias: zeros.pointer, c: context + b * queryTime * modelSize + h * d, ldc: modelSize)
            }
        }
        }
    }

    /// Adds ∂L/∂Q, ∂L/∂K, ∂L/∂V through the given views (which must not overlap one another's
    /// columns), from ∂L/∂context (B, Tq, D) and the forward's inputs; without `accumulate` writes
    /// them (views with a batch stride only), so that they need not be zeroed first.
    public func backward(
        contextGradient: UnsafePointer<Scalar>,
        query: StridedRows<Scalar>, key: StridedRows<Scalar>, value: StridedRows<Scalar>,
        queryGradient: StridedRows<Scalar>, keyGradient: StridedRows<Scalar>, valueGradient: StridedRows<Scalar>,
        batch: Int, queryTime: Int, keyTime: Int, accumulate: Bool = true
    ) {
        let d = headSize, block = queryTime * keyTime
        if !keptWeights, let context = lastContext {
            // The same forward again, keeping P this time (it rewrites the context with the same bits).
            forward(query: query, key: key, value: value, batch: batch, queryTime: queryTime, keyTime: keyTime, context: context)
        }
        for buffer in weightGradients + scoreGradients { buffer.resize(block) }
        prepareWorkspaces(keyTime: keyTime)
        // A view with batch stride 0 (a learned query shared by the batch) accumulates over samples,
        // so only independent views let the batch split over threads.
        let independent = [queryGradient, keyGradient, valueGradient].allSatisfy { $0.batchStride != 0 }
        // A shared query (batch stride 0) still splits: each half of the batch sums its ∂Q into scratch, and
        // the two are added in a fixed order (also on one thread, so the bits never depend on it).
        let sharedQuery = !independent && queryGradient.batchStride == 0 && keyGradient.batchStride != 0 && valueGradient.batchStride != 0
        precondition(accumulate || independent, "only independent views may be written instead of added to")
        if sharedQuery { for buffer in queryGradientHalves { buffer.resize(queryTime * modelSize, zeroed: true) } }
        let body = { (samples: Range<Int>, part: Int) in
        let queryGradient = sharedQuery
            ? StridedRows(self.queryGradientHalves[part].pointer, rowStride: self.modelSize, batchStride: 0) : queryGradient
        let weightGradient = self.weightGradients[part], scoreGradient = self.scoreGradients[part]
        for b in samples {
            for h in 0..<self.heads {
                let heads = self.heads, modelSize = self.modelSize, scale = self.scale, weights = self.weights
                let p = weights.pointer + (b * heads + h) * block
                let upstream = contextGradient + b * queryTime * modelSize + h * d
                if self.usesFusedKernels, Scalar.fusedAttentionBackward(
                    self.headProblem(query: query, key: key, value: value, b: b, h: h, queryTime: queryTime, keyTime: keyTime),
                    weights: p, contextGradient: upstream, contextGradientStride: modelSize,
                    gradients: AttentionHeadGradients(
                        query: queryGradient.head(b, h, headSize: d), queryStride: queryGradient.rowStride,
                        key: keyGradient.head(b, h, headSize: d), keyStride: keyGradient.rowStride,
                        value: valueGradient.head(b, h, headSize: d), valueStride: valueGradient.rowStride,
                        accumulates: accumulate),
                    scratch: self.fusedScratch[part].pointer) {
                    continue
                }
                if !accumulate {
                    for view in [(queryGradient, queryTime), (keyGradient, keyTime), (valueGradient, keyTime)] {
                        let head = view.0.head(b, h, headSize: d)
                        for row in 0..<view.1 { (head + row * view.0.rowStride).update(repeating: 0, count: d) }
                    }
                }
                let transposed = self.transposedHeads[part].pointer
                self.transposeHead(value.head(b, h, headSize: d), rowStride: value.rowStride, rows: keyTime, columns: d, scale: 1, into: transposed)
                Scalar.smallMultiplyAddingBias(
                    m: queryTime, n: keyTime, k: d, a: upstream, lda: modelSize,
                    b: transposed, ldb: keyTime, bias: self.zeros.pointer, c: weightGradient.pointer, ldc: keyTime)
                Scalar.smallMultiplyAddTransposedA(
                    m: keyTime, n: d, k: queryTime, a: p, lda: keyTime, b: upstream, ldb: modelSize,
                    c: valueGradient.head(b, h, headSize: d), ldc: valueGradient.rowStride)
                scoreGradient.zero()
                Scalar.softmaxBackwardRows(
                    probabilities: p, outputGradient: weightGradient.pointer, addingInto: scoreGradient.pointer,
                    rows: queryTime, columns: keyTime)
                Scalar.scale(scoreGradient.pointer, by: scale, count: block)
                Scalar.smallMultiplyAdd(
                    m: queryTime, n: d, k: keyTime, a: scoreGradient.pointer, lda: keyTime,
                    b: key.head(b, h, headSize: d), ldb: key.rowStride, c: queryGradient.head(b, h, headSize: d), ldc: queryGradient.rowStride)
                Scalar.smallMultiplyAddTransposedA(
                    m: keyTime, n: d, k: queryTime, a: scoreGradient.pointer, lda: keyTime,
                    b: query.head(b, h, headSize: d), ldb: query.rowStride, c: keyGradient.head(b, h, headSize: d), ldc: keyGradient.rowStride)
            }
        }
        }
        if independent {
            Parallelism.splitInHalves(batch, body)
        } else if sharedQuery {
            Parallelism.forBothHalves(batch, body)
            for half in queryGradientHalves {
                for row in 0..<queryTime {
                    Scalar.addScaled(half.pointer + row * modelSize, scale: 1, into: queryGradient.base + row * queryGradient.rowStride, count: modelSize)
                }
            }
        } else {
            body(0..<batch, 0)
        }
    }

    private func headProblem(
        query: StridedRows<Scalar>, key: StridedRows<Scalar>, value: StridedRows<Scalar>, b: Int, h: Int, queryTime: Int, keyTime: Int
    ) -> AttentionHeadProblem<Scalar> {
        let d = headSize
        return AttentionHeadProblem(
            query: query.head(b, h, headSize: d), queryStride: query.rowStride, key: key.head(b, h, headSize: d), keyStride: key.rowStride,
            value: value.head(b, h, headSize: d), valueStride: value.rowStride, queryTime: queryTime, keyTime: keyTime, headSize: d, scale: scale)
    }

    private func prepareWorkspaces(keyTime: Int) {
        for buffer in transposedHeads { buffer.resize(headSize * keyTime) }
        for buffer in fusedScratch { buffer.resize(Scalar.fusedAttentionScratchCount(keyTime: keyTime, headSize: headSize)) }
        zeros.resize(max(keyTime, headSize), zeroed: true)
    }

    /// target (columns, rows) = scale · source (rows, columns) read with the given row stride.
    private func transposeHead(
        _ source: UnsafePointer<Scalar>, rowStride: Int, rows: Int, columns: Int, scale: Scalar, into target: UnsafeMutablePointer<Scalar>
    ) {
        Scalar.transpose(source, sourceRowStride: rowStride, rows: rows, columns: columns, scale: scale, into: target)
    }

    /// FLOPs per sample: scores and context 2·2·Tq·Tk·D, softmax ≈3·heads·Tq·Tk.
    public func forwardFLOPs(queryTime: Int, keyTime: Int) -> Int {
        4 * queryTime * keyTime * modelSize + 3 * heads * queryTime * keyTime
    }
}

/// `nn.MultiheadAttention`'s two projections under `prefix`: the packed input projection
/// `<prefix>.in_proj_weight` (3D, D) / `<prefix>.in_proj_bias` (3D) and `<prefix>.out_proj` (D, D).
func multiheadProjections<Scalar: TensorScalar>(prefix: String, modelSize: Int) -> (input: Dense<Scalar>, output: Dense<Scalar>) {
    (Dense(name: "\(prefix).in_proj", inputFeatures: modelSize, outputFeatures: 3 * modelSize,
           weightName: "\(prefix).in_proj_weight", biasName: "\(prefix).in_proj_bias"),
     Dense(name: "\(prefix).out_proj", inputFeatures: modelSize, outputFeatures: modelSize))
}

/// PyTorch's initialisation of `nn.MultiheadAttention`'s packed input projection: xavier_uniform_
/// on `in_proj_weight` (3D, D), bound √(6/(D + 3D)), and zero `in_proj_bias`; `out_proj` keeps the
/// Linear weight init but zero bias.
func initializeMultiheadProjections<Scalar: TensorScalar>(
    inputProjection: Dense<Scalar>, outputProjection: Dense<Scalar>, modelSize: Int,
    parameters: ParameterStore<Scalar>, random: inout SeededRandom
) {
    inputProjection.initializeParameters(parameters, random: &random)
    outputProjection.initializeParameters(parameters, random: &random)
    let bound = (6 / Double(4 * max(modelSize, 1))).squareRoot()
    fillUniform(inputProjection.weight(in: parameters), count: 3 * modelSize * modelSize, bound: bound, random: &random)
    inputProjection.bias(in: parameters).update(repeating: 0, count: 3 * modelSize)
    outputProjection.bias(in: parameters).update(repeating: 0, count: modelSize)
}
