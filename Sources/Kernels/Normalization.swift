import Foundation

/// Normalisation kernels over row-major (rows, columns) matrices: layer normalisation normalises each
/// row (the features of one time step), batch normalisation each column (one channel over all B·T
/// rows). Statistics use two passes (mean, then squared deviations), which keeps the variance
/// accurate when the mean is large compared with the spread.
public enum Normalization {
    /// Layer normalisation of each row, PyTorch `nn.LayerNorm(columns, eps)`:
    ///   μ = mean(x),  σ² = mean((x − μ)²) (biased),  x̂ = (x − μ)/√(σ² + ε),  y = x̂ ⊙ γ + β.
    /// Keeps x̂ (rows × columns) and 1/√(σ² + ε) (rows) for the backward pass. `output` may alias
    /// `input`; `normalized` may alias neither.
    @inlinable
    public static func layerNormForward<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, rows: Int, columns: Int, epsilon: Scalar,
        gamma: UnsafePointer<Scalar>, beta: UnsafePointer<Scalar>,
        normalized: UnsafeMutablePointer<Scalar>, inverseStandardDeviation: UnsafeMutablePointer<Scalar>,
        output: UnsafeMutablePointer<Scalar>
    ) {
        guard columns > 0 else { return }
        let count = Scalar(columns)
        // Rows are independent: the halves go to two threads when allowed.
        splitRows(rows) { half in
        for row in half {
            let x = input + row * columns, xHat = normalized + row * columns, y = output + row * columns
            let mean = SIMD16<Scalar>(repeating: Elementwise.sum(x, count: columns) / count)
            var squares = SIMD16<Scalar>()
            var index = 0
            while index < columns {
                let lanes = min(16, columns - index)
                var deviation = Elementwise.load(x + index, count: lanes) - mean
                if lanes < 16 { for lane in lanes..<16 { deviation[lane] = 0 } }
                squares.addProduct(deviation, deviation)
                index += 16
            }
            let inverse = 1 / (squares.sum() / count + epsilon).squareRoot()
            inverseStandardDeviation[row] = inverse
            let scale = SIMD16<Scalar>(repeating: inverse)
            index = 0
            while index < columns {
                let lanes = min(16, columns - index)
                let normalizedRow = (Elementwise.load(x + index, count: lanes) - mean) * scale
                Elementwise.store(normalizedRow, xHat + index, count: lanes)
                let affine = normalizedRow * Elementwise.load(gamma + index, count: lanes) + Elementwise.load(beta + index, count: lanes)
                Elementwise.store(affine, y + index, count: lanes)
                index += 16
            }
        }
        }
    }

    /// Backward of `layerNormForward`. With g = ∂L/∂y and ĝ = g ⊙ γ, per row of n columns:
    ///   ∂L/∂γ += Σ_rows g ⊙ x̂,   ∂L/∂β += Σ_rows g,
    ///   ∂L/∂x += (1/σ̃) · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂))      (σ̃ = √(σ² + ε))
    /// (x̂ depends on x through μ and σ̃; the two means are the projections those remove).
    /// With `accumulate` false ∂L/∂x is written, not added to (its old contents ignored).
    @inlinable
    public static func layerNormBackward<Scalar: TensorScalar>(
        normalized: UnsafePointer<Scalar>, inverseStandardDeviation: UnsafePointer<Scalar>,
        outputGradient: UnsafePointer<Scalar>, gamma: UnsafePointer<Scalar>, rows: Int, columns: Int,
        gammaGradient: UnsafeMutablePointer<Scalar>, betaGradient: UnsafeMutablePointer<Scalar>,
        addingInto inputGradient: UnsafeMutablePointer<Scalar>?, accumulate: Bool = true
    ) {
        guard columns > 0 else { return }
        let count = Scalar(columns)
        // ∂γ and ∂β are summed per half of the rows (two threads when allowed) and the halves added
        // in a fixed order, so the thread count never changes a bit; the rows' ∂x are independent.
        withHalfSums(columns: columns, count: 2) { (partials: UnsafeMutablePointer<Scalar>, stride) in
            Parallelism.forBothHalves(rows) { half, part in
                let gammaSums = partials + part * stride, betaSums = partials + (2 + part) * stride
                for row in half {
                    let xHat = normalized + row * columns, g = outputGradient + row * columns
                    var gradientSum = SIMD16<Scalar>(), projectionSum = SIMD16<Scalar>()
                    var index = 0
                    while index < columns {
                        let lanes = min(16, columns - index)
                        let gradient = Elementwise.load(g + index, count: lanes)
                        let normalizedRow = Elementwise.load(xHat + index, count: lanes)
                        Elementwise.store(Elementwise.load(gammaSums + index, count: lanes).addingProduct(gradient, normalizedRow), gammaSums + index, count: lanes)
                        Elementwise.store(Elementwise.load(betaSums + index, count: lanes) + gradient, betaSums + index, count: lanes)
                        let scaled = gradient * Elementwise.load(gamma + index, count: lanes)  // tail lanes are 0
                        gradientSum += scaled
                        projectionSum.addProduct(scaled, normalizedRow)
                        index += 16
                    }
                    guard let inputGradient else { continue }
                    let meanGradient = SIMD16<Scalar>(repeating: gradientSum.sum() / count)
                    let meanProjection = SIMD16<Scalar>(repeating: projectionSum.sum() / count)
                    let inverse = SIMD16<Scalar>(repeating: inverseStandardDeviation[row])
                    let dx = inputGradient + row * columns
                    index = 0
                    while index < columns {
                        let lanes = min(16, columns - index)
                        let scaled = Elementwise.load(g + index, count: lanes) * Elementwise.load(gamma + index, count: lanes)
                        let normalizedRow = Elementwise.load(xHat + index, count: lanes)
                        let update = inverse * (scaled - meanGradient - normalizedRow * meanProjection)
                        Elementwise.store(accumulate ? Elementwise.load(dx + index, count: lanes) + update : update, dx + index, count: lanes)
                        index += 16
                    }
                }
            }
            Elementwise.forEachBlock(columns) { offset, lanes in
                let gammaSum = Elementwise.load(partials + offset, count: lanes) + Elementwise.load(partials + stride + offset, count: lanes)
                let betaSum = Elementwise.load(partials + 2 * stride + offset, count: lanes) + Elementwise.load(partials + 3 * stride + offset, count: lanes)
                Elementwise.store(Elementwise.load(gammaGradient + offset, count: lanes) + gammaSum, gammaGradient + offset, count: lanes)
                Elementwise.store(Elementwise.load(betaGradient + offset, count: lanes) + betaSum, betaGradient + offset, count: lanes)
            }
        }
    }

    /// Layer normalisation's rows in two halves, on two threads when allowed and worthwhile (a pass
    /// over B·T rows; rows are independent, so the split never changes a bit).
    @inlinable @inline(__always)
    static func splitRows(_ rows: Int, _ body: (Range<Int>) -> Void) {
        if rows >= 256 {
            Parallelism.splitInHalves(rows) { half, _ in body(half) }
        } else {
            body(0..<rows)
        }
    }

    /// Per-column batch statistics of a (rows, columns) matrix, PyTorch `BatchNorm1d` in training:
    ///   μ_j = mean_i x_ij,  σ²_j = mean_i (x_ij − μ_j)² (biased, used to normalise),
    ///   inverseStandardDeviation_j = 1/√(σ²_j + ε),
    ///   running_mean ← (1 − m)·running_mean + m·μ,
    ///   running_var  ← (1 − m)·running_var  + m·σ²·rows/(rows − 1)   (unbiased, as PyTorch; with one
    ///   row PyTorch's unbiased variance is NaN, and so is ours).
    /// Every pass walks whole rows (contiguous) and sums each half of the rows apart, on two threads
    /// when allowed; the halves are added in a fixed order, so the thread count never changes a bit.
    @inlinable
    public static func batchNormStatistics<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, rows: Int, columns: Int, epsilon: Scalar, momentum: Scalar,
        mean: UnsafeMutablePointer<Scalar>, inverseStandardDeviation: UnsafeMutablePointer<Scalar>,
        runningMean: UnsafeMutablePointer<Scalar>, runningVariance: UnsafeMutablePointer<Scalar>
    ) {
        let count = Scalar(max(rows, 1))
        let unbiasing = rows > 1 ? Scalar(rows) / Scalar(rows - 1) : Scalar.nan
        withHalfSums(columns: columns, count: 1) { (partials: UnsafeMutablePointer<Scalar>, stride) in
            sumHalves(rows: rows, columns: columns, partials: partials, stride: stride) { row, offset, lanes, sums in
                Elementwise.store(Elementwise.load(sums, count: lanes) + Elementwise.load(input + row * columns + offset, count: lanes), sums, count: lanes)
            }
            Elementwise.forEachBlock(columns) { offset, lanes in
                let total = Elementwise.load(partials + offset, count: lanes) + Elementwise.load(partials + stride + offset, count: lanes)
                Elementwise.store(total / SIMD16<Scalar>(repeating: count), mean + offset, count: lanes)
            }
            zeroScalars(partials, count: 2 * stride)
            sumHalves(rows: rows, columns: columns, partials: partials, stride: stride) { row, offset, lanes, sums in
                let deviation = Elementwise.load(input + row * columns + offset, count: lanes) - Elementwise.load(mean + offset, count: lanes)
                Elementwise.store(Elementwise.load(sums, count: lanes).addingProduct(deviation, deviation), sums, count: lanes)
            }
            let keep = SIMD16<Scalar>(repeating: 1 - momentum), take = SIMD16<Scalar>(repeating: momentum)
            Elementwise.forEachBlock(columns) { offset, lanes in
                let squares = Elementwise.load(partials + offset, count: lanes) + Elementwise.load(partials + stride + offset, count: lanes)
                let variance = squares / SIMD16<Scalar>(repeating: count)
                let inverse = SIMD16<Scalar>(repeating: 1) / (variance + SIMD16<Scalar>(repeating: epsilon)).squareRoot()
                Elementwise.store(inverse, inverseStandardDeviation + offset, count: lanes)
                let average = Elementwise.load(mean + offset, count: lanes)
                Elementwise.store(Elementwise.load(runningMean + offset, count: lanes) * keep + average * take, runningMean + offset, count: lanes)
                let unbiased = variance * SIMD16<Scalar>(repeating: unbiasing)
                Elementwise.store(Elementwise.load(runningVariance + offset, count: lanes) * keep + unbiased * take, runningVariance + offset, count: lanes)
            }
        }
    }

    /// Runs `body` with zeroed scratch for `count` per-column sums of each of two row halves, half h's
    /// sum k at partials + (k·2 + h)·stride. The stride leaves at least 64 bytes between sums, so the
    /// two threads never write the same cache line (false sharing made a two-thread batch-norm
    /// forward slower than one thread).
    @inlinable
    static func withHalfSums<Scalar: TensorScalar>(
        columns: Int, count: Int, _ body: (_ partials: UnsafeMutablePointer<Scalar>, _ stride: Int) -> Void
    ) {
        let stride = (columns + 15) / 16 * 16 + 64 / MemoryLayout<Scalar>.stride
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: 2 * count * stride) { scratch in
            zeroScalars(scratch.baseAddress!, count: 2 * count * stride)
            body(scratch.baseAddress!, stride)
        }
    }

    /// For each half h of the rows (two threads when allowed): body(row, offset, lanes, partials + h·stride + offset)
    /// for every row of the half and every 16-column block.
    @inlinable @inline(__always)
    static func sumHalves<Scalar: TensorScalar>(
        rows: Int, columns: Int, partials: UnsafeMutablePointer<Scalar>, stride: Int,
        _ body: (_ row: Int, _ offset: Int, _ lanes: Int, _ sums: UnsafeMutablePointer<Scalar>) -> Void
    ) {
        Parallelism.forBothHalves(rows) { half, part in
            let sums = partials + part * stride
            for row in half {
                Elementwise.forEachBlock(columns) { offset, lanes in body(row, offset, lanes, sums + offset) }
            }
        }
    }

    @inlinable @inline(__always)
    static func zeroScalars<Scalar: TensorScalar>(_ pointer: UnsafeMutablePointer<Scalar>, count: Int) {
        UnsafeMutableRawPointer(pointer).initializeMemory(as: UInt8.self, repeating: 0, count: count * MemoryLayout<Scalar>.stride)
    }

    /// inverse_j = 1/√(variance_j + ε) (evaluation mode: from the running variance).
    @inlinable
    public static func inverseStandardDeviation<Scalar: TensorScalar>(
        _ variance: UnsafePointer<Scalar>, epsilon: Scalar, into inverse: UnsafeMutablePointer<Scalar>, count: Int
    ) {
        let eps = SIMD16<Scalar>(repeating: epsilon)
        Elementwise.map(variance, inverse, count: count) { SIMD16<Scalar>(repeating: 1) / ($0 + eps).squareRoot() }
    }

    /// y_ij = (x_ij − μ_j)·inverse_j·γ_j + β_j, or max(y_ij, 0) when `rectify` (a ReLU folded into the
    /// batch norm: one pass instead of two, the same bits). `output` may alias `input`.
    @inlinable
    public static func batchNormApply<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, rows: Int, columns: Int,
        mean: UnsafePointer<Scalar>, inverseStandardDeviation: UnsafePointer<Scalar>,
        gamma: UnsafePointer<Scalar>, beta: UnsafePointer<Scalar>, rectify: Bool = false, output: UnsafeMutablePointer<Scalar>
    ) {
        withHalfSums(columns: columns, count: 1) { (coefficients: UnsafeMutablePointer<Scalar>, _) in
            let scale = coefficients, shift = coefficients + columns
            batchNormCoefficients(mean: mean, inverseStandardDeviation: inverseStandardDeviation, gamma: gamma, beta: beta,
                                  columns: columns, scale: scale, shift: shift)
            Parallelism.splitInHalves(rows) { half, _ in
                applyChannelAffine(input + half.lowerBound * columns, rows: half.count, columns: columns, scale: scale, shift: shift,
                                   rectify: rectify, output: output + half.lowerBound * columns)
            }
        }
    }

    /// The batch norm as one affine map per column: scale_j = inverse_j·γ_j, shift_j = β_j − μ_j·scale_j.
    @inlinable
    public static func batchNormCoefficients<Scalar: TensorScalar>(
        mean: UnsafePointer<Scalar>, inverseStandardDeviation: UnsafePointer<Scalar>, gamma: UnsafePointer<Scalar>,
        beta: UnsafePointer<Scalar>, columns: Int, scale: UnsafeMutablePointer<Scalar>, shift: UnsafeMutablePointer<Scalar>
    ) {
        for column in 0..<columns {
            scale[column] = inverseStandardDeviation[column] * gamma[column]
            shift[column] = beta[column] - mean[column] * scale[column]
        }
    }

    /// y_ij = shift_j + x_ij·scale_j in one FMA, then max(y_ij, 0) when `rectify`; on this thread.
    /// `batchNormApply` runs it, and a convolution that applies an evaluation batch norm to its own
    /// output in place (`Conv1D.outputAffine`) runs it or, for Float, `serieslens_channel_affine_f32`
    /// (LLVM vectorises these loops only out of place), which gives the same bits. `output` may
    /// alias `input`.
    @inlinable
    public static func applyChannelAffine<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, rows: Int, columns: Int, scale: UnsafePointer<Scalar>, shift: UnsafePointer<Scalar>,
        rectify: Bool, output: UnsafeMutablePointer<Scalar>
    ) {
        // Plain loops over the columns, which LLVM vectorises (its selects included; SIMD16 lane
        // selects compile to spills). NaN < 0 is false, so NaN passes as through PyTorch's ReLU.
        for row in 0..<rows {
            let x = input + row * columns, y = output + row * columns
            if rectify {
                for column in 0..<columns {
                    let value = shift[column].addingProduct(x[column], scale[column])
                    y[column] = value < 0 ? 0 : value
                }
            } else {
                for column in 0..<columns { y[column] = shift[column].addingProduct(x[column], scale[column]) }
            }
        }
    }

    /// Backward of `batchNormApply` with x̂ = (x − μ)·inverse. Always:
    ///   ∂L/∂γ_j += Σ_i g_ij x̂_ij,   ∂L/∂β_j += Σ_i g_ij.
    /// In training the statistics depend on x (N = rows):
    ///   ∂L/∂x_ij += γ_j·inverse_j/N · (N·g_ij − Σ_i g_ij − x̂_ij·Σ_i g_ij x̂_ij);
    /// in evaluation they are constants: ∂L/∂x_ij += g_ij·γ_j·inverse_j.
    /// With `rectifiedOutput` (the output of a forward with `rectify`) g is the gradient of the
    /// rectified output, and g_ij counts only where that output is > 0 (the folded ReLU's backward).
    /// With `accumulate` false the input gradient is written, not added to (its old contents ignored).
    /// The column sums are taken per half of the rows as in `batchNormStatistics`.
    @inlinable
    public static func batchNormBackward<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>, rows: Int, columns: Int,
        mean: UnsafePointer<Scalar>, inverseStandardDeviation: UnsafePointer<Scalar>, gamma: UnsafePointer<Scalar>,
        gammaGradient: UnsafeMutablePointer<Scalar>, betaGradient: UnsafeMutablePointer<Scalar>,
        rectifiedOutput: UnsafePointer<Scalar>? = nil,
        addingInto inputGradient: UnsafeMutablePointer<Scalar>?, accumulate: Bool = true, batchStatistics: Bool
    ) {
        let count = SIMD16<Scalar>(repeating: Scalar(max(rows, 1)))
        // Scratch: the two halves' Σg (partials, partials + stride) and Σg·x̂ (+ 2·stride, + 3·stride).
        withHalfSums(columns: columns, count: 2) { (partials: UnsafeMutablePointer<Scalar>, stride) in
            Parallelism.forBothHalves(rows) { half, part in
                let gradientSums = partials + part * stride, projectionSums = partials + (2 + part) * stride
                withRowGradients(outputGradient, rectifiedOutput: rectifiedOutput, rows: half, columns: columns) { row, rowGradient in
                    Elementwise.forEachBlock(columns) { offset, lanes in
                        let index = row * columns + offset
                        let g = Elementwise.load(rowGradient + offset, count: lanes)
                        let normalized = (Elementwise.load(input + index, count: lanes) - Elementwise.load(mean + offset, count: lanes))
                            * Elementwise.load(inverseStandardDeviation + offset, count: lanes)
                        Elementwise.store(Elementwise.load(gradientSums + offset, count: lanes) + g, gradientSums + offset, count: lanes)
                        Elementwise.store(Elementwise.load(projectionSums + offset, count: lanes).addingProduct(g, normalized),
                                          projectionSums + offset, count: lanes)
                    }
                }
            }
            // Add the halves; the parameter gradients; keep the two means for the input gradient.
            let meanGradient = partials, meanProjection = partials + 2 * stride
            Elementwise.forEachBlock(columns) { offset, lanes in
                let g = Elementwise.load(partials + offset, count: lanes) + Elementwise.load(partials + stride + offset, count: lanes)
                let p = Elementwise.load(partials + 2 * stride + offset, count: lanes) + Elementwise.load(partials + 3 * stride + offset, count: lanes)
                Elementwise.store(g / count, meanGradient + offset, count: lanes)
                Elementwise.store(p / count, meanProjection + offset, count: lanes)
                Elementwise.store(Elementwise.load(gammaGradient + offset, count: lanes) + p, gammaGradient + offset, count: lanes)
                Elementwise.store(Elementwise.load(betaGradient + offset, count: lanes) + g, betaGradient + offset, count: lanes)
            }
            guard let inputGradient else { return }
            Parallelism.splitInHalves(rows) { half, _ in
                withRowGradients(outputGradient, rectifiedOutput: rectifiedOutput, rows: half, columns: columns) { row, rowGradient in
                    Elementwise.forEachBlock(columns) { offset, lanes in
                        let index = row * columns + offset
                        let inverse = Elementwise.load(inverseStandardDeviation + offset, count: lanes)
                        let scale = Elementwise.load(gamma + offset, count: lanes) * inverse
                        var g = Elementwise.load(rowGradient + offset, count: lanes)
                        if batchStatistics {
                            let normalized = (Elementwise.load(input + index, count: lanes) - Elementwise.load(mean + offset, count: lanes)) * inverse
                            g = g - Elementwise.load(meanGradient + offset, count: lanes)
                                - normalized * Elementwise.load(meanProjection + offset, count: lanes)
                        }
                        let old = accumulate ? Elementwise.load(inputGradient + index, count: lanes) : SIMD16<Scalar>()
                        Elementwise.store(old.addingProduct(g, scale), inputGradient + index, count: lanes)
                    }
                }
            }
        }
    }

    /// body(row, g) for each row, with g the row of `outputGradient`, or a copy of it zeroed where
    /// `rectifiedOutput` is not > 0 (a plain select loop, which LLVM vectorises; SIMD16 lane selects
    /// compile to spills). The copy is one row, so it stays in L1.
    @inlinable @inline(__always)
    static func withRowGradients<Scalar: TensorScalar>(
        _ outputGradient: UnsafePointer<Scalar>, rectifiedOutput: UnsafePointer<Scalar>?, rows: Range<Int>, columns: Int,
        _ body: (_ row: Int, _ rowGradient: UnsafePointer<Scalar>) -> Void
    ) {
        guard let rectifiedOutput else {
            for row in rows { body(row, outputGradient + row * columns) }
            return
        }
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: columns) { scratch in
            let masked = scratch.baseAddress!
            for row in rows {
                let g = outputGradient + row * columns, output = rectifiedOutput + row * columns
                for column in 0..<columns {
                    let value = g[column]  // loaded unconditionally, else the select cannot vectorise
                    masked[column] = output[column] > 0 ? value : 0
                }
                body(row, masked)
            }
        }
    }
}
