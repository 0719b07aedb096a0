/// Products with one vector over the rows of a (count, width) matrix: row dot products, the weighted
/// sum of the rows, a rank-1 update, and attention's gradient through its scorer and tanh, fused so
/// that each block is read once per use. Attention pooling does them per series (T rows of width D),
/// an LSTM with one input channel over all T·B rows of its gates. As BLAS GEMVs with one output
/// column they cost more in call overhead and packing than in arithmetic.
public enum RowProducts {
    /// scores[t] = bias + ⟨rows[t], vector⟩ for t in 0..<count; row t starts at rows + t·rowStride.
    @inlinable
    public static func rowDots<Scalar: TensorScalar>(
        _ rows: UnsafePointer<Scalar>, count: Int, width: Int, rowStride: Int, vector: UnsafePointer<Scalar>, bias: Scalar,
        into scores: UnsafeMutablePointer<Scalar>
    ) {
        for t in 0..<count {
            let row = rows + t * rowStride
            var sum = SIMD16<Scalar>()
            Elementwise.forEachBlock(width) { offset, lanes in
                sum.addProduct(Elementwise.load(row + offset, count: lanes), Elementwise.load(vector + offset, count: lanes))
            }
            scores[t] = bias + sum.sum()
        }
    }

    /// accumulator (width) += Σ_t weights[t]·rows[t], row t at rows + t·rowStride.
    @inlinable
    public static func addWeightedSum<Scalar: TensorScalar>(
        weights: UnsafePointer<Scalar>, rows: UnsafePointer<Scalar>, count: Int, width: Int, rowStride: Int,
        into accumulator: UnsafeMutablePointer<Scalar>
    ) {
        Elementwise.accumulateRows(rows, count: count, width: width, rowStride: rowStride, into: accumulator) { weights[$0] }
    }

    /// target[t] += weights[t]·vector for t in 0..<count (target[t] = weights[t]·vector, its old
    /// contents ignored, with `accumulate` false); target row t at target + t·rowStride.
    @inlinable
    public static func addOuterProduct<Scalar: TensorScalar>(
        weights: UnsafePointer<Scalar>, vector: UnsafePointer<Scalar>, count: Int, width: Int, rowStride: Int,
        into target: UnsafeMutablePointer<Scalar>, accumulate: Bool = true
    ) {
        for t in 0..<count {
            let row = target + t * rowStride, weight = SIMD16<Scalar>(repeating: weights[t])
            Elementwise.forEachBlock(width) { offset, lanes in
                let old = accumulate ? Elementwise.load(row + offset, count: lanes) : SIMD16<Scalar>()
                Elementwise.store(old.addingProduct(weight, Elementwise.load(vector + offset, count: lanes)), row + offset, count: lanes)
            }
        }
    }

    /// The gradient of e[t] = ⟨tanh(z[t]), vector⟩ with respect to z, given ∂L/∂e:
    /// target[t] = scoreGradient[t]·vector ⊙ (1 − squashed[t]²), squashed = tanh(z) (written, not added).
    @inlinable
    public static func tanhScoreBackward<Scalar: TensorScalar>(
        scoreGradient: UnsafePointer<Scalar>, vector: UnsafePointer<Scalar>, squashed: UnsafePointer<Scalar>,
        count: Int, width: Int, into target: UnsafeMutablePointer<Scalar>
    ) {
        let one = SIMD16<Scalar>(repeating: 1)
        for t in 0..<count {
            let weight = SIMD16<Scalar>(repeating: scoreGradient[t])
            Elementwise.forEachBlock(width) { offset, lanes in
                let index = t * width + offset
                let y = Elementwise.load(squashed + index, count: lanes)
                Elementwise.store(weight * Elementwise.load(vector + offset, count: lanes) * (one - y * y), target + index, count: lanes)
            }
        }
    }
}
