import CBLAS

/// Row-major matrix products. The fast path is BLAS (`cblas_sgemm`/`cblas_dgemm`); `naiveGEMM` is
/// the reference the tests hold it to.
public enum GEMM {
    /// C[m×n] ← alpha·op(A)·op(B) + beta·C, row-major with leading dimensions.
    ///
    /// op(A) is m×k: A is stored m×k (lda ≥ k) or, transposed, k×m (lda ≥ m); likewise op(B) is
    /// k×n from B stored k×n (ldb ≥ n) or n×k (ldb ≥ k). Zero-sized products are handled here
    /// because BLAS rejects leading dimensions of 0: k = 0 scales C by beta.
    @inlinable
    public static func multiply<Scalar: TensorScalar>(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Scalar = 1, a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar = 0, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for row in 0..<m {
                for column in 0..<n {
                    c[row * ldc + column] = beta == 0 ? 0 : beta * c[row * ldc + column]
                }
            }
            return
        }
        BLASThreads.keepSingleThreaded()
        KernelProfiler.measure(.blasGEMM, work: 2 * m * n * k) {
            Scalar.blasGEMM(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                a: a, lda: max(lda, 1), b: b, ldb: max(ldb, 1), beta: beta, c: c, ldc: max(ldc, 1))
        }
    }

    /// The definition, summed in Double, for tests and benchmarks.
    public static func naiveGEMM<Scalar: TensorScalar>(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Scalar = 1, a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar = 0, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        for row in 0..<m {
            for column in 0..<n {
                var sum = 0.0
                for inner in 0..<k {
                    let aValue = transposeA ? a[inner * lda + row] : a[row * lda + inner]
                    let bValue = transposeB ? b[column * ldb + inner] : b[inner * ldb + column]
                    sum += Double(aValue) * Double(bValue)
                }
                let previous = beta == 0 ? 0 : Double(beta) * Double(c[row * ldc + column])
                c[row * ldc + column] = Scalar(Double(alpha) * sum + previous)
            }
        }
    }
}

/// OpenBLAS's own thread pool, kept at one thread. SeriesLens parallelises across LSTM directions
/// and batches itself, so two pools on two cores only fight; and OpenBLAS's sgemm gives other bits on
/// two threads than on one (the transformer encoder's outputs moved in the last place), so a product
/// would depend on whatever set the pool before it. OpenBLAS starts with one thread per core.
public enum BLASThreads {
    /// Called before every BLAS product (`GEMM.multiply`): the check is a load, the product microseconds.
    @inlinable
    public static func keepSingleThreaded() {
        if openblas_get_num_threads() != 1 { openblas_set_num_threads(1) }
    }

    public static var current: Int { Int(openblas_get_num_threads()) }

    /// The kernel OpenBLAS selected for this CPU (e.g. "Haswell" under OPENBLAS_CORETYPE=Haswell).
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
