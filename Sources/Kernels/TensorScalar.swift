import CBLAS
import CKernels
import Foundation

/// The element types the engine computes in: `Float` for training and inference, `Double` for the
/// finite-difference gradient checks, which need the same layer code at higher precision.
///
/// Each conformance supplies the BLAS entry points and the vectorised activations for its type; the
/// layers are written once, generically, and specialised by the compiler (`@inlinable`).
public protocol TensorScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable
where Self.SIMD16Storage: Sendable {
    /// C ← alpha·op(A)·op(B) + beta·C, row-major; op(A) is m×k, op(B) is k×n.
    static func blasGEMM(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// C[m×n] += A[m×k]·B[k×n], all row-major and untransposed: the small per-step products of the
    /// LSTM recurrence (`SmallGEMM` for Float; BLAS otherwise).
    static func smallMultiplyAdd(
        m: Int, n: Int, k: Int, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        c: UnsafeMutablePointer<Self>, ldc: Int)
    /// C[m×n] += Aᵀ·B, A stored k×m: weight gradients over all rows (`SmallGEMM` for Float).
    static func smallMultiplyAddTransposedA(
        m: Int, n: Int, k: Int, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        c: UnsafeMutablePointer<Self>, ldc: Int)
    /// C[m×n] = 1·biasᵀ + A[m×k]·B[k×n]: C's rows start from `bias` (n), not from their contents.
    static func smallMultiplyAddingBias(
        m: Int, n: Int, k: Int, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        bias: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// C[m×n] = 1·biasᵀ + A₀[m×k₀]·B₀[k₀×n] + A[m×k]·B[k×n], summed in that order: an LSTM step's
    /// gates, bias + x_t·W_ihᵀ + h·W_hhᵀ (one pass over C for Float).
    static func smallMultiplyPairAddingBias(
        m: Int, n: Int, leadingK: Int, leadingA: UnsafePointer<Self>, leadingLDA: Int, leadingB: UnsafePointer<Self>, leadingLDB: Int,
        k: Int, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        bias: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>, ldc: Int)

    static func vectorExp(_ x: SIMD16<Self>) -> SIMD16<Self>
    /// Lane-wise maximum; where either lane is NaN, which one is returned is unspecified.
    static func vectorMaximum(_ x: SIMD16<Self>, _ y: SIMD16<Self>) -> SIMD16<Self>
    static func vectorSigmoid(_ x: SIMD16<Self>) -> SIMD16<Self>
    static func vectorTanh(_ x: SIMD16<Self>) -> SIMD16<Self>

    // The inner loops the layers run, as requirements so that generic layer code calls the
    // Float-specialised (or Double) body through one witness call per loop, never per element.
    // Defaults below forward to the generic kernels; conformances in this module specialise them.
    static func sigmoid(_ input: UnsafePointer<Self>, _ output: UnsafeMutablePointer<Self>, count: Int)
    static func tanh(_ input: UnsafePointer<Self>, _ output: UnsafeMutablePointer<Self>, count: Int)
    /// inputGradient += outputGradient ⊙ (1 − output²).
    static func tanhBackward(output: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>, addingInto inputGradient: UnsafeMutablePointer<Self>, count: Int)
    /// inputGradient += outputGradient ⊙ output ⊙ (1 − output).
    static func sigmoidBackward(output: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>, addingInto inputGradient: UnsafeMutablePointer<Self>, count: Int)
    static func sum(_ values: UnsafePointer<Self>, count: Int) -> Self
    static func dot(_ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, count: Int) -> Self
    static func addScaled(_ x: UnsafePointer<Self>, scale: Self, into y: UnsafeMutablePointer<Self>, count: Int)
    static func addColumnSums(of matrix: UnsafePointer<Self>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Self>)
    static func copyRows(from source: UnsafePointer<Self>, sourceRowStride: Int, rows: Int, width: Int,
                         into target: UnsafeMutablePointer<Self>, targetRowStride: Int)
    static func addRowVector(_ vector: UnsafePointer<Self>, to matrix: UnsafeMutablePointer<Self>, rows: Int, columns: Int)
    static func softmaxRows(_ matrix: UnsafeMutablePointer<Self>, rows: Int, columns: Int)
    static func softmaxBackwardRows(probabilities: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>, addingInto inputGradient: UnsafeMutablePointer<Self>, rows: Int, columns: Int)
    static func relu(_ input: UnsafePointer<Self>, _ output: UnsafeMutablePointer<Self>, count: Int)
    /// inputGradient += outputGradient where output > 0.
    static func reluBackward(output: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>, addingInto inputGradient: UnsafeMutablePointer<Self>, count: Int)
    /// inputGradient = outputGradient where output > 0, else 0 (inputGradient may be outputGradient).
    static func reluBackward(output: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>, writingInto inputGradient: UnsafeMutablePointer<Self>, count: Int)
    static func layerNormForward(
        _ input: UnsafePointer<Self>, rows: Int, columns: Int, epsilon: Self, gamma: UnsafePointer<Self>, beta: UnsafePointer<Self>,
        normalized: UnsafeMutablePointer<Self>, inverseStandardDeviation: UnsafeMutablePointer<Self>, output: UnsafeMutablePointer<Self>)
    static func layerNormBackward(
        normalized: UnsafePointer<Self>, inverseStandardDeviation: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>,
        gamma: UnsafePointer<Self>, rows: Int, columns: Int, gammaGradient: UnsafeMutablePointer<Self>,
        betaGradient: UnsafeMutablePointer<Self>, addingInto inputGradient: UnsafeMutablePointer<Self>?, accumulate: Bool)
    static func batchNormStatistics(
        _ input: UnsafePointer<Self>, rows: Int, columns: Int, epsilon: Self, momentum: Self,
        mean: UnsafeMutablePointer<Self>, inverseStandardDeviation: UnsafeMutablePointer<Self>,
        runningMean: UnsafeMutablePointer<Self>, runningVariance: UnsafeMutablePointer<Self>)
    static func inverseStandardDeviation(_ variance: UnsafePointer<Self>, epsilon: Self, into inverse: UnsafeMutablePointer<Self>, count: Int)
    static func batchNormApply(
        _ input: UnsafePointer<Self>, rows: Int, columns: Int, mean: UnsafePointer<Self>, inverseStandardDeviation: UnsafePointer<Self>,
        gamma: UnsafePointer<Self>, beta: UnsafePointer<Self>, rectify: Bool, output: UnsafeMutablePointer<Self>)
    /// y = shift + x·scale per column, then max(y, 0) with `rectify`, on this thread (`Normalization.applyChannelAffine`).
    static func applyChannelAffine(
        _ input: UnsafePointer<Self>, rows: Int, columns: Int, scale: UnsafePointer<Self>, shift: UnsafePointer<Self>, rectify: Bool,
        output: UnsafeMutablePointer<Self>)
    static func batchNormBackward(
        _ input: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>, rows: Int, columns: Int,
        mean: UnsafePointer<Self>, inverseStandardDeviation: UnsafePointer<Self>, gamma: UnsafePointer<Self>,
        gammaGradient: UnsafeMutablePointer<Self>, betaGradient: UnsafeMutablePointer<Self>, rectifiedOutput: UnsafePointer<Self>?,
        addingInto inputGradient: UnsafeMutablePointer<Self>?, accumulate: Bool, batchStatistics: Bool)
    /// One-vector products over the rows of a matrix (`RowProducts`).
    static func rowDots(
        _ rows: UnsafePointer<Self>, count: Int, width: Int, rowStride: Int, vector: UnsafePointer<Self>, bias: Self,
        into scores: UnsafeMutablePointer<Self>)
    /// `rowDots` of several vectors in one pass over the rows (`RowProducts.rowDots(_:vectors:)`).
    static func rowDots(
        _ rows: UnsafePointer<Self>, count: Int, width: Int, rowStride: Int, vectors: UnsafePointer<Self>, vectorCount: Int,
        vectorStride: Int, bias: Self, into scores: UnsafeMutablePointer<Self>, scoreStride: Int)
    static func addWeightedRowSum(
        weights: UnsafePointer<Self>, rows: UnsafePointer<Self>, count: Int, width: Int, rowStride: Int, into accumulator: UnsafeMutablePointer<Self>)
    static func addOuterProduct(
        weights: UnsafePointer<Self>, vector: UnsafePointer<Self>, count: Int, width: Int, rowStride: Int, into target: UnsafeMutablePointer<Self>)
    /// target[t] = weights[t]·vector (`addOuterProduct` that ignores the old contents).
    static func outerProduct(
        weights: UnsafePointer<Self>, vector: UnsafePointer<Self>, count: Int, width: Int, rowStride: Int, into target: UnsafeMutablePointer<Self>)
    static func tanhScoreBackward(
        scoreGradient: UnsafePointer<Self>, vector: UnsafePointer<Self>, squashed: UnsafePointer<Self>,
        count: Int, width: Int, into target: UnsafeMutablePointer<Self>)
    /// Sliding-window convolution layout (`Convolution`): zero-padded series, and the weight
    /// rearranged for the forward (Ŵ) or input-gradient (flipped, W̃) product, and back.
    static func padSeries(
        _ input: UnsafePointer<Self>, batch: Int, time: Int, channels: Int, before: Int, after: Int,
        into padded: UnsafeMutablePointer<Self>)
    static func windowWeights(
        _ weight: UnsafePointer<Self>, outputChannels: Int, channels: Int, kernel: Int, flipped: Bool,
        into target: UnsafeMutablePointer<Self>)
    static func addWindowWeightGradient(
        _ windowGradients: UnsafePointer<Self>, parts: Int, outputChannels: Int, channels: Int, kernel: Int,
        into gradient: UnsafeMutablePointer<Self>)
    /// Winograd convolution's transforms (`Winograd`).
    static func winogradInput(
        _ padded: UnsafePointer<Self>, tiles: Int, channels: Int, outputs: Int, points: Int,
        coefficients: UnsafePointer<Self>, into transformed: UnsafeMutablePointer<Self>, pointStride: Int)
    static func winogradOutput(
        _ products: UnsafePointer<Self>, rows: Int, channels: Int, outputs: Int, points: Int,
        coefficients: UnsafePointer<Self>, bias: UnsafePointer<Self>?, accumulate: Bool, into output: UnsafeMutablePointer<Self>)
    static func winogradOutputGradient(
        _ outputGradient: UnsafePointer<Self>, rows: Int, channels: Int, outputs: Int, points: Int,
        coefficients: UnsafePointer<Self>, into productGradient: UnsafeMutablePointer<Self>)
    static func winogradFilter(
        _ weight: UnsafePointer<Self>, outputChannels: Int, channels: Int, kernel: Int, flipped: Bool,
        points: Int, filterTransform: UnsafePointer<Self>, into filter: UnsafeMutablePointer<Self>)
    static func addWinogradFilterGradient(
        _ filterGradients: UnsafePointer<Self>, parts: Int, outputChannels: Int, channels: Int, kernel: Int,
        points: Int, filterTransform: UnsafePointer<Self>, into gradient: UnsafeMutablePointer<Self>)
    static func lstmCellForward(
        gates: UnsafeMutablePointer<Self>, previousCell: UnsafePointer<Self>, cell: UnsafeMutablePointer<Self>,
        tanhCell: UnsafeMutablePointer<Self>, hidden: UnsafeMutablePointer<Self>, batch: Int, hiddenSize: Int)
    /// `LSTMCell.backward`, with its optional bias-gradient and one-channel ∂W_ih sums.
    static func lstmCellBackward(
        gates: UnsafeMutablePointer<Self>, previousCell: UnsafePointer<Self>, tanhCell: UnsafePointer<Self>,
        hiddenGradient: UnsafePointer<Self>, cellGradient: UnsafeMutablePointer<Self>, batch: Int, hiddenSize: Int,
        gateSums: UnsafeMutablePointer<Self>?, scalarInput: UnsafePointer<Self>?, scalarInputWeightGradient: UnsafeMutablePointer<Self>?)

    /// A whole LSTM step, gate product and cell (`FusedKernels.swift`): false, having done nothing,
    /// when this type or hidden size has no fused kernel.
    static func fusedLSTMStepForward(_ step: LSTMStepOperands<Self>, batch: Int, hiddenSize: Int) -> Bool
    /// The backward of a whole LSTM step, recurrent product and cell (`FusedKernels.swift`): false,
    /// having done nothing, when this type or hidden size has no fused kernel.
    static func fusedLSTMStepBackward(_ step: LSTMStepGradientOperands<Self>, batch: Int, hiddenSize: Int) -> Bool
    /// One step's share of an LSTM's ∂W_hh += ∂gatesᵀ·h_{t−1} (`FusedKernels.swift`): false, having
    /// done nothing, when this type or hidden size has no kernel.
    static func lstmAddHiddenWeightGradient(
        gateGradient: UnsafePointer<Self>, previousHidden: UnsafePointer<Self>, into weightGradient: UnsafeMutablePointer<Self>,
        batch: Int, hiddenSize: Int) -> Bool
    /// Additive attention's scores e = w₂·tanh(W₁x + b₁) + b₂ over many rows in one pass
    /// (`FusedKernels.swift`), keeping tanh(…) when `squashed` is given; false, having done
    /// nothing, when this type or width has no fused kernel (`supportsFusedAdditiveScores`).
    static func fusedAdditiveScores(
        _ input: UnsafePointer<Self>, rows: Int, features: Int, weightTransposed: UnsafePointer<Self>, width: Int,
        bias: UnsafePointer<Self>, scorer: UnsafePointer<Self>, scorerBias: Self,
        squashed: UnsafeMutablePointer<Self>?, scores: UnsafeMutablePointer<Self>) -> Bool
    static func supportsFusedAdditiveScores(width: Int) -> Bool
    /// Self-attention of one (sample, head), fused by blocks of query rows (`FusedAttention.swift`):
    /// false, having done nothing, when this type or head size has no fused kernel.
    /// Without `weights` the kernel keeps no P (evaluation).
    static func fusedAttentionForward(_ problem: AttentionHeadProblem<Self>, weights: UnsafeMutablePointer<Self>?,
                                      context: UnsafeMutablePointer<Self>, contextStride: Int, scratch: UnsafeMutablePointer<Self>) -> Bool
    static func fusedAttentionBackward(_ problem: AttentionHeadProblem<Self>, weights: UnsafePointer<Self>,
                                       contextGradient: UnsafePointer<Self>, contextGradientStride: Int,
                                       gradients: AttentionHeadGradients<Self>, scratch: UnsafeMutablePointer<Self>) -> Bool
    /// Scratch elements the fused kernels need for `keyTime` keys (0 when there is no fused kernel).
    static func fusedAttentionScratchCount(keyTime: Int, headSize: Int) -> Int
    /// Self-attention of a one-channel series with shared projection terms (`LowRankSelfAttention`,
    /// `FusedKernels.swift`): whether this type and head size have the kernels, which do nothing
    /// and return false (nil) otherwise.
    static func supportsLowRankAttention(headSize: Int) -> Bool
    static func lowRankAttentionValuePanels(_ values: UnsafePointer<Self>, keyTime: Int, headSize: Int, into panels: UnsafeMutablePointer<Self>) -> Bool
    static func lowRankAttentionForward(
        _ rows: LowRankAttentionRows<Self>, sharedScores: UnsafePointer<Self>, sharedStride: Int, queryTerms: UnsafePointer<Self>,
        values: UnsafePointer<Self>, bounds: LowRankScoreBounds<Self>?, weights: UnsafeMutablePointer<Self>,
        context: UnsafeMutablePointer<Self>, contextStride: Int) -> Bool
    /// Each row's maximum of a (rows × columns) matrix with the given row stride.
    static func rowMaxima(_ matrix: UnsafePointer<Self>, rows: Int, columns: Int, rowStride: Int, into maxima: UnsafeMutablePointer<Self>)
    /// max |values| (0 for none).
    static func maximumMagnitude(_ values: UnsafePointer<Self>, count: Int) -> Self
    /// Returns Σ_i x_i·(∂S·x)_i over the block.
    static func lowRankAttentionBackward(
        _ rows: LowRankAttentionRows<Self>, keySide: UnsafePointer<Self>, weights: UnsafePointer<Self>,
        contextGradient: UnsafePointer<Self>, contextGradientStride: Int, valuePanels: UnsafePointer<Self>,
        sums: LowRankAttentionSums<Self>, inputGradient: UnsafeMutablePointer<Self>?, scratch: UnsafeMutablePointer<Self>) -> Self?

    static func adamUpdate(
        parameters: UnsafeMutablePointer<Self>, gradients: UnsafePointer<Self>, firstMoment: UnsafeMutablePointer<Self>,
        secondMoment: UnsafeMutablePointer<Self>, count: Int, coefficients: AdamCoefficients<Self>)
    static func sgdUpdate(
        parameters: UnsafeMutablePointer<Self>, gradients: UnsafePointer<Self>, momentumBuffer: UnsafeMutablePointer<Self>,
        count: Int, learningRate: Self, momentum: Self, weightDecay: Self, firstStep: Bool)
    static func scale(_ values: UnsafeMutablePointer<Self>, by factor: Self, count: Int)
    /// target (columns, rows) = factor · source (rows, columns), source rows `sourceRowStride` apart.
    static func transpose(
        _ source: UnsafePointer<Self>, sourceRowStride: Int, rows: Int, columns: Int, scale factor: Self,
        into target: UnsafeMutablePointer<Self>)

    /// Correctly rounded (libm) scalar functions for the few places outside hot loops.
    static func scalarExp(_ x: Self) -> Self
    static func scalarLog(_ x: Self) -> Self
    static func scalarLog1p(_ x: Self) -> Self
    static func scalarTanh(_ x: Self) -> Self
}

extension TensorScalar {
    @inlinable public static func smallMultiplyAdd(
        m: Int, n: Int, k: Int, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        // Overlapping rows (lda < k: a convolution's sliding windows) are legal here, not in BLAS.
        if lda < k || ldb < n {
            GEMM.naiveGEMM(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: c, ldc: ldc)
            return
        }
        GEMM.multiply(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: c, ldc: ldc)
    }
    @inlinable public static func smallMultiplyAddTransposedA(
        m: Int, n: Int, k: Int, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        if lda < m || ldb < n {
            GEMM.naiveGEMM(transposeA: true, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: c, ldc: ldc)
            return
        }
        GEMM.multiply(transposeA: true, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: c, ldc: ldc)
    }
    @inlinable public static func smallMultiplyAddingBias(
        m: Int, n: Int, k: Int, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        bias: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        for row in 0..<m { (c + row * ldc).update(from: bias, count: n) }
        smallMultiplyAdd(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
    }
    @inlinable public static func smallMultiplyPairAddingBias(
        m: Int, n: Int, leadingK: Int, leadingA: UnsafePointer<Self>, leadingLDA: Int, leadingB: UnsafePointer<Self>, leadingLDB: Int,
        k: Int, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        bias: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        smallMultiplyAddingBias(m: m, n: n, k: leadingK, a: leadingA, lda: leadingLDA, b: leadingB, ldb: leadingLDB, bias: bias, c: c, ldc: ldc)
        smallMultiplyAdd(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
    }
    @inlinable public static func sigmoid(_ input: UnsafePointer<Self>, _ output: UnsafeMutablePointer<Self>, count: Int) {
        KernelProfiler.measure(.activation, work: count) { Elementwise.map(input, output, count: count, vectorSigmoid) }
    }
    @inlinable public static func tanh(_ input: UnsafePointer<Self>, _ output: UnsafeMutablePointer<Self>, count: Int) {
        KernelProfiler.measure(.activation, work: count) { Elementwise.map(input, output, count: count, vectorTanh) }
    }
    @inlinable public static func tanhBackward(output: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>, addingInto inputGradient: UnsafeMutablePointer<Self>, count: Int) {
        KernelProfiler.measure(.activationBackward, work: count) {
            Elementwise.activationBackward(output: output, outputGradient: outputGradient, addingInto: inputGradient, count: count) { y in
                SIMD16<Self>(repeating: 1) - y * y
            }
        }
    }
    @inlinable public static func sigmoidBackward(output: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>, addingInto inputGradient: UnsafeMutablePointer<Self>, count: Int) {
        KernelProfiler.measure(.activationBackward, work: count) {
            Elementwise.activationBackward(output: output, outputGradient: outputGradient, addingInto: inputGradient, count: count) { y in
                y * (SIMD16<Self>(repeating: 1) - y)
            }
        }
    }
    @inlinable public static func sum(_ values: UnsafePointer<Self>, count: Int) -> Self {
        return KernelProfiler.measure(.vector, work: count) { Elementwise.sum(values, count: count) }
    }
    @inlinable public static func dot(_ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, count: Int) -> Self {
        return KernelProfiler.measure(.vector, work: 2 * count) { Elementwise.dot(a, b, count: count) }
    }
    @inlinable public static func addScaled(_ x: UnsafePointer<Self>, scale: Self, into y: UnsafeMutablePointer<Self>, count: Int) {
        KernelProfiler.measure(.vector, work: count) {
            Parallelism.splitElementwise(count) { range in
                Elementwise.addScaled(x + range.lowerBound, scale: scale, into: y + range.lowerBound, count: range.count)
            }
        }
    }
    @inlinable public static func copyRows(from source: UnsafePointer<Self>, sourceRowStride: Int, rows: Int, width: Int,
                                           into target: UnsafeMutablePointer<Self>, targetRowStride: Int) {
        KernelProfiler.measure(.rowsAndColumns, work: rows * width) {
            Elementwise.copyRows(from: source, sourceRowStride: sourceRowStride, rows: rows, width: width, into: target, targetRowStride: targetRowStride)
        }
    }
    @inlinable public static func addColumnSums(of matrix: UnsafePointer<Self>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Self>) {
        KernelProfiler.measure(.rowsAndColumns, work: rows * columns) { Elementwise.addColumnSums(of: matrix, rows: rows, columns: columns, into: sums) }
    }
    @inlinable public static func addRowVector(_ vector: UnsafePointer<Self>, to matrix: UnsafeMutablePointer<Self>, rows: Int, columns: Int) {
        KernelProfiler.measure(.rowsAndColumns, work: rows * columns) { Elementwise.addRowVector(vector, to: matrix, rows: rows, columns: columns) }
    }
    @inlinable public static func softmaxRows(_ matrix: UnsafeMutablePointer<Self>, rows: Int, columns: Int) {
        KernelProfiler.measure(.softmax, work: rows * columns) {
            for row in 0..<rows { Elementwise.softmaxInPlace(matrix + row * columns, count: columns) }
        }
    }
    @inlinable public static func softmaxBackwardRows(probabilities: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>, addingInto inputGradient: UnsafeMutablePointer<Self>, rows: Int, columns: Int) {
        KernelProfiler.measure(.softmaxBackward, work: rows * columns) {
            for row in 0..<rows {
                Elementwise.softmaxBackward(
                    probabilities: probabilities + row * columns, outputGradient: outputGradient + row * columns,
                    addingInto: inputGradient + row * columns, count: columns)
            }
        }
    }
    @inlinable public static func relu(_ input: UnsafePointer<Self>, _ output: UnsafeMutablePointer<Self>, count: Int) {
        KernelProfiler.measure(.activation, work: count) {
            Parallelism.splitElementwise(count) { range in
                Elementwise.relu(input + range.lowerBound, output + range.lowerBound, count: range.count)
            }
        }
    }
    @inlinable public static func reluBackward(output: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>, addingInto inputGradient: UnsafeMutablePointer<Self>, count: Int) {
        reluGradient(output: output, outputGradient: outputGradient, into: inputGradient, accumulate: true, count: count)
    }
    @inlinable public static func reluBackward(output: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>, writingInto inputGradient: UnsafeMutablePointer<Self>, count: Int) {
        reluGradient(output: output, outputGradient: outputGradient, into: inputGradient, accumulate: false, count: count)
    }
    @inlinable static func reluGradient(
        output: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>, into inputGradient: UnsafeMutablePointer<Self>, accumulate: Bool, count: Int
    ) {
        KernelProfiler.measure(.activationBackward, work: count) {
            Parallelism.splitElementwise(count) { range in
                let (first, part) = (range.lowerBound, range.count)
                if accumulate {
                    Elementwise.reluBackward(output: output + first, outputGradient: outputGradient + first, addingInto: inputGradient + first, count: part)
                } else {
                    Elementwise.reluBackward(output: output + first, outputGradient: outputGradient + first, writingInto: inputGradient + first, count: part)
                }
            }
        }
    }
    @inlinable public static func layerNormForward(
        _ input: UnsafePointer<Self>, rows: Int, columns: Int, epsilon: Self, gamma: UnsafePointer<Self>, beta: UnsafePointer<Self>,
        normalized: UnsafeMutablePointer<Self>, inverseStandardDeviation: UnsafeMutablePointer<Self>, output: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.normalization, work: rows * columns) {
            Normalization.layerNormForward(
                input, rows: rows, columns: columns, epsilon: epsilon, gamma: gamma, beta: beta,
                normalized: normalized, inverseStandardDeviation: inverseStandardDeviation, output: output)
        }
    }
    @inlinable public static func layerNormBackward(
        normalized: UnsafePointer<Self>, inverseStandardDeviation: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>,
        gamma: UnsafePointer<Self>, rows: Int, columns: Int, gammaGradient: UnsafeMutablePointer<Self>,
        betaGradient: UnsafeMutablePointer<Self>, addingInto inputGradient: UnsafeMutablePointer<Self>?, accumulate: Bool
    ) {
        KernelProfiler.measure(.normalizationBackward, work: rows * columns) {
            Normalization.layerNormBackward(
                normalized: normalized, inverseStandardDeviation: inverseStandardDeviation, outputGradient: outputGradient,
                gamma: gamma, rows: rows, columns: columns, gammaGradient: gammaGradient, betaGradient: betaGradient,
                addingInto: inputGradient, accumulate: accumulate)
        }
    }
    @inlinable public static func batchNormStatistics(
        _ input: UnsafePointer<Self>, rows: Int, columns: Int, epsilon: Self, momentum: Self,
        mean: UnsafeMutablePointer<Self>, inverseStandardDeviation: UnsafeMutablePointer<Self>,
        runningMean: UnsafeMutablePointer<Self>, runningVariance: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.normalization, work: rows * columns) {
            Normalization.batchNormStatistics(
                input, rows: rows, columns: columns, epsilon: epsilon, momentum: momentum, mean: mean,
                inverseStandardDeviation: inverseStandardDeviation, runningMean: runningMean, runningVariance: runningVariance)
        }
    }
    @inlinable public static func inverseStandardDeviation(_ variance: UnsafePointer<Self>, epsilon: Self, into inverse: UnsafeMutablePointer<Self>, count: Int) {
        KernelProfiler.measure(.normalization, work: count) { Normalization.inverseStandardDeviation(variance, epsilon: epsilon, into: inverse, count: count) }
    }
    @inlinable public static func applyChannelAffine(
        _ input: UnsafePointer<Self>, rows: Int, columns: Int, scale: UnsafePointer<Self>, shift: UnsafePointer<Self>, rectify: Bool,
        output: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.normalization, work: rows * columns) {
            Normalization.applyChannelAffine(input, rows: rows, columns: columns, scale: scale, shift: shift, rectify: rectify, output: output)
        }
    }
    @inlinable public static func batchNormApply(
        _ input: UnsafePointer<Self>, rows: Int, columns: Int, mean: UnsafePointer<Self>, inverseStandardDeviation: UnsafePointer<Self>,
        gamma: UnsafePointer<Self>, beta: UnsafePointer<Self>, rectify: Bool, output: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.normalization, work: rows * columns) {
            Normalization.batchNormApply(
                input, rows: rows, columns: columns, mean: mean, inverseStandardDeviation: inverseStandardDeviation,
                gamma: gamma, beta: beta, rectify: rectify, output: output)
        }
    }
    @inlinable public static func batchNormBackward(
        _ input: UnsafePointer<Self>, outputGradient: UnsafePointer<Self>, rows: Int, columns: Int,
        mean: UnsafePointer<Self>, inverseStandardDeviation: UnsafePointer<Self>, gamma: UnsafePointer<Self>,
        gammaGradient: UnsafeMutablePointer<Self>, betaGradient: UnsafeMutablePointer<Self>, rectifiedOutput: UnsafePointer<Self>?,
        addingInto inputGradient: UnsafeMutablePointer<Self>?, accumulate: Bool, batchStatistics: Bool
    ) {
        KernelProfiler.measure(.normalizationBackward, work: rows * columns) {
            Normalization.batchNormBackward(
                input, outputGradient: outputGradient, rows: rows, columns: columns, mean: mean,
                inverseStandardDeviation: inverseStandardDeviation, gamma: gamma, gammaGradient: gammaGradient,
                betaGradient: betaGradient, rectifiedOutput: rectifiedOutput, addingInto: inputGradient, accumulate: accumulate,
                batchStatistics: batchStatistics)
        }
    }
    @inlinable public static func rowDots(
        _ rows: UnsafePointer<Self>, count: Int, width: Int, rowStride: Int, vector: UnsafePointer<Self>, bias: Self,
        into scores: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.rowProducts, work: count * width) {
            RowProducts.rowDots(rows, count: count, width: width, rowStride: rowStride, vector: vector, bias: bias, into: scores)
        }
    }
    @inlinable public static func rowDots(
        _ rows: UnsafePointer<Self>, count: Int, width: Int, rowStride: Int, vectors: UnsafePointer<Self>, vectorCount: Int,
        vectorStride: Int, bias: Self, into scores: UnsafeMutablePointer<Self>, scoreStride: Int
    ) {
        KernelProfiler.measure(.rowProducts, work: count * width * vectorCount) {
            RowProducts.rowDots(rows, count: count, width: width, rowStride: rowStride, vectors: vectors, vectorCount: vectorCount,
                                vectorStride: vectorStride, bias: bias, into: scores, scoreStride: scoreStride)
        }
    }
    @inlinable public static func addWeightedRowSum(
        weights: UnsafePointer<Self>, rows: UnsafePointer<Self>, count: Int, width: Int, rowStride: Int, into accumulator: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.rowProducts, work: count * width) {
            RowProducts.addWeightedSum(weights: weights, rows: rows, count: count, width: width, rowStride: rowStride, into: accumulator)
        }
    }
    @inlinable public static func addOuterProduct(
        weights: UnsafePointer<Self>, vector: UnsafePointer<Self>, count: Int, width: Int, rowStride: Int, into target: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.rowProducts, work: count * width) {
            RowProducts.addOuterProduct(weights: weights, vector: vector, count: count, width: width, rowStride: rowStride, into: target)
        }
    }
    @inlinable public static func outerProduct(
        weights: UnsafePointer<Self>, vector: UnsafePointer<Self>, count: Int, width: Int, rowStride: Int, into target: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.rowProducts, work: count * width) {
            RowProducts.addOuterProduct(weights: weights, vector: vector, count: count, width: width, rowStride: rowStride, into: target,
                                        accumulate: false)
        }
    }
    @inlinable public static func tanhScoreBackward(
        scoreGradient: UnsafePointer<Self>, vector: UnsafePointer<Self>, squashed: UnsafePointer<Self>,
        count: Int, width: Int, into target: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.rowProducts, work: count * width) {
            RowProducts.tanhScoreBackward(scoreGradient: scoreGradient, vector: vector, squashed: squashed, count: count, width: width, into: target)
        }
    }
    @inlinable public static func padSeries(
        _ input: UnsafePointer<Self>, batch: Int, time: Int, channels: Int, before: Int, after: Int,
        into padded: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.convolutionLayout, work: batch * (before + time + after) * channels) {
            Convolution.padSeries(input, batch: batch, time: time, channels: channels, before: before, after: after, into: padded)
        }
    }
    @inlinable public static func windowWeights(
        _ weight: UnsafePointer<Self>, outputChannels: Int, channels: Int, kernel: Int, flipped: Bool,
        into target: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.convolutionLayout, work: outputChannels * channels * kernel) {
            Convolution.windowWeights(weight, outputChannels: outputChannels, channels: channels, kernel: kernel, flipped: flipped, into: target)
        }
    }
    @inlinable public static func addWindowWeightGradient(
        _ windowGradients: UnsafePointer<Self>, parts: Int, outputChannels: Int, channels: Int, kernel: Int,
        into gradient: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.convolutionLayout, work: parts * outputChannels * channels * kernel) {
            Convolution.addWindowWeightGradient(windowGradients, parts: parts, outputChannels: outputChannels, channels: channels, kernel: kernel, into: gradient)
        }
    }
    @inlinable public static func lstmCellForward(
        gates: UnsafeMutablePointer<Self>, previousCell: UnsafePointer<Self>, cell: UnsafeMutablePointer<Self>,
        tanhCell: UnsafeMutablePointer<Self>, hidden: UnsafeMutablePointer<Self>, batch: Int, hiddenSize: Int
    ) {
        KernelProfiler.measure(.lstmCellForward, work: batch * hiddenSize) { LSTMCell.forward(gates: gates, previousCell: previousCell, cell: cell, tanhCell: tanhCell, hidden: hidden, batch: batch, hiddenSize: hiddenSize) }
    }
    @inlinable public static func lstmCellBackward(
        gates: UnsafeMutablePointer<Self>, previousCell: UnsafePointer<Self>, tanhCell: UnsafePointer<Self>,
        hiddenGradient: UnsafePointer<Self>, cellGradient: UnsafeMutablePointer<Self>, batch: Int, hiddenSize: Int,
        gateSums: UnsafeMutablePointer<Self>?, scalarInput: UnsafePointer<Self>?, scalarInputWeightGradient: UnsafeMutablePointer<Self>?
    ) {
        KernelProfiler.measure(.lstmCellBackward, work: batch * hiddenSize) {
            LSTMCell.backward(gates: gates, previousCell: previousCell, tanhCell: tanhCell, hiddenGradient: hiddenGradient, cellGradient: cellGradient,
                              batch: batch, hiddenSize: hiddenSize, gateSums: gateSums, scalarInput: scalarInput,
                              scalarInputWeightGradient: scalarInputWeightGradient)
        }
        }
    }

extension TensorScalar {
    @inlinable public static func adamUpdate(
        parameters: UnsafeMutablePointer<Self>, gradients: UnsafePointer<Self>, firstMoment: UnsafeMutablePointer<Self>,
        secondMoment: UnsafeMutablePointer<Self>, count: Int, coefficients: AdamCoefficients<Self>
    ) {
        OptimizerKernels.adam(parameters: parameters, gradients: gradients, firstMoment: firstMoment, secondMoment: secondMoment,
                              count: count, coefficients: coefficients)
    }
    @inlinable public static func sgdUpdate(
        parameters: UnsafeMutablePointer<Self>, gradients: UnsafePointer<Self>, momentumBuffer: UnsafeMutablePointer<Self>,
        count: Int, learningRate: Self, momentum: Self, weightDecay: Self, firstStep: Bool
    ) {
        OptimizerKernels.sgd(parameters: parameters, gradients: gradients, momentumBuffer: momentumBuffer, count: count,
                             learningRate: learningRate, momentum: momentum, weightDecay: weightDecay, firstStep: firstStep)
    }
    @inlinable public static func scale(_ values: UnsafeMutablePointer<Self>, by factor: Self, count: Int) {
        OptimizerKernels.scale(values, by: factor, count: count)
    }
    @inlinable public static func transpose(
        _ source: UnsafePointer<Self>, sourceRowStride: Int, rows: Int, columns: Int, scale factor: Self,
        into target: UnsafeMutablePointer<Self>
    ) {
        for row in 0..<rows {
            for column in 0..<columns { target[column * rows + row] = factor * source[row * sourceRowStride + column] }
        }
    }
}

extension Float: TensorScalar {
    @inlinable
    public static func blasGEMM(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    @inlinable
    public static func smallMultiplyAdd(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        KernelProfiler.measure(k < 8 ? .thinSmallGEMM : .smallGEMM, work: 2 * m * n * k) {
            SmallGEMM.multiplyAdd(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
        }
    }

    @inlinable
    public static func smallMultiplyAddTransposedA(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        KernelProfiler.measure(.smallGEMMTransposedA, work: 2 * m * n * k) {
            SmallGEMM.multiplyAddTransposedA(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
        }
    }

    @inlinable
    public static func smallMultiplyPairAddingBias(
        m: Int, n: Int, leadingK: Int, leadingA: UnsafePointer<Float>, leadingLDA: Int, leadingB: UnsafePointer<Float>, leadingLDB: Int,
        k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        KernelProfiler.measure(.smallGEMM, work: 2 * m * n * (leadingK + k)) {
            SmallGEMM.multiplyAddingBias(
                m: m, n: n, leading: SmallGEMM.LeadingProduct(k: leadingK, a: leadingA, lda: leadingLDA, b: leadingB, ldb: leadingLDB),
                k: k, a: a, lda: lda, b: b, ldb: ldb, bias: bias, c: c, ldc: ldc)
        }
    }

    @inlinable
    public static func smallMultiplyAddingBias(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        KernelProfiler.measure(k < 8 ? .thinSmallGEMM : .smallGEMM, work: 2 * m * n * k) {
            SmallGEMM.multiplyAddingBias(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, bias: bias, c: c, ldc: ldc)
        }
    }

    // The transcendental chains in C (CKernels): the Swift SIMD16 versions measured 1.3–2× slower.
    @inlinable public static func lstmCellForward(
        gates: UnsafeMutablePointer<Float>, previousCell: UnsafePointer<Float>, cell: UnsafeMutablePointer<Float>,
        tanhCell: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>, batch: Int, hiddenSize: Int
    ) {
        KernelProfiler.measure(.lstmCellForward, work: batch * hiddenSize) {
            serieslens_lstm_cell_forward_f32(gates, previousCell, cell, tanhCell, hidden, batch, hiddenSize)
        }
    }
    @inlinable public static func lstmCellBackward(
        gates: UnsafeMutablePointer<Float>, previousCell: UnsafePointer<Float>, tanhCell: UnsafePointer<Float>,
        hiddenGradient: UnsafePointer<Float>, cellGradient: UnsafeMutablePointer<Float>, batch: Int, hiddenSize: Int,
        gateSums: UnsafeMutablePointer<Float>?, scalarInput: UnsafePointer<Float>?, scalarInputWeightGradient: UnsafeMutablePointer<Float>?
    ) {
        KernelProfiler.measure(.lstmCellBackward, work: batch * hiddenSize) {
            serieslens_lstm_cell_backward_f32(gates, previousCell, tanhCell, hiddenGradient, cellGradient, batch, hiddenSize,
                                              gateSums, scalarInput, scalarInputWeightGradient)
        }
    }
    @inlinable public static func rowDots(
        _ rows: UnsafePointer<Float>, count: Int, width: Int, rowStride: Int, vectors: UnsafePointer<Float>, vectorCount: Int,
        vectorStride: Int, bias: Float, into scores: UnsafeMutablePointer<Float>, scoreStride: Int
    ) {
        KernelProfiler.measure(.rowProducts, work: count * width * vectorCount) {
            if serieslens_row_dots_f32(rows, count, width, rowStride, vectors, vectorCount, vectorStride, bias, scores, scoreStride) == 0 {
                RowProducts.rowDots(rows, count: count, width: width, rowStride: rowStride, vectors: vectors, vectorCount: vectorCount,
                                    vectorStride: vectorStride, bias: bias, into: scores, scoreStride: scoreStride)
            }
        }
    }
    @inlinable public static func applyChannelAffine(
        _ input: UnsafePointer<Float>, rows: Int, columns: Int, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, rectify: Bool,
        output: UnsafeMutablePointer<Float>
    ) {
        KernelProfiler.measure(.normalization, work: rows * columns) {
            serieslens_channel_affine_f32(input, rows, columns, scale, shift, rectify ? 1 : 0, output)
        }
    }
    @inlinable public static func sigmoid(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        KernelProfiler.measure(.activation, work: count) { serieslens_sigmoid_f32(input, output, count) }
    }
    @inlinable public static func tanh(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        KernelProfiler.measure(.activation, work: count) { serieslens_tanh_f32(input, output, count) }
    }
    @inlinable public static func softmaxRows(_ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        KernelProfiler.measure(.softmax, work: rows * columns) { serieslens_softmax_rows_f32(matrix, rows, columns) }
    }

    @inlinable @inline(__always)
    public static func vectorExp(_ x: SIMD16<Float>) -> SIMD16<Float> { VectorMath.exp(x) }
    // On the concrete type this is two vmaxps; through generic code it went lane by lane.
    @inlinable @inline(__always)
    public static func vectorMaximum(_ x: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<Float> { x.replacing(with: y, where: y .> x) }
    @inlinable @inline(__always)
    public static func vectorSigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> { VectorMath.sigmoid(x) }
    @inlinable @inline(__always)
    public static func vectorTanh(_ x: SIMD16<Float>) -> SIMD16<Float> { VectorMath.tanh(x) }

    @inlinable public static func scalarExp(_ x: Float) -> Float { Foundation.exp(x) }
    @inlinable public static func scalarLog(_ x: Float) -> Float { Foundation.log(x) }
    @inlinable public static func scalarLog1p(_ x: Float) -> Float { Foundation.log1p(x) }
    @inlinable public static func scalarTanh(_ x: Float) -> Float { Foundation.tanh(x) }
}

/// Double runs lane by lane through libm: it exists for exact references and gradient checks, where
/// accuracy matters and speed does not.
extension Double: TensorScalar {
    @inlinable
    public static func blasGEMM(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    @inlinable
    public static func vectorMaximum(_ x: SIMD16<Double>, _ y: SIMD16<Double>) -> SIMD16<Double> { x.replacing(with: y, where: y .> x) }

    @inlinable
    public static func vectorExp(_ x: SIMD16<Double>) -> SIMD16<Double> {
        var result = x
        for lane in x.indices { result[lane] = Foundation.exp(x[lane]) }
        return result
    }

    @inlinable
    public static func vectorSigmoid(_ x: SIMD16<Double>) -> SIMD16<Double> {
        var result = x
        for lane in x.indices { result[lane] = 1 / (1 + Foundation.exp(-x[lane])) }
        return result
    }

    @inlinable
    public static func vectorTanh(_ x: SIMD16<Double>) -> SIMD16<Double> {
        var result = x
        for lane in x.indices { result[lane] = Foundation.tanh(x[lane]) }
        return result
    }

    @inlinable public static func scalarExp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func scalarLog(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func scalarLog1p(_ x: Double) -> Double { Foundation.log1p(x) }
    @inlinable public static func scalarTanh(_ x: Double) -> Double { Foundation.tanh(x) }
}
