import Kernels

/// Y = X·Wᵀ + b and ∂L/∂X += ∂L/∂Y·W over many rows, for the layers that are a matrix product at
/// heart (`Dense`; attention's projections). X is (rows, in), W is (out, in) as PyTorch stores it,
/// Y is (rows, out).
///
/// With many rows through a small weight (attention's 64→64 over B·T rows) the register-blocked
/// `SmallGEMM` wins: Wᵀ is transposed once into `transposedWeight` (its cost amortised over the
/// rows), the bias seeds the accumulators, and the output is written in one pass. Otherwise BLAS, whose GEMV serves a one-column result.
struct LinearProduct<Scalar: TensorScalar> {
    let transposedWeight = Buffer<Scalar>()   // (in, out)
    /// A zero row (in): the start of every row of an input gradient that is written, not added to.
    let zeroRow = Buffer<Scalar>()

    static func prefersSmallGEMM(rows: Int, columns: Int) -> Bool { rows >= 256 && columns >= 16 }

    /// output (rows, out) = input (rows, in) · weightᵀ + bias (or 0 without one).
    func forward(
        _ input: UnsafePointer<Scalar>, rows: Int, inputFeatures: Int, outputFeatures: Int,
        weight: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?, output: UnsafeMutablePointer<Scalar>
    ) {
        guard Self.prefersSmallGEMM(rows: rows, columns: outputFeatures) else {
            GEMM.multiply(
                transposeB: true, m: rows, n: outputFeatures, k: inputFeatures,
                a: input, lda: inputFeatures, b: weight, ldb: inputFeatures, beta: 0, c: output, ldc: outputFeatures)
            if let bias { Scalar.addRowVector(bias, to: output, rows: rows, columns: outputFeatures) }
            return
        }
        transposedWeight.resize(inputFeatures * outputFeatures)
        let transposed = transposedWeight.pointer
        Scalar.transpose(weight, sourceRowStride: inputFeatures, rows: outputFeatures, columns: inputFeatures, scale: 1, into: transposed)
        if let bias {
            Scalar.smallMultiplyAddingBias(
                m: rows, n: outputFeatures, k: inputFeatures, a: input, lda: inputFeatures,
                b: transposed, ldb: outputFeatures, bias: bias, c: output, ldc: outputFeatures)
        } else {
            UnsafeMutableRawPointer(output).initializeMemory(as: UInt8.self, repeating: 0, count: rows * outputFeatures * MemoryLayout<Scalar>.stride)
            Scalar.smallMultiplyAdd(
                m: rows, n: outputFeatures, k: inputFeatures, a: input, lda: inputFeatures,
                b: transposed, ldb: outputFeatures, c: output, ldc: outputFeatures)
        }
    }

    /// weightGradient (out, in) += outputGradient (rows, out)ᵀ · input (rows, in).
    func addWeightGradient(
        _ outputGradient: UnsafePointer<Scalar>, input: UnsafePointer<Scalar>, rows: Int, inputFeatures: Int, outputFeatures: Int,
        into weightGradient: UnsafeMutablePointer<Scalar>
    ) {
        if rows >= 256 && inputFeatures >= 8 {
            Scalar.smallMultiplyAddTransposedA(
                m: outputFeatures, n: inputFeatures, k: rows, a: outputGradient, lda: outputFeatures,
                b: input, ldb: inputFeatures, c: weightGradient, ldc: inputFeatures)
        } else {
            GEMM.multiply(
                transposeA: true, m: outputFeatures, n: inputFeatures, k: rows, a: outputGradient, lda: outputFeatures,
                b: input, ldb: inputFeatures, beta: 1, c: weightGradient, ldc: inputFeatures)
        }
    }

    /// inputGradient (rows, in) += outputGradient (rows, out) · weight (out, in), or = without
    /// `accumulate` (the old contents ignored; the same bits as adding to zeros, without a pass to
    /// zero them).
    func addInputGradient(
        _ outputGradient: UnsafePointer<Scalar>, rows: Int, inputFeatures: Int, outputFeatures: Int,
        weight: UnsafePointer<Scalar>, into inputGradient: UnsafeMutablePointer<Scalar>, accumulate: Bool = true
    ) {
        if Self.prefersSmallGEMM(rows: rows, columns: inputFeatures) {
            if accumulate {
                Scalar.smallMultiplyAdd(
                    m: rows, n: inputFeatures, k: outputFeatures, a: outputGradient, lda: outputFeatures,
                    b: weight, ldb: inputFeatures, c: inputGradient, ldc: inputFeatures)
            } else {
                zeroRow.resize(inputFeatures, zeroed: true)
                Scalar.smallMultiplyAddingBias(
                    m: rows, n: inputFeatures, k: outputFeatures, a: outputGradient, lda: outputFeatures,
                    b: weight, ldb: inputFeatures, bias: zeroRow.pointer, c: inputGradient, ldc: inputFeatures)
            }
        } else {
            GEMM.multiply(
                m: rows, n: inputFeatures, k: outputFeatures, a: outputGradient, lda: outputFeatures,
                b: weight, ldb: inputFeatures, beta: accumulate ? 1 : 0, c: inputGradient, ldc: inputFeatures)
        }
    }
}
