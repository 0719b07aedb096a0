import Testing
@testable import Kernels

/// BLAS-backed GEMM against the Double definition over edge shapes, both transposes, alpha/beta and
/// padded leading dimensions.
@Suite struct GEMMTests {
    static let edgeSizes = [0, 1, 2, 3, 7, 8, 9, 17, 33]

    static func randomMatrix(_ count: Int, _ random: inout SeededRandom) -> [Float] {
        (0..<count).map { _ in Float(random.uniform(-1, 1)) }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matchesDoubleReference(transposeA: Bool, transposeB: Bool) {
        var random = SeededRandom(seed: 1)
        for m in Self.edgeSizes {
            for n in Self.edgeSizes {
                for k in [0, 1, 3, 8, 17, 33] {
                    let padding = 3
                    let (aRows, aColumns) = transposeA ? (k, m) : (m, k)
                    let (bRows, bColumns) = transposeB ? (n, k) : (k, n)
                    let lda = aColumns + padding, ldb = bColumns + padding, ldc = n + padding
                    let a = Self.randomMatrix(max(aRows * lda, 1), &random)
                    let b = Self.randomMatrix(max(bRows * ldb, 1), &random)
                    let start = Self.randomMatrix(max(m * ldc, 1), &random)
                    var fast = start, reference = start
                    let alpha: Float = 0.75, beta: Float = -0.5
                    a.withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            fast.withUnsafeMutableBufferPointer { c in
                                GEMM.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                                              a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: ldc)
                            }
                            reference.withUnsafeMutableBufferPointer { c in
                                GEMM.naiveGEMM(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                                               a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: ldc)
                            }
                        }
                    }
                    // Float sums of k ≤ 33 products of magnitude ≤ 1: error ≤ k·2^-24·Σ|terms| ≲ 1e-5.
                    var worst: Float = 0
                    for index in 0..<fast.count { worst = max(worst, abs(fast[index] - reference[index])) }
                    #expect(worst <= 1e-5, "m=\(m) n=\(n) k=\(k) transA=\(transposeA) transB=\(transposeB): max error \(worst)")
                    // Padding columns of C must be untouched.
                    if m > 0 {
                        for row in 0..<m {
                            for column in n..<ldc where row * ldc + column < fast.count {
                                #expect(fast[row * ldc + column] == start[row * ldc + column], "padding written for m=\(m) n=\(n) k=\(k)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func doublePathUsesDGEMM() {
        let a: [Double] = [1, 2, 3, 4], b: [Double] = [5, 6, 7, 8]
        var c = [Double](repeating: 0, count: 4)
        c.withUnsafeMutableBufferPointer { c in
            GEMM.multiply(m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, c: c.baseAddress!, ldc: 2)
        }
        #expect(c == [19, 22, 43, 50])
    }

    /// OpenBLAS starts with a thread per core and its sgemm gives other bits on two threads, so every
    /// product first puts its pool back to one thread; nothing else in SeriesLens sets it.
    @Test func blasProductsRunOnOneThread() {
        let a = [Float](repeating: 1, count: 64 * 64)
        var c = [Float](repeating: 0, count: 64 * 64)
        c.withUnsafeMutableBufferPointer { c in
            GEMM.multiply(m: 64, n: 64, k: 64, a: a, lda: 64, b: a, ldb: 64, c: c.baseAddress!, ldc: 64)
        }
        #expect(c.allSatisfy { $0 == 64 })
        #expect(BLASThreads.current == 1)
    }
}
