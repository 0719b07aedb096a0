import CKernels

/// The inputs of one (sample, head) of attention: Q (Tq, d), K and V (Tk, d), row-major with the
/// given row strides (usually column blocks of one packed projection), and the score scale s.
public struct AttentionHeadProblem<Scalar: TensorScalar> {
    public var query: UnsafePointer<Scalar>, queryStride: Int
    public var key: UnsafePointer<Scalar>, keyStride: Int
    public var value: UnsafePointer<Scalar>, valueStride: Int
    public var queryTime: Int, keyTime: Int, headSize: Int
    public var scale: Scalar

    @inlinable public init(query: UnsafePointer<Scalar>, queryStride: Int, key: UnsafePointer<Scalar>, keyStride: Int,
                value: UnsafePointer<Scalar>, valueStride: Int, queryTime: Int, keyTime: Int, headSize: Int, scale: Scalar) {
        self.query = query; self.queryStride = queryStride
        self.key = key; self.keyStride = keyStride
        self.value = value; self.valueStride = valueStride
        self.queryTime = queryTime; self.keyTime = keyTime; self.headSize = headSize
        self.scale = scale
    }

    /// FLOPs of the two products of the forward pass (the backward has four).
    public var productFLOPs: Int { 4 * queryTime * keyTime * headSize }
}

/// Where the backward pass adds ∂L/∂Q, ∂L/∂K and ∂L/∂V (same shapes and strides as the inputs).
public struct AttentionHeadGradients<Scalar: TensorScalar> {
    public var query: UnsafeMutablePointer<Scalar>, queryStride: Int
    public var key: UnsafeMutablePointer<Scalar>, keyStride: Int
    public var value: UnsafeMutablePointer<Scalar>, valueStride: Int
    /// Whether the gradients are added to the views (else written, their old contents ignored).
    public var accumulates: Bool

    @inlinable public init(query: UnsafeMutablePointer<Scalar>, queryStride: Int, key: UnsafeMutablePointer<Scalar>, keyStride: Int,
                value: UnsafeMutablePointer<Scalar>, valueStride: Int, accumulates: Bool = true) {
        self.query = query; self.queryStride = queryStride
        self.key = key; self.keyStride = keyStride
        self.value = value; self.valueStride = valueStride
        self.accumulates = accumulates
    }
}

/// One block of query rows [firstRow, firstRow + rows) of one (sample, head) of low-rank
/// self-attention (LowRankAttention.c): the sample's series x and key terms g = s·K·aq (Tk each),
/// the value direction av (d), and each row's 1/ΣE and P·x (T each), which the forward writes and
/// the backward reads (the forward keeps E = e^{S − max}, P's rows times their sums).
public struct LowRankAttentionRows<Scalar: TensorScalar> {
    public var series: UnsafePointer<Scalar>, keyTerms: UnsafePointer<Scalar>
    public var firstRow: Int, rows: Int, keyTime: Int, headSize: Int
    public var valueDirection: UnsafePointer<Scalar>
    public var rowScales: UnsafeMutablePointer<Scalar>, weightedSeries: UnsafeMutablePointer<Scalar>

    @inlinable public init(series: UnsafePointer<Scalar>, keyTerms: UnsafePointer<Scalar>, firstRow: Int, rows: Int, keyTime: Int, headSize: Int,
                valueDirection: UnsafePointer<Scalar>, rowScales: UnsafeMutablePointer<Scalar>, weightedSeries: UnsafeMutablePointer<Scalar>) {
        self.series = series; self.keyTerms = keyTerms
        self.firstRow = firstRow; self.rows = rows; self.keyTime = keyTime; self.headSize = headSize
        self.valueDirection = valueDirection; self.rowScales = rowScales; self.weightedSeries = weightedSeries
    }

    /// FLOPs of the depth-d products: P·Cv forward; ∂C·Cvᵀ and Pᵀ·∂C backward.
    public var productFLOPs: Int { 2 * rows * keyTime * headSize }
}

/// Bounds that let the low-rank forward shift a row of scores without finding its maximum: the
/// block's rows' maxima of the shared scores M, max|g| and max|x| of the sample.
public struct LowRankScoreBounds<Scalar: TensorScalar> {
    public var sharedMaxima: UnsafePointer<Scalar>, keyBound: Scalar, seriesBound: Scalar

    @inlinable public init(sharedMaxima: UnsafePointer<Scalar>, keyBound: Scalar, seriesBound: Scalar) {
        self.sharedMaxima = sharedMaxima; self.keyBound = keyBound; self.seriesBound = seriesBound
    }
}

/// What the low-rank backward adds into: ∂S's rows of the block (rows × scoreStride), ∂S·x (T) and
/// ∂Sᵀ·x (Tk), Pᵀ·∂C (Tk rows of d at `valuesStride`) and Σ (P·x)_i·∂C_i (d).
public struct LowRankAttentionSums<Scalar: TensorScalar> {
    public var scores: UnsafeMutablePointer<Scalar>, scoreStride: Int
    public var rowSeries: UnsafeMutablePointer<Scalar>, keySeries: UnsafeMutablePointer<Scalar>
    public var values: UnsafeMutablePointer<Scalar>, valuesStride: Int
    public var valueSeries: UnsafeMutablePointer<Scalar>

    @inlinable public init(scores: UnsafeMutablePointer<Scalar>, scoreStride: Int, rowSeries: UnsafeMutablePointer<Scalar>,
                keySeries: UnsafeMutablePointer<Scalar>, values: UnsafeMutablePointer<Scalar>, valuesStride: Int,
                valueSeries: UnsafeMutablePointer<Scalar>) {
        self.scores = scores; self.scoreStride = scoreStride
        self.rowSeries = rowSeries; self.keySeries = keySeries
        self.values = values; self.valuesStride = valuesStride
        self.valueSeries = valueSeries
    }
}

/// The operands of one LSTM step (`serieslens_lstm_step_forward_f32`): x_t (B, C), W_ihᵀ (C, 4H),
/// h_{t−1} (B, H), W_hhᵀ (H, 4H), b_ih + b_hh (4H), c_{t−1} (B, H), and where the step writes its
/// activated gates (B, 4H), c_t, tanh(c_t) and h_t (B, H); without `gates` and `tanhCell` (nil in
/// evaluation) those two are not stored. The rows of h_{t−1} and h_t are `previousHiddenStride` and
/// `hiddenStride` apart (nil: packed, H), the other operands' rows packed.
public struct LSTMStepOperands<Scalar: TensorScalar> {
    public var input: UnsafePointer<Scalar>, channels: Int
    public var inputWeightTransposed: UnsafePointer<Scalar>
    public var previousHidden: UnsafePointer<Scalar>, hiddenWeightTransposed: UnsafePointer<Scalar>
    public var bias: UnsafePointer<Scalar>, previousCell: UnsafePointer<Scalar>
    public var gates: UnsafeMutablePointer<Scalar>?, cell: UnsafeMutablePointer<Scalar>
    public var tanhCell: UnsafeMutablePointer<Scalar>?, hidden: UnsafeMutablePointer<Scalar>
    public var previousHiddenStride: Int?, hiddenStride: Int?

    @inlinable public init(input: UnsafePointer<Scalar>, channels: Int, inputWeightTransposed: UnsafePointer<Scalar>,
                previousHidden: UnsafePointer<Scalar>, hiddenWeightTransposed: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>,
                previousCell: UnsafePointer<Scalar>, gates: UnsafeMutablePointer<Scalar>?, cell: UnsafeMutablePointer<Scalar>,
                tanhCell: UnsafeMutablePointer<Scalar>?, hidden: UnsafeMutablePointer<Scalar>,
                previousHiddenStride: Int? = nil, hiddenStride: Int? = nil) {
        self.input = input; self.channels = channels; self.inputWeightTransposed = inputWeightTransposed
        self.previousHidden = previousHidden; self.hiddenWeightTransposed = hiddenWeightTransposed
        self.bias = bias; self.previousCell = previousCell
        self.gates = gates; self.cell = cell; self.tanhCell = tanhCell; self.hidden = hidden
        self.previousHiddenStride = previousHiddenStride; self.hiddenStride = hiddenStride
    }
}

/// The operands of one LSTM step's backward (`serieslens_lstm_step_backward_f32`): the step's
/// activated gates (B, 4H), turned into ∂gates in place; ∂gates of the step processed before it (nil
/// for the first); W_hh (4H, H); ∂L/∂h_t from above, row r at `upstream + r·upstreamStride`; c_{t−1},
/// tanh(c_t); ∂L/∂c (B, H) in and out; and the optional bias-gradient and one-channel ∂W_ih sums.
public struct LSTMStepGradientOperands<Scalar: TensorScalar> {
    public var gates: UnsafeMutablePointer<Scalar>, laterGateGradient: UnsafePointer<Scalar>?
    public var hiddenWeight: UnsafePointer<Scalar>
    public var upstream: UnsafePointer<Scalar>, upstreamStride: Int
    public var previousCell: UnsafePointer<Scalar>, tanhCell: UnsafePointer<Scalar>, cellGradient: UnsafeMutablePointer<Scalar>
    public var gateSums: UnsafeMutablePointer<Scalar>?, scalarInput: UnsafePointer<Scalar>?
    public var scalarInputWeightGradient: UnsafeMutablePointer<Scalar>?
    /// The gates, upstream rows, c_{t−1} and tanh(c_t) of a step processed later, to prefetch.
    public var ahead: (gates: UnsafePointer<Scalar>, upstream: UnsafePointer<Scalar>, previousCell: UnsafePointer<Scalar>,
                       tanhCell: UnsafePointer<Scalar>)?

    @inlinable public init(gates: UnsafeMutablePointer<Scalar>, laterGateGradient: UnsafePointer<Scalar>?, hiddenWeight: UnsafePointer<Scalar>,
                upstream: UnsafePointer<Scalar>, upstreamStride: Int, previousCell: UnsafePointer<Scalar>, tanhCell: UnsafePointer<Scalar>,
                cellGradient: UnsafeMutablePointer<Scalar>, gateSums: UnsafeMutablePointer<Scalar>?, scalarInput: UnsafePointer<Scalar>?,
                scalarInputWeightGradient: UnsafeMutablePointer<Scalar>?,
                ahead: (gates: UnsafePointer<Scalar>, upstream: UnsafePointer<Scalar>, previousCell: UnsafePointer<Scalar>,
                        tanhCell: UnsafePointer<Scalar>)? = nil) {
        self.ahead = ahead
        self.gates = gates; self.laterGateGradient = laterGateGradient; self.hiddenWeight = hiddenWeight
        self.upstream = upstream; self.upstreamStride = upstreamStride
        self.previousCell = previousCell; self.tanhCell = tanhCell; self.cellGradient = cellGradient
        self.gateSums = gateSums; self.scalarInput = scalarInput; self.scalarInputWeightGradient = scalarInputWeightGradient
    }
}

extension TensorScalar {
    @inlinable public static func fusedAdditiveScores(
        _ input: UnsafePointer<Self>, rows: Int, features: Int, weightTransposed: UnsafePointer<Self>, width: Int,
        bias: UnsafePointer<Self>, scorer: UnsafePointer<Self>, scorerBias: Self,
        squashed: UnsafeMutablePointer<Self>?, scores: UnsafeMutablePointer<Self>
    ) -> Bool { false }
    @inlinable public static func supportsFusedAdditiveScores(width: Int) -> Bool { false }
    @inlinable public static func fusedLSTMStepBackward(_ step: LSTMStepGradientOperands<Self>, batch: Int, hiddenSize: Int) -> Bool { false }
    @inlinable public static func lstmAddHiddenWeightGradient(
        gateGradient: UnsafePointer<Self>, previousHidden: UnsafePointer<Self>, into weightGradient: UnsafeMutablePointer<Self>,
        batch: Int, hiddenSize: Int
    ) -> Bool { false }
    // No fused step in general (Double): the LSTM runs its product and then its cell.
    @inlinable public static func fusedLSTMStepForward(_ step: LSTMStepOperands<Self>, batch: Int, hiddenSize: Int) -> Bool { false }
    // No fused kernel in general (Double): the attention core runs its separate products.
    @inlinable public static func fusedAttentionForward(
        _ problem: AttentionHeadProblem<Self>, weights: UnsafeMutablePointer<Self>?, context: UnsafeMutablePointer<Self>,
        contextStride: Int, scratch: UnsafeMutablePointer<Self>
    ) -> Bool { false }
    @inlinable public static func fusedAttentionBackward(
        _ problem: AttentionHeadProblem<Self>, weights: UnsafePointer<Self>, contextGradient: UnsafePointer<Self>,
        contextGradientStride: Int, gradients: AttentionHeadGradients<Self>, scratch: UnsafeMutablePointer<Self>
    ) -> Bool { false }
    @inlinable public static func fusedAttentionScratchCount(keyTime: Int, headSize: Int) -> Int { 0 }
    // No low-rank kernels in general (Double): a folded embedding projects Q, K and V for the core.
    @inlinable public static func supportsLowRankAttention(headSize: Int) -> Bool { false }
    @inlinable public static func lowRankAttentionValuePanels(
        _ values: UnsafePointer<Self>, keyTime: Int, headSize: Int, into panels: UnsafeMutablePointer<Self>
    ) -> Bool { false }
    @inlinable public static func lowRankAttentionForward(
        _ rows: LowRankAttentionRows<Self>, sharedScores: UnsafePointer<Self>, sharedStride: Int, queryTerms: UnsafePointer<Self>,
        values: UnsafePointer<Self>, bounds: LowRankScoreBounds<Self>?, weights: UnsafeMutablePointer<Self>,
        context: UnsafeMutablePointer<Self>, contextStride: Int
    ) -> Bool { false }
    @inlinable public static func rowMaxima(
        _ matrix: UnsafePointer<Self>, rows: Int, columns: Int, rowStride: Int, into maxima: UnsafeMutablePointer<Self>
    ) {
        for r in 0..<rows { maxima[r] = (0..<columns).reduce(-Self.infinity) { Swift.max($0, matrix[r * rowStride + $1]) } }
    }
    @inlinable public static func maximumMagnitude(_ values: UnsafePointer<Self>, count: Int) -> Self {
        (0..<count).reduce(0) { Swift.max($0, abs(values[$1])) }
    }
    @inlinable public static func lowRankAttentionBackward(
        _ rows: LowRankAttentionRows<Self>, keySide: UnsafePointer<Self>, weights: UnsafePointer<Self>,
        contextGradient: UnsafePointer<Self>, contextGradientStride: Int, valuePanels: UnsafePointer<Self>,
        sums: LowRankAttentionSums<Self>, inputGradient: UnsafeMutablePointer<Self>?, scratch: UnsafeMutablePointer<Self>
    ) -> Self? { nil }
}

extension Float {
    @inlinable public static func supportsFusedAdditiveScores(width: Int) -> Bool { width > 0 && width % 32 == 0 }

    @inlinable public static func fusedAdditiveScores(
        _ input: UnsafePointer<Float>, rows: Int, features: Int, weightTransposed: UnsafePointer<Float>, width: Int,
        bias: UnsafePointer<Float>, scorer: UnsafePointer<Float>, scorerBias: Float,
        squashed: UnsafeMutablePointer<Float>?, scores: UnsafeMutablePointer<Float>
    ) -> Bool {
        guard supportsFusedAdditiveScores(width: width) else { return false }
        return KernelProfiler.measure(.additiveScores, work: 2 * rows * width * (features + 1)) {
            serieslens_additive_scores_f32(input, rows, features, weightTransposed, width, bias, scorer, scorerBias, squashed, scores) != 0
        }
    }

    @inlinable public static func fusedLSTMStepBackward(_ step: LSTMStepGradientOperands<Float>, batch: Int, hiddenSize: Int) -> Bool {
        guard hiddenSize > 0 && hiddenSize % 16 == 0 else { return false }
        let productFLOPs = step.laterGateGradient == nil ? 0 : 2 * batch * 4 * hiddenSize * hiddenSize
        return KernelProfiler.measure(.lstmStepBackward, work: productFLOPs) {
            serieslens_lstm_step_backward_f32(
                step.gates, step.laterGateGradient, step.hiddenWeight, step.upstream, step.upstreamStride, step.previousCell, step.tanhCell,
                step.cellGradient, batch, hiddenSize, step.gateSums, step.scalarInput, step.scalarInputWeightGradient,
                step.ahead?.gates, step.ahead?.upstream, step.ahead?.previousCell, step.ahead?.tanhCell) != 0
        }
    }

    @inlinable public static func lstmAddHiddenWeightGradient(
        gateGradient: UnsafePointer<Float>, previousHidden: UnsafePointer<Float>, into weightGradient: UnsafeMutablePointer<Float>,
        batch: Int, hiddenSize: Int
    ) -> Bool {
        guard hiddenSize > 0 && hiddenSize % 16 == 0 else { return false }
        return KernelProfiler.measure(.smallGEMMTransposedA, work: 2 * batch * 4 * hiddenSize * hiddenSize) {
            serieslens_add_transposed_product_f32(gateGradient, 4 * hiddenSize, previousHidden, hiddenSize, weightGradient, hiddenSize,
                                                  4 * hiddenSize, hiddenSize, batch) != 0
        }
    }

    @inlinable public static func fusedLSTMStepForward(_ step: LSTMStepOperands<Float>, batch: Int, hiddenSize: Int) -> Bool {
        guard hiddenSize > 0 && hiddenSize % 8 == 0 else { return false }
        return KernelProfiler.measure(.lstmStepForward, work: 2 * batch * 4 * hiddenSize * (step.channels + hiddenSize)) {
            serieslens_lstm_step_forward_f32(
                step.input, step.channels, step.inputWeightTransposed, step.previousHidden, step.hiddenWeightTransposed, step.bias,
                step.previousCell, step.gates, step.cell, step.tanhCell, step.hidden, batch, hiddenSize,
                step.previousHiddenStride ?? hiddenSize, step.hiddenStride ?? hiddenSize) != 0
        }
    }

    @inlinable public static func fusedAttentionForward(
        _ problem: AttentionHeadProblem<Float>, weights: UnsafeMutablePointer<Float>?, context: UnsafeMutablePointer<Float>,
        contextStride: Int, scratch: UnsafeMutablePointer<Float>
    ) -> Bool {
        guard serieslens_attention_supports_head_size(problem.headSize) != 0 else { return false }
        return KernelProfiler.measure(.fusedAttention, work: problem.productFLOPs) {
            serieslens_attention_forward_f32(
                problem.query, problem.queryStride, problem.key, problem.keyStride, problem.value, problem.valueStride,
                problem.queryTime, problem.keyTime, problem.headSize, problem.scale, weights, context, contextStride, scratch) != 0
        }
    }

    @inlinable public static func fusedAttentionBackward(
        _ problem: AttentionHeadProblem<Float>, weights: UnsafePointer<Float>, contextGradient: UnsafePointer<Float>,
        contextGradientStride: Int, gradients: AttentionHeadGradients<Float>, scratch: UnsafeMutablePointer<Float>
    ) -> Bool {
        guard serieslens_attention_supports_head_size(problem.headSize) != 0 else { return false }
        return KernelProfiler.measure(.fusedAttentionBackward, work: 2 * problem.productFLOPs) {
            serieslens_attention_backward_f32(
                contextGradient, contextGradientStride, weights, problem.query, problem.queryStride, problem.key, problem.keyStride,
                problem.value, problem.valueStride, gradients.query, gradients.queryStride, gradients.key, gradients.keyStride,
                gradients.value, gradients.valueStride, problem.queryTime, problem.keyTime, problem.headSize, problem.scale,
                scratch, gradients.accumulates ? 1 : 0) != 0
        }
    }

    @inlinable public static func fusedAttentionScratchCount(keyTime: Int, headSize: Int) -> Int {
        serieslens_attention_supports_head_size(headSize) != 0 ? serieslens_attention_scratch_floats(keyTime, headSize) : 0
    }

    @inlinable public static func supportsLowRankAttention(headSize: Int) -> Bool { serieslens_attention_supports_head_size(headSize) != 0 }

    @inlinable public static func rowMaxima(
        _ matrix: UnsafePointer<Float>, rows: Int, columns: Int, rowStride: Int, into maxima: UnsafeMutablePointer<Float>
    ) {
        KernelProfiler.measure(.rowsAndColumns, work: rows * columns) { serieslens_row_maxima_f32(matrix, rows, columns, rowStride, maxima) }
    }

    @inlinable public static func maximumMagnitude(_ values: UnsafePointer<Float>, count: Int) -> Float {
        KernelProfiler.measure(.vector, work: count) { serieslens_max_magnitude_f32(values, count) }
    }

    @inlinable public static func lowRankAttentionValuePanels(
        _ values: UnsafePointer<Float>, keyTime: Int, headSize: Int, into panels: UnsafeMutablePointer<Float>
    ) -> Bool {
        guard supportsLowRankAttention(headSize: headSize) else { return false }
        serieslens_lowrank_attention_value_panels_f32(values, keyTime, headSize, panels)
        return true
    }

    @inlinable public static func lowRankAttentionForward(
        _ rows: LowRankAttentionRows<Float>, sharedScores: UnsafePointer<Float>, sharedStride: Int, queryTerms: UnsafePointer<Float>,
        values: UnsafePointer<Float>, bounds: LowRankScoreBounds<Float>?, weights: UnsafeMutablePointer<Float>,
        context: UnsafeMutablePointer<Float>, contextStride: Int
    ) -> Bool {
        KernelProfiler.measure(.lowRankAttention, work: rows.productFLOPs) {
            serieslens_lowrank_attention_forward_f32(
                sharedScores, sharedStride, rows.series, rows.keyTerms, queryTerms, rows.firstRow, rows.rows, rows.keyTime, values,
                rows.valueDirection, rows.headSize, bounds?.sharedMaxima, bounds?.keyBound ?? 0, bounds?.seriesBound ?? 0, weights,
                rows.rowScales, rows.weightedSeries, context, contextStride) != 0
        }
    }

    @inlinable public static func lowRankAttentionBackward(
        _ rows: LowRankAttentionRows<Float>, keySide: UnsafePointer<Float>, weights: UnsafePointer<Float>,
        contextGradient: UnsafePointer<Float>, contextGradientStride: Int, valuePanels: UnsafePointer<Float>,
        sums: LowRankAttentionSums<Float>, inputGradient: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>
    ) -> Float? {
        guard supportsLowRankAttention(headSize: rows.headSize) else { return nil }
        return KernelProfiler.measure(.lowRankAttentionBackward, work: 2 * rows.productFLOPs) {
            serieslens_lowrank_attention_backward_f32(
                weights, contextGradient, contextGradientStride, rows.series, rows.rowScales, rows.weightedSeries, rows.keyTerms, keySide,
                rows.firstRow, rows.rows, rows.keyTime, valuePanels, rows.valueDirection, rows.headSize, sums.scores, sums.scoreStride,
                sums.rowSeries, sums.keySeries, sums.values, sums.valuesStride, sums.valueSeries, inputGradient, scratch)
        }
    }
}
