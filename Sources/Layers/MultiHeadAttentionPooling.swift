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
/// Backward: through out_proj, the core (see `MultiHeadAttentionCore`), then the projections:
/// the query's gradient view has batch stride 0, so ∂L/∂q̃ (1, D) sums over the batch, and
///   ∂W_q += ∂q̃ᵀ·query, ∂b_q += ∂q̃, ∂query += ∂q̃·W_q,
///   ∂[W_k; W_v] += ∂[K | V]ᵀ·h, ∂[b_k | b_v] += Σ_rows ∂[K | V], ∂h += ∂[K | V]·[W_k; W_v].
public final class MultiHeadAttentionPooling<Scalar: TensorScalar>: Layer, @unchecked Sendable {
    public let name: String
    public let queryName: String
    public let modelSize: Int
    public let heads: Int
    private var queryID = ParameterID(index: -1)
    private let inputProjection: Dense<Scalar>
    private let outputProjection: Dense<Scalar>
    private let core: MultiHeadAttentionCore<Scalar>
    private let projectedQuery = Buffer<Scalar>()     // (1, D)
    private let keysValues = Buffer<Scalar>()         // (B·T, 2D)
    private let context = Buffer<Scalar>()            // (B, D)
    private let averaged = Buffer<Scalar>()           // (B, T)
    private let queryGradient = Buffer<Scalar>()      // (1, D)
    private let keysValuesGradient = Buffer<Scalar>() // (B·T, 2D)
    private let contextGradient = Buffer<Scalar>()    // (B, D)
    /// Keys and values of all B·T rows in one product through the last 2D rows of the in-projection.
    private let keyValueProduct = LinearProduct<Scalar>()

    public init(name: String, queryName: String = "query", modelSize: Int, heads: Int) {
        self.name = name
        self.queryName = queryName
        self.modelSize = modelSize
        self.heads = heads
        (inputProjection, outputProjection) = multiheadProjections(prefix: name, modelSize: modelSize)
        core = MultiHeadAttentionCore(modelSize: modelSize, heads: heads)
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

    public func forwardFLOPs(for input: ActivationShape) -> Int {
        let time = input.rowsPerSample
        return 2 * modelSize * modelSize + time * 2 * modelSize * (2 * modelSize + 1)
            + core.forwardFLOPs(queryTime: 1, keyTime: time) + modelSize * (2 * modelSize + 1)
    }

    /// (B, T): the attention weights averaged over heads.
    public var importance: UnsafePointer<Scalar>? { UnsafePointer(averaged.pointer) }
    /// (B, heads, T): each head's attention weights.
    public var headImportance: UnsafePointer<Scalar> { UnsafePointer(core.weights.pointer) }

    private func views(_ kv: UnsafeMutablePointer<Scalar>, query: UnsafeMutablePointer<Scalar>, time: Int)
        -> (query: StridedRows<Scalar>, key: StridedRows<Scalar>, value: StridedRows<Scalar>) {
        let d = modelSize
        return (StridedRows(query, rowStride: d, batchStride: 0),
                StridedRows(kv, rowStride: 2 * d, batchStride: time * 2 * d),
                StridedRows(kv + d, rowStride: 2 * d, batchStride: time * 2 * d))
    }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        let time = shape.time ?? 0, d = modelSize, rows = batch * time
        let weight = inputProjection.weight(in: parameters), bias = inputProjection.bias(in: parameters)
        projectedQuery.resize(d)
        keysValues.resize(rows * 2 * d)
        context.resize(batch * d)
        GEMM.multiply(transposeB: true, m: 1, n: d, k: d, a: parameters.value(queryID), lda: d, b: weight, ldb: d,
                      beta: 0, c: projectedQuery.pointer, ldc: d)
        Scalar.addRowVector(bias, to: projectedQuery.pointer, rows: 1, columns: d)
        keyValueProduct.forward(input, rows: rows, inputFeatures: d, outputFeatures: 2 * d, weight: weight + d * d, bias: bias + d,
                                output: keysValues.pointer)
        let view = views(keysValues.pointer, query: projectedQuery.pointer, time: time)
        core.forward(query: view.query, key: view.key, value: view.value, batch: batch, queryTime: 1, keyTime: time,
                     context: context.pointer)
        outputProjection.forward(context.pointer, shape: ActivationShape(time: nil, features: d), batch: batch,
                                 output: output, parameters: parameters, training: training)
        // Head average: (B, heads, T) → (B, T).
        averaged.resize(batch * time, zeroed: true)
        for b in 0..<batch {
            for h in 0..<heads {
                Scalar.addScaled(core.weights.pointer + (b * heads + h) * time, scale: 1 / Scalar(heads),
                                 into: averaged.pointer + b * time, count: time)
            }
        }
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        let time = shape.time ?? 0, d = modelSize, rows = batch * time
        contextGradient.resize(batch * d, zeroed: true)
        queryGradient.resize(d, zeroed: true)
        keysValuesGradient.resize(rows * 2 * d, zeroed: true)
        outputProjection.backward(
            input: context.pointer, output: output, outputGradient: outputGradient, inputGradient: contextGradient.pointer,
            shape: ActivationShape(time: nil, features: d), batch: batch, parameters: parameters)
        let view = views(keysValues.pointer, query: projectedQuery.pointer, time: time)
        let gradientView = views(keysValuesGradient.pointer, query: queryGradient.pointer, time: time)
        core.backward(
            contextGradient: contextGradient.pointer, query: view.query, key: view.key, value: view.value,
            queryGradient: gradientView.query, keyGradient: gradientView.key, valueGradient: gradientView.value,
            batch: batch, queryTime: 1, keyTime: time)
        let weight = inputProjection.weight(in: parameters), weightGradient = inputProjection.weightGradient(in: parameters)
        let biasGradient = inputProjection.biasGradient(in: parameters)
        Scalar.addScaled(queryGradient.pointer, scale: 1, into: biasGradient, count: d)
        Scalar.addColumnSums(of: keysValuesGradient.pointer, rows: rows, columns: 2 * d, into: biasGradient + d)
        GEMM.multiply(transposeA: true, m: d, n: d, k: 1, a: queryGradient.pointer, lda: d, b: parameters.value(queryID), ldb: d,
                      beta: 1, c: weightGradient, ldc: d)
        keyValueProduct.addWeightGradient(keysValuesGradient.pointer, input: input, rows: rows, inputFeatures: d, outputFeatures: 2 * d,
                                          into: weightGradient + d * d)
        GEMM.multiply(m: 1, n: d, k: d, a: queryGradient.pointer, lda: d, b: weight, ldb: d,
                      beta: 1, c: parameters.gradient(queryID), ldc: d)
        if let inputGradient {
            keyValueProduct.addInputGradient(keysValuesGradient.pointer, rows: rows, inputFeatures: d, outputFeatures: 2 * d,
                                             weight: weight + d * d, into: inputGradient)
        }
    }
}
