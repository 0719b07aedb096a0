import Kernels

/// Multi-head attention pooling with one learned query, the `bilstm-multihead` head of
/// `reference/models.py`: `nn.MultiheadAttention(D, heads, batch_first=True)` called as
/// `attention(q, h, h)` with q = `query` (1, 1, D) expanded over the batch:
///   q̃ = query·W_qᵀ + b_q (1, D),  [K | V] = h·[W_k; W_v]ᵀ + [b_k | b_v] (B, T, 2D),
///   per head: p_bh = softmax_t(q̃_h·K_bhᵀ/√d), c_bh = p_bh V_bh,   y_b = c_b·W_oᵀ + b_o (B, D).
///
/// Shapes: h is (B, T, D), y is (B, D). Parameters: `<queryName>` (1, 1, D) ~ N(0, 0.02²),
/// `<name>.in_proj_weight` (3D, D) packing W_q, W_k, W_v, `<name>.in_proj_bias` (3D),
/// `<name>.out_proj.weight` (D, D), `<name>.out_proj.bias` (D) — PyTorch's names and inits.
/// Importance: the head-averaged weights (B, T) (PyTorch's `average_attn_weights=True`);
/// `headImportance` gives the per-head maps (B, heads, T).
///
/// With one query, no key or value is ever formed (PyTorch projects all B·T rows through W_k and W_v,
/// 2·T·D·2D FLOPs per series): per head h (rows h·d ..< (h+1)·d of W_k, W_v, d = D/heads),
///   s_bht = q̃_h·(W_kh h_bt + b_kh)/√d = u_h·h_bt + const,  u_h = W_khᵀ q̃_h/√d  (the constant
///           is the same for every t and cancels in the softmax),
///   c_bh  = Σ_t p_bht (W_vh h_bt + b_vh) = W_vh z_bh + b_vh,  z_bh = Σ_t p_bht h_bt  (Σ_t p = 1),
/// which is 4·T·D FLOPs per head and series — the same function, 16× fewer FLOPs at D = 64.
///
/// Backward, with g_bh = ∂L/∂c_bh (after out_proj):
///   ∂W_vh += Σ_b g_bh z_bhᵀ,  ∂b_vh += Σ_b g_bh,  ∂z_bh = W_vhᵀ g_bh,
///   ∂p_bht = ∂z_bh·h_bt,  ∂h_bt += p_bht ∂z_bh,  ∂s = softmax backward of ∂p,
///   ∂u_h += Σ_bt ∂s_bht h_bt,  ∂h_bt += ∂s_bht u_h,
///   ∂W_kh += q̃_h ∂u_hᵀ/√d,  ∂q̃_h = W_kh ∂u_h/√d,  ∂b_k = 0 (the cancelled constant),
///   ∂W_q += ∂q̃ᵀ·query, ∂b_q += ∂q̃, ∂query += ∂q̃·W_q.
/// The per-sample work runs on two threads by halves of the batch; the parameter sums are taken per
/// half and added in a fixed order, so the thread count never changes a bit.
public final class MultiHeadAttentionPooling<Scalar: TensorScalar>: Layer, @unchecked Sendable {
    public let name: String
    public let queryName: String
    public let modelSize: Int
    public let heads: Int
    private var queryID = ParameterID(index: -1)
    private let inputProjection: Dense<Scalar>
    private let outputProjection: Dense<Scalar>
    private let projectedQuery = Buffer<Scalar>()     // (1, D): q̃
    private let scoreVectors = Buffer<Scalar>()       // (heads, D): u_h
    private let weights = Buffer<Scalar>()            // (B, heads, T): p
    private let pooledInputs = Buffer<Scalar>()       // (B, heads, D): z
    private let context = Buffer<Scalar>()            // (B, D)
    private let averaged = Buffer<Scalar>()           // (B, T)
    private let queryGradient = Buffer<Scalar>()      // (1, D)
    private let contextGradient = Buffer<Scalar>()    // (B, D)
    // Per half of the batch: ∂W_v (D, D), ∂b_v (D), ∂u (heads, D), then scratch ∂z (D), ∂p and ∂s (T).
    private let halves = [Buffer<Scalar>(), Buffer<Scalar>()]

    public init(name: String, queryName: String = "query", modelSize: Int, heads: Int) {
        self.name = name
        self.queryName = queryName
        self.modelSize = modelSize
        self.heads = heads
        precondition(heads >= 1 && modelSize % heads == 0, "model size \(modelSize) is not divisible by \(heads) heads")
        (inputProjection, outputProjection) = multiheadProjections(prefix: name, modelSize: modelSize)
    }

    public func declareParameters(in layout: inout ParameterLayout) {
        queryID = layout.add(queryName, shape: [1, 1, modelSize])
        inputProjection.declareParameters(in: &layout)
        outputProjection.declareParameters(in: &layout)
    }

    public func initializeParameters(_ parameters: ParameterStore<Scalar>, random: inout SeededRandom) {
        let query = parameters.value(queryID)
        for index in 0..<modelSize { query[index] = Scalar(0.02 * random.normal()) }
        initializeMultiheadProjections(
            inputProjection: inputProjection, outputProjection: outputProjection, modelSize: modelSize,
            parameters: parameters, random: &random)
    }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape {
        guard input.time != nil else { throw ShapeError(layer: name, "pools over time and needs a time axis, got \(input)") }
        guard input.features == modelSize else {
            throw ShapeError(layer: name, "expects \(modelSize) features, got \(input.features)")
        }
        return ActivationShape(time: nil, features: modelSize)
    }

    private var headSize: Int { modelSize / heads }

    /// q̃ and u (per pass), per series the scores 2·heads·T·D, softmax ≈3·heads·T, z 2·heads·T·D,
    /// W_v z 2·D·D, and out_proj.
    public func forwardFLOPs(for input: ActivationShape) -> Int {
        let time = input.rowsPerSample
        return 4 * heads * time * modelSize + 3 * heads * time + 2 * modelSize * modelSize + modelSize * (2 * modelSize + 1)
    }

    /// (B, T): the attention weights averaged over heads.
    public var importance: UnsafePointer<Scalar>? { UnsafePointer(averaged.pointer) }
    /// (B, heads, T): each head's attention weights.
    public var headImportance: UnsafePointer<Scalar> { UnsafePointer(weights.pointer) }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        let time = shape.time ?? 0, d = modelSize, head = headSize, heads = self.heads
        let weight = UnsafePointer(inputProjection.weight(in: parameters)), bias = UnsafePointer(inputProjection.bias(in: parameters))
        projectedQuery.resize(d)
        scoreVectors.resize(heads * d, zeroed: true)
        weights.resize(batch * heads * time)
        pooledInputs.resize(batch * heads * d)
        context.resize(batch * d)
        // q̃ = query·W_qᵀ + b_q;  u_h = W_khᵀ q̃_h / √d.
        Scalar.rowDots(weight, count: d, width: d, rowStride: d, vector: parameters.value(queryID), bias: 0, into: projectedQuery.pointer)
        Scalar.addScaled(bias, scale: 1, into: projectedQuery.pointer, count: d)
        let scale = 1 / Scalar(head).squareRoot()
        for h in 0..<heads {
            Scalar.addWeightedRowSum(weights: projectedQuery.pointer + h * head, rows: weight + (d + h * head) * d, count: head, width: d,
                                     rowStride: d, into: scoreVectors.pointer + h * d)
        }
        Scalar.scale(scoreVectors.pointer, by: scale, count: heads * d)
        let u = UnsafePointer(scoreVectors.pointer), p = weights.pointer, z = pooledInputs.pointer, c = context.pointer
        Parallelism.splitInHalves(batch) { samples, _ in
            for b in samples {
                let rows = input + b * time * d
                // Every head's scores in one pass over the sample's rows.
                Scalar.rowDots(rows, count: time, width: d, rowStride: d, vectors: u, vectorCount: heads, vectorStride: d, bias: 0,
                               into: p + b * heads * time, scoreStride: time)
                Scalar.softmaxRows(p + b * heads * time, rows: heads, columns: time)
                for h in 0..<heads {
                    let scores = p + (b * heads + h) * time, pooled = z + (b * heads + h) * d
                    UnsafeMutableRawPointer(pooled).initializeMemory(as: UInt8.self, repeating: 0, count: d * MemoryLayout<Scalar>.stride)
                    Scalar.addWeightedRowSum(weights: scores, rows: rows, count: time, width: d, rowStride: d, into: pooled)
                    // c_bh = W_vh z_bh + b_vh
                    Scalar.rowDots(weight + (2 * d + h * head) * d, count: head, width: d, rowStride: d, vector: pooled, bias: 0,
                                   into: c + b * d + h * head)
                    Scalar.addScaled(bias + 2 * d + h * head, scale: 1, into: c + b * d + h * head, count: head)
                }
            }
        }
        outputProjection.forward(context.pointer, shape: ActivationShape(time: nil, features: d), batch: batch,
                                 output: output, parameters: parameters, training: training)
        // Head average: (B, heads, T) → (B, T).
        averaged.resize(batch * time, zeroed: true)
        for b in 0..<batch {
            for h in 0..<heads {
                Scalar.addScaled(weights.pointer + (b * heads + h) * time, scale: 1 / Scalar(heads),
                                 into: averaged.pointer + b * time, count: time)
            }
        }
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        let time = shape.time ?? 0, d = modelSize, head = headSize, heads = self.heads
        contextGradient.resize(batch * d, zeroed: true)
        queryGradient.resize(d, zeroed: true)
        outputProjection.backward(
            input: context.pointer, output: output, outputGradient: outputGradient, inputGradient: contextGradient.pointer,
            shape: ActivationShape(time: nil, features: d), batch: batch, parameters: parameters)
        let weight = UnsafePointer(inputProjection.weight(in: parameters)), weightGradient = inputProjection.weightGradient(in: parameters)
        let biasGradient = inputProjection.biasGradient(in: parameters)
        let sums = d * d + d + heads * d
        for buffer in halves {
            buffer.resize(sums + d + 2 * time)
            buffer.pointer.update(repeating: 0, count: sums)
        }
        let u = UnsafePointer(scoreVectors.pointer), p = UnsafePointer(weights.pointer), z = UnsafePointer(pooledInputs.pointer)
        let g = UnsafePointer(contextGradient.pointer), halfPointers = halves.map(\.pointer)
        Parallelism.forBothHalves(batch) { samples, part in
            let valueWeightSums = halfPointers[part], valueBiasSums = valueWeightSums + d * d, scoreVectorSums = valueBiasSums + d
            let pooledGradient = scoreVectorSums + heads * d, weightGradients = pooledGradient + d, scoreGradients = weightGradients + time
            for b in samples {
                let rows = input + b * time * d
                for h in 0..<heads {
                    let gradient = g + b * d + h * head, scores = p + (b * heads + h) * time
                    // ∂W_vh += g z_bhᵀ,  ∂b_vh += g,  ∂z = W_vhᵀ g
                    Scalar.addOuterProduct(weights: gradient, vector: z + (b * heads + h) * d, count: head, width: d, rowStride: d,
                                           into: valueWeightSums + h * head * d)
                    Scalar.addScaled(gradient, scale: 1, into: valueBiasSums + h * head, count: head)
                    pooledGradient.update(repeating: 0, count: d)
                    Scalar.addWeightedRowSum(weights: gradient, rows: weight + (2 * d + h * head) * d, count: head, width: d, rowStride: d,
                                             into: pooledGradient)
                    // ∂p_t = ∂z·h_t,  ∂h_t += p_t ∂z,  ∂s = softmax backward,  ∂u_h += Σ ∂s_t h_t,  ∂h_t += ∂s_t u_h
                    Scalar.rowDots(rows, count: time, width: d, rowStride: d, vector: pooledGradient, bias: 0, into: weightGradients)
                    scoreGradients.update(repeating: 0, count: time)
                    Scalar.softmaxBackwardRows(probabilities: scores, outputGradient: weightGradients, addingInto: scoreGradients, rows: 1, columns: time)
                    Scalar.addWeightedRowSum(weights: scoreGradients, rows: rows, count: time, width: d, rowStride: d,
                                             into: scoreVectorSums + h * d)
                    if let inputGradient {
                        let target = inputGradient + b * time * d
                        Scalar.addOuterProduct(weights: scores, vector: pooledGradient, count: time, width: d, rowStride: d, into: target)
                        Scalar.addOuterProduct(weights: scoreGradients, vector: u + h * d, count: time, width: d, rowStride: d, into: target)
                    }
                }
            }
        }
        // The halves in a fixed order: ∂W_v, ∂b_v (in_proj rows 2D..<3D), and ∂u.
        let scoreVectorGradient = halfPointers[0] + d * d + d
        for half in 0..<2 {
            let sums = halfPointers[half]
            Scalar.addScaled(sums, scale: 1, into: weightGradient + 2 * d * d, count: d * d)
            Scalar.addScaled(sums + d * d, scale: 1, into: biasGradient + 2 * d, count: d)
            if half == 1 { Scalar.addScaled(sums + d * d + d, scale: 1, into: scoreVectorGradient, count: heads * d) }
        }
        // ∂W_kh += q̃_h ∂u_hᵀ/√d,  ∂q̃_h = W_kh ∂u_h/√d.
        let scale = 1 / Scalar(head).squareRoot()
        Scalar.scale(scoreVectorGradient, by: scale, count: heads * d)
        for h in 0..<heads {
            Scalar.addOuterProduct(weights: projectedQuery.pointer + h * head, vector: scoreVectorGradient + h * d, count: head, width: d,
                                   rowStride: d, into: weightGradient + (d + h * head) * d)
            Scalar.rowDots(weight + (d + h * head) * d, count: head, width: d, rowStride: d, vector: scoreVectorGradient + h * d, bias: 0,
                           into: queryGradient.pointer + h * head)
        }
        // q̃ = query·W_qᵀ + b_q.
        Scalar.addScaled(queryGradient.pointer, scale: 1, into: biasGradient, count: d)
        Scalar.addOuterProduct(weights: queryGradient.pointer, vector: parameters.value(queryID), count: d, width: d, rowStride: d,
                               into: weightGradient)
        Scalar.addWeightedRowSum(weights: queryGradient.pointer, rows: weight, count: d, width: d, rowStride: d,
                                 into: parameters.gradient(queryID))
    }
}
