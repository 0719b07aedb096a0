import CKernels

/// The inputs of one (sample, head) of attention: Q (Tq, d), K and V (Tk, d), row-major with the
/// given row strides (usually column blocks of one packed projection), and the score scale s.
public struct AttentionHeadProblem<Scalar: TensorScalar> {
    public var query: UnsafePointer<Scalar>, queryStride: Int
    public var key: UnsafePointer<Scalar>, keyStride: Int
    public var value: UnsafePointer<Scalar>, valueStride: Int
    public var queryTime: Int, keyTime: Int, headSize: Int
    public var scale: Scalar

    public init(query: UnsafePointer<Scalar>, queryStride: Int, key: UnsafePointer<Scalar>, keyStride: Int,
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

    public init(query: UnsafeMutablePointer<Scalar>, queryStride: Int, key: UnsafeMutablePointer<Scalar>, keyStride: Int,
                value: UnsafeMutablePointer<Scalar>, valueStride: Int, accumulates: Bool = true) {
        self.query = query; self.queryStride = queryStride
        self.key = key; self.keyStride = keyStride
        self.value = value; self.valueStride = valueStride
        self.accumulates = accumulates
    }
}

/// The operands of one LSTM step (`serieslens_lstm_step_forward_f32`): x_t (B, C), W_ihᵀ (C, 4H),
/// h_{t−1} (B, H), W_hhᵀ (H, 4H), b_ih + b_hh (4H), c_{t−1} (B, H), and where the step writes its
/// activated gates (B, 4H), c_t, tanh(c_t) and h_t (B, H); without `gates` and `tanhCell` (nil in
/// evaluation) those two are not stored.
public struct LSTMStepOperands<Scalar: TensorScalar> {
    public var input: UnsafePointer<Scalar>, channels: Int
    public var inputWeightTransposed: UnsafePointer<Scalar>
    public var previousHidden: UnsafePointer<Scalar>, hiddenWeightTransposed: UnsafePointer<Scalar>
    public var bias: UnsafePointer<Scalar>, previousCell: UnsafePointer<Scalar>
    public var gates: UnsafeMutablePointer<Scalar>?, cell: UnsafeMutablePointer<Scalar>
    public var tanhCell: UnsafeMutablePointer<Scalar>?, hidden: UnsafeMutablePointer<Scalar>

    public init(input: UnsafePointer<Scalar>, channels: Int, inputWeightTransposed: UnsafePointer<Scalar>,
                previousHidden: UnsafePointer<Scalar>, hiddenWeightTransposed: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>,
                previousCell: UnsafePointer<Scalar>, gates: UnsafeMutablePointer<Scalar>?, cell: UnsafeMutablePointer<Scalar>,
                tanhCell: UnsafeMutablePointer<Scalar>?, hidden: UnsafeMutablePointer<Scalar>) {
        self.input = input; self.channels = channels; self.inputWeightTransposed = inputWeightTransposed
        self.previousHidden = previousHidden; self.hiddenWeightTransposed = hiddenWeightTransposed
        self.bias = bias; self.previousCell = previousCell
        self.gates = gates; self.cell = cell; self.tanhCell = tanhCell; self.hidden = hidden
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

    public init(gates: UnsafeMutablePointer<Scalar>, laterGateGradient: UnsafePointer<Scalar>?, hiddenWeight: UnsafePointer<Scalar>,
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
                step.previousCell, step.gates, step.cell, step.tanhCell, step.hidden, batch, hiddenSize) != 0
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
}
