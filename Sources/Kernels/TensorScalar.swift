import CBLAS
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

    static func vectorExp(_ x: SIMD16<Self>) -> SIMD16<Self>
    static func vectorSigmoid(_ x: SIMD16<Self>) -> SIMD16<Self>
    static func vectorTanh(_ x: SIMD16<Self>) -> SIMD16<Self>

    /// Correctly rounded (libm) scalar functions for the few places outside hot loops.
    static func scalarExp(_ x: Self) -> Self
    static func scalarLog(_ x: Self) -> Self
    static func scalarLog1p(_ x: Self) -> Self
    static func scalarTanh(_ x: Self) -> Self
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

    @inlinable @inline(__always)
    public static func vectorExp(_ x: SIMD16<Float>) -> SIMD16<Float> { VectorMath.exp(x) }
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
