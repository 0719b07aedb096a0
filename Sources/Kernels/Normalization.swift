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
        for row in 0..<rows {
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

    /// Backward of `layerNormForward`. With g = ∂L/∂y and ĝ = g ⊙ γ, per row of n columns:
    ///   ∂L/∂γ += Σ_rows g ⊙ x̂,   ∂L/∂β += Σ_rows g,
    ///   ∂L/∂x += (1/σ̃) · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂))      (σ̃ = √(σ² + ε))
    /// (x̂ depends on x through μ and σ̃; the two means are the projections those remove).
    @inlinable
    public static func layerNormBackward<Scalar: TensorScalar>(
        normalized: UnsafePointer<Scalar>, inverseStandardDeviation: UnsafePointer<Scalar>,
        outputGradient: UnsafePointer<Scalar>, gamma: UnsafePointer<Scalar>, rows: Int, columns: Int,
        gammaGradient: UnsafeMutablePointer<Scalar>, betaGradient: UnsafeMutablePointer<Scalar>,
        addingInto inputGradient: UnsafeMutablePointer<Scalar>?
    ) {
        guard columns > 0 else { return }
        let count = Scalar(columns)
        for row in 0..<rows {
            let xHat = normalized + row * columns, g = outputGradient + row * columns
            var gradientSum = SIMD16<Scalar>(), projectionSum = SIMD16<Scalar>()
            var index = 0
            while index < columns {
                let lanes = min(16, columns - index)
                let gradient = Elementwise.load(g + index, count: lanes)
                let normalizedRow = Elementwise.load(xHat + index, count: lanes)
                Elementwise.store(Elementwise.load(gammaGradient + index, count: lanes).addingProduct(gradient, normalizedRow), gammaGradient + index, count: lanes)
                Elementwise.store(Elementwise.load(betaGradient + index, count: lanes) + gradient, betaGradient + index, count: lanes)
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
                Elementwise.store(Elementwise.load(dx + index, count: lanes) + update, dx + index, count: lanes)
                index += 16
            }
        }
    }

    /// Per-column batch statistics of a (rows, columns) matrix, PyTorch `BatchNorm1d` in training:
    ///   μ_j = mean_i x_ij,  σ²_j = mean_i (x_ij − μ_j)² (biased, used to normalise),
    ///   inverseStandardDeviation_j = 1/√(σ²_j + ε),
    ///   running_mean ← (1 − m)·running_mean + m·μ,
    ///   running_var  ← (1 − m)·running_var  + m·σ²·rows/(rows − 1)   (unbiased, as PyTorch; with one
    ///   row PyTorch's unbiased variance is NaN, and so is ours).
    @inlinable
    public static func batchNormStatistics<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, rows: Int, columns: Int, epsilon: Scalar, momentum: Scalar,
        mean: UnsafeMutablePointer<Scalar>, inverseStandardDeviation: UnsafeMutablePointer<Scalar>,
        runningMean: UnsafeMutablePointer<Scalar>, runningVariance: UnsafeMutablePointer<Scalar>
    ) {
        let count = Scalar(rows)
        let unbiasing = rows > 1 ? count / Scalar(rows - 1) : Scalar.nan
        var column = 0
        while column < columns {
            let lanes = min(16, columns - column)
            var total = SIMD16<Scalar>()
            for row in 0..<rows { total += Elementwise.load(input + row * columns + column, count: lanes) }
            let average = total / SIMD16<Scalar>(repeating: max(count, 1))
            var squares = SIMD16<Scalar>()
            for row in 0..<rows {
                let deviation = Elementwise.load(input + row * columns + column, count: lanes) - average
                squares.addProduct(deviation, deviation)
            }
            let variance = squares / SIMD16<Scalar>(repeating: max(count, 1))
            let inverse = SIMD16<Scalar>(repeating: 1) / (variance + SIMD16<Scalar>(repeating: epsilon)).squareRoot()
            Elementwise.store(average, mean + column, count: lanes)
            Elementwise.store(inverse, inverseStandardDeviation + column, count: lanes)
            let keep = SIMD16<Scalar>(repeating: 1 - momentum), take = SIMD16<Scalar>(repeating: momentum)
            Elementwise.store(Elementwise.load(runningMean + column, count: lanes) * keep + average * take, runningMean + column, count: lanes)
            let unbiased = variance * SIMD16<Scalar>(repeating: unbiasing)
            Elementwise.store(Elementwise.load(runningVariance + column, count: lanes) * keep + unbiased * take, runningVariance + column, count: lanes)
            column += 16
        }
    }

    /// inverse_j = 1/√(variance_j + ε) (evaluation mode: from the running variance).
    @inlinable
    public static func inverseStandardDeviation<Scalar: TensorScalar>(
        _ variance: UnsafePointer<Scalar>, epsilon: Scalar, into inverse: UnsafeMutablePointer<Scalar>, count: Int
    ) {
        let eps = SIMD16<Scalar>(repeating: epsilon)
        Elementwise.map(variance, inverse, count: count) { SIMD16<Scalar>(repeating: 1) / ($0 + eps).squareRoot() }
    }

    /// y_ij = (x_ij − μ_j)·inverse_j·γ_j + β_j. `output` may alias `input`.
    @inlinable
    public static func batchNormApply<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, rows: Int, columns: Int,
        mean: UnsafePointer<Scalar>, inverseStandardDeviation: UnsafePointer<Scalar>,
        gamma: UnsafePointer<Scalar>, beta: UnsafePointer<Scalar>, output: UnsafeMutablePointer<Scalar>
    ) {
        var column = 0
        while column < columns {
            let lanes = min(16, columns - column)
            let scale = Elementwise.load(inverseStandardDeviation + column, count: lanes) * Elementwise.load(gamma + column, count: lanes)
            let shift = Elementwise.load(beta + column, count: lanes) - Elementwise.load(mean + column, count: lanes) * scale
            for row in 0..<rows {
                let offset = row * columns + column
                Elementwise.store(shift.addingProduct(Elementwise.load(input + offset, count: lanes), scale), output + offset, count: lanes)
            }
            column += 16
        }
    }

    /// Backward of `batchNormApply` with x̂ = (x − μ)·inverse. Always:
    ///   ∂L/∂γ_j += Σ_i g_ij x̂_ij,   ∂L/∂β_j += Σ_i g_ij.
    /// In training the statistics depend on x (N = rows):
    ///   ∂L/∂x_ij += γ_j·inverse_j/N · (N·g_ij − Σ_i g_ij − x̂_ij·Σ_i g_ij x̂_ij);
    /// in evaluation they are constants: ∂L/∂x_ij += g_ij·γ_j·inverse_j.
    @inlinable
    public static func batchNormBackward<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>, rows: Int, columns: Int,
        mean: UnsafePointer<Scalar>, inverseStandardDeviation: UnsafePointer<Scalar>, gamma: UnsafePointer<Scalar>,
        gammaGradient: UnsafeMutablePointer<Scalar>, betaGradient: UnsafeMutablePointer<Scalar>,
        addingInto inputGradient: UnsafeMutablePointer<Scalar>?, batchStatistics: Bool
    ) {
        let count = SIMD16<Scalar>(repeating: Scalar(max(rows, 1)))
        var column = 0
        while column < columns {
            let lanes = min(16, columns - column)
            let average = Elementwise.load(mean + column, count: lanes)
            let inverse = Elementwise.load(inverseStandardDeviation + column, count: lanes)
            var gradientSum = SIMD16<Scalar>(), projectionSum = SIMD16<Scalar>()
            for row in 0..<rows {
                let offset = row * columns + column
                let g = Elementwise.load(outputGradient + offset, count: lanes)
                gradientSum += g
                projectionSum.addProduct(g, (Elementwise.load(input + offset, count: lanes) - average) * inverse)
            }
            Elementwise.store(Elementwise.load(gammaGradient + column, count: lanes) + projectionSum, gammaGradient + column, count: lanes)
            Elementwise.store(Elementwise.load(betaGradient + column, count: lanes) + gradientSum, betaGradient + column, count: lanes)
            if let inputGradient {
                let scale = Elementwise.load(gamma + column, count: lanes) * inverse
                let meanGradient = gradientSum / count, meanProjection = projectionSum / count
                for row in 0..<rows {
                    let offset = row * columns + column
                    var g = Elementwise.load(outputGradient + offset, count: lanes)
                    if batchStatistics {
                        let normalized = (Elementwise.load(input + offset, count: lanes) - average) * inverse
                        g = g - meanGradient - normalized * meanProjection
                    }
                    Elementwise.store(Elementwise.load(inputGradient + offset, count: lanes).addingProduct(g, scale), inputGradient + offset, count: lanes)
                }
            }
            column += 16
        }
    }
}
