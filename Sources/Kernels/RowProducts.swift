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

    /// scores[v·scoreStride + t] = bias + ⟨rows[t], vector v⟩ for v in 0..<vectorCount (vector v at
    /// vectors + v·vectorStride): `rowDots` of several vectors in one pass over the rows, four at a
    /// time, so that each block of a row is loaded once for four independent sums. Every score is the
    /// same sum in the same order as `rowDots` gives it.
    @inlinable
    public static func rowDots<Scalar: TensorScalar>(
        _ rows: UnsafePointer<Scalar>, count: Int, width: Int, rowStride: Int, vectors: UnsafePointer<Scalar>, vectorCount: Int,
        vectorStride: Int, bias: Scalar, into scores: UnsafeMutablePointer<Scalar>, scoreStride: Int
    ) {
        for first in stride(from: 0, to: vectorCount, by: 4) {
            let group = min(4, vectorCount - first)
            // A short group repeats its last vector; only its own scores are stored.
            let v0 = vectors + first * vectorStride, v1 = vectors + (first + min(1, group - 1)) * vectorStride
            let v2 = vectors + (first + min(2, group - 1)) * vectorStride, v3 = vectors + (first + min(3, group - 1)) * vectorStride
            let out = scores + first * scoreStride
            for t in 0..<count {
                let row = rows + t * rowStride
                var s0 = SIMD16<Scalar>(), s1 = SIMD16<Scalar>(), s2 = SIMD16<Scalar>(), s3 = SIMD16<Scalar>()
                Elementwise.forEachBlock(width) { offset, lanes in
                    let x = Elementwise.load(row + offset, count: lanes)
                    s0.addProduct(x, Elementwise.load(v0 + offset, count: lanes))
                    s1.addProduct(x, Elementwise.load(v1 + offset, count: lanes))
                    s2.addProduct(x, Elementwise.load(v2 + offset, count: lanes))
                    s3.addProduct(x, Elementwise.load(v3 + offset, count: lanes))
                }
                out[t] = bias + s0.sum()
                if group > 1 { out[scoreStride + t] = bias + s1.sum() }
                if group > 2 { out[2 * scoreStride + t] = bias + s2.sum() }
                if group > 3 { out[3 * scoreStride + t] = bias + s3.sum() }
            }
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
