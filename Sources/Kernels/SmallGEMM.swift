import Dispatch

/// Register-blocked C += A·B for the small products of the LSTM recurrence, which BLAS handles badly:
/// at (32×32)·(32×128) OpenBLAS spends as long packing its operands as multiplying them, every
/// step, for every one of the 500 steps. Here nothing is packed: A (m×k) and B (k×n) are read in
/// place, row-major, and C (m×n) is accumulated in registers in tiles of 6 rows × 16 columns
/// (12 ymm accumulators, the most AVX2's 16 registers hold beside two B vectors and a broadcast).
///
/// The caller arranges B so that its rows are contiguous (for h·W_hhᵀ that is W_hhᵀ, transposed
/// once per forward pass; for ∂gates·W_hh it is W_hh as stored). `GEMM.naiveGEMM` is the reference.
public enum SmallGEMM {
    public typealias Vector = SIMD8<Float>

    /// A large product splits its rows over `Parallelism.threads` (two at most). Rows are independent
    /// and each is summed in the same order, so the split never changes a result.
    /// Below this many multiply-adds (and 512 rows) a product stays on the calling thread: the
    /// recurrence's per-step products run inside the two LSTM direction threads already.
    static let parallelWork = 1 << 22

    /// C[m×n] += A[m×k]·B[k×n], row-major with leading dimensions (lda ≥ k, ldb ≥ n, ldc ≥ n).
    public static func multiplyAdd(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        multiply(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, rowInitial: nil, c: c, ldc: ldc)
    }

    /// C[m×n] = 1·bᵀ + A[m×k]·B[k×n]: every row of C starts from the row vector `bias` (n) instead
    /// of its old contents, so a layer's bias costs no pass of its own.
    public static func multiplyAddingBias(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if k == 0 {
            for row in 0..<m { (c + row * ldc).update(from: bias, count: n) }
            return
        }
        multiply(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, rowInitial: bias, c: c, ldc: ldc)
    }

    /// The tiles start from C (rowInitial nil) or from the row vector rowInitial.
    static func multiply(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        rowInitial: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        if Parallelism.maySplit && m >= 512 && m * n * k >= parallelWork {
            // Two halves, the first a multiple of the 6-row tile.
            let split = (m / 2 + 5) / 6 * 6
            let parts = UncheckedPointers(a: a, b: b, rowInitial: rowInitial, c: c)
            Parallelism.onTwoThreads { part in
                let first = part == 0 ? 0 : split, rows = part == 0 ? split : m - split
                multiplyRows(m: rows, n: n, k: k, a: parts.a + first * lda, lda: lda, b: parts.b, ldb: ldb,
                             rowInitial: parts.rowInitial, c: parts.c + first * ldc, ldc: ldc)
            }
            return
        }
        multiplyRows(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, rowInitial: rowInitial, c: c, ldc: ldc)
    }

    /// The operands of a split product, shared by two threads that read A and B and write disjoint
    /// rows of C.
    struct UncheckedPointers: @unchecked Sendable {
        let a: UnsafePointer<Float>, b: UnsafePointer<Float>, rowInitial: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>
    }

    static func multiplyRows(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        rowInitial: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let wideColumns = n - n % 16
        let vectorColumns = n - n % 8
        var row = 0
        while row < m {
            let rows = min(6, m - row)
            let aRows = a + row * lda, cRows = c + row * ldc
            var column = 0
            while column < wideColumns {
                tile16(rows: rows, k: k, a: aRows, lda: lda, b: b + column, ldb: ldb,
                       initial: rowInitial.map { $0 + column }, c: cRows + column, ldc: ldc)
                column += 16
            }
            if column < vectorColumns {
                tile8(rows: rows, k: k, a: aRows, lda: lda, b: b + column, ldb: ldb,
                      initial: rowInitial.map { $0 + column }, c: cRows + column, ldc: ldc)
                column += 8
            }
            if column < n {
                scalarColumns(rows: rows, columns: column..<n, k: k, a: aRows, lda: lda, b: b, ldb: ldb,
                              initial: rowInitial, c: cRows, ldc: ldc)
            }
            row += 6
        }
    }

    /// C[m×n] += Aᵀ·B with A stored k×m (lda ≥ m) and B k×n, row-major: the weight gradients
    /// ∂W = ∂Yᵀ·X over all rows of a batch. k is walked in chunks of 256 so that the chunk of A and B
    /// every tile re-reads stays in L2 (over k = B·T = 16000 rows BLAS packs instead).
    ///
    /// A long sum (k ≥ `splitDepth`) is taken as two halves of k, the second into scratch that is
    /// then added to C; on two threads when allowed, in the same order on one, so the thread count
    /// never changes the result.
    public static func multiplyAddTransposedA(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        guard k >= splitDepth else {
            transposedRange(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
            return
        }
        let middle = k / 2
        withUnsafeTemporaryAllocation(of: Float.self, capacity: m * n) { scratch in
            let second = scratch.baseAddress!
            second.initialize(repeating: 0, count: m * n)
            let parts = UncheckedPointers(a: a, b: b, rowInitial: nil, c: c)
            let halves = { (part: Int) in
                if part == 0 {
                    transposedRange(m: m, n: n, k: middle, a: parts.a, lda: lda, b: parts.b, ldb: ldb, c: parts.c, ldc: ldc)
                } else {
                    transposedRange(m: m, n: n, k: k - middle, a: parts.a + middle * lda, lda: lda, b: parts.b + middle * ldb, ldb: ldb,
                                    c: second, ldc: n)
                }
            }
            if Parallelism.maySplit && m * n * k >= parallelWork {
                Parallelism.onTwoThreads(halves)
            } else {
                halves(0)
                halves(1)
            }
            for row in 0..<m {
                let target = c + row * ldc, source = second + row * n
                for column in 0..<n { target[column] += source[column] }
            }
        }
    }

    /// Sums over at least this many rows are split in two (see `multiplyAddTransposedA`).
    static let splitDepth = 2048

    static func transposedRange(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let chunk = 256
        var start = 0
        while start < k {
            let depth = min(chunk, k - start)
            transposedChunk(m: m, n: n, k: depth, a: a + start * lda, lda: lda, b: b + start * ldb, ldb: ldb, c: c, ldc: ldc)
            start += depth
        }
    }

    @inline(never)
    static func transposedChunk(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let wideColumns = n - n % 16
        let vectorColumns = n - n % 8
        var row = 0
        while row < m {
            // Row r of op(A) = Aᵀ is column r of A: consecutive rows 1 apart, consecutive k lda apart.
            let rows = min(6, m - row)
            let aRows = a + row, cRows = c + row * ldc
            var column = 0
            while column < wideColumns {
                tile16(rows: rows, k: k, a: aRows, lda: 1, aStep: lda, b: b + column, ldb: ldb,
                       initial: nil, c: cRows + column, ldc: ldc)
                column += 16
            }
            if column < vectorColumns {
                tile8(rows: rows, k: k, a: aRows, lda: 1, aStep: lda, b: b + column, ldb: ldb,
                      initial: nil, c: cRows + column, ldc: ldc)
                column += 8
            }
            if column < n {
                scalarColumns(rows: rows, columns: column..<n, k: k, a: aRows, lda: 1, aStep: lda, b: b, ldb: ldb,
                              initial: nil, c: cRows, ldc: ldc)
            }
            row += 6
        }
    }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ vector: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: Vector.self)
    }

    /// Rows of a tile: a tile with fewer than 6 valid rows repeats its last valid row in the spare
    /// registers rather than branching per row. The duplicates compute the same values from the same
    /// inputs, so storing them all is harmless (stores run from the highest row down all the same).
    @inline(__always)
    static func rowOffsets(_ rows: Int) -> (Int, Int, Int, Int, Int) {
        (min(1, rows - 1), min(2, rows - 1), min(3, rows - 1), min(4, rows - 1), min(5, rows - 1))
    }

    /// Up to 6 rows × 16 columns.
    @inline(__always)
    static func tile16(
        rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, aStep: Int = 1, b: UnsafePointer<Float>, ldb: Int,
        initial: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let (r1, r2, r3, r4, r5) = rowOffsets(rows)
        let a0 = a, a1 = a + r1 * lda, a2 = a + r2 * lda, a3 = a + r3 * lda, a4 = a + r4 * lda, a5 = a + r5 * lda
        let c0 = c, c1 = c + r1 * ldc, c2 = c + r2 * ldc, c3 = c + r3 * ldc, c4 = c + r4 * ldc, c5 = c + r5 * ldc
        var left0: Vector, right0: Vector, left1: Vector, right1: Vector, left2: Vector, right2: Vector
        var left3: Vector, right3: Vector, left4: Vector, right4: Vector, left5: Vector, right5: Vector
        if let initial {
            left0 = load(initial); right0 = load(initial + 8)
            (left1, right1, left2, right2, left3, right3) = (left0, right0, left0, right0, left0, right0)
            (left4, right4, left5, right5) = (left0, right0, left0, right0)
        } else {
            left0 = load(c0); right0 = load(c0 + 8); left1 = load(c1); right1 = load(c1 + 8)
            left2 = load(c2); right2 = load(c2 + 8); left3 = load(c3); right3 = load(c3 + 8)
            left4 = load(c4); right4 = load(c4 + 8); left5 = load(c5); right5 = load(c5 + 8)
        }
        var bRow = b
        for inner in 0..<k {
            let bLeft = load(bRow), bRight = load(bRow + 8)
            var s = Vector(repeating: a0[inner &* aStep]); left0.addProduct(s, bLeft); right0.addProduct(s, bRight)
            s = Vector(repeating: a1[inner &* aStep]); left1.addProduct(s, bLeft); right1.addProduct(s, bRight)
            s = Vector(repeating: a2[inner &* aStep]); left2.addProduct(s, bLeft); right2.addProduct(s, bRight)
            s = Vector(repeating: a3[inner &* aStep]); left3.addProduct(s, bLeft); right3.addProduct(s, bRight)
            s = Vector(repeating: a4[inner &* aStep]); left4.addProduct(s, bLeft); right4.addProduct(s, bRight)
            s = Vector(repeating: a5[inner &* aStep]); left5.addProduct(s, bLeft); right5.addProduct(s, bRight)
            bRow += ldb
        }
        store(left5, c5); store(right5, c5 + 8); store(left4, c4); store(right4, c4 + 8)
        store(left3, c3); store(right3, c3 + 8); store(left2, c2); store(right2, c2 + 8)
        store(left1, c1); store(right1, c1 + 8); store(left0, c0); store(right0, c0 + 8)
    }

    /// Up to 6 rows × 8 columns, for a width that is not a multiple of 16.
    @inline(__always)
    static func tile8(
        rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, aStep: Int = 1, b: UnsafePointer<Float>, ldb: Int,
        initial: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let (r1, r2, r3, r4, r5) = rowOffsets(rows)
        let a0 = a, a1 = a + r1 * lda, a2 = a + r2 * lda, a3 = a + r3 * lda, a4 = a + r4 * lda, a5 = a + r5 * lda
        let c0 = c, c1 = c + r1 * ldc, c2 = c + r2 * ldc, c3 = c + r3 * ldc, c4 = c + r4 * ldc, c5 = c + r5 * ldc
        var sum0: Vector, sum1: Vector, sum2: Vector, sum3: Vector, sum4: Vector, sum5: Vector
        if let initial {
            sum0 = load(initial)
            (sum1, sum2, sum3, sum4, sum5) = (sum0, sum0, sum0, sum0, sum0)
        } else {
            sum0 = load(c0); sum1 = load(c1); sum2 = load(c2); sum3 = load(c3); sum4 = load(c4); sum5 = load(c5)
        }
        var bRow = b
        for inner in 0..<k {
            let bValues = load(bRow)
            sum0.addProduct(Vector(repeating: a0[inner &* aStep]), bValues)
            sum1.addProduct(Vector(repeating: a1[inner &* aStep]), bValues)
            sum2.addProduct(Vector(repeating: a2[inner &* aStep]), bValues)
            sum3.addProduct(Vector(repeating: a3[inner &* aStep]), bValues)
            sum4.addProduct(Vector(repeating: a4[inner &* aStep]), bValues)
            sum5.addProduct(Vector(repeating: a5[inner &* aStep]), bValues)
            bRow += ldb
        }
        store(sum5, c5); store(sum4, c4); store(sum3, c3); store(sum2, c2); store(sum1, c1); store(sum0, c0)
    }

    /// The last n mod 8 columns, one dot product at a time.
    static func scalarColumns(
        rows: Int, columns: Range<Int>, k: Int, a: UnsafePointer<Float>, lda: Int, aStep: Int = 1, b: UnsafePointer<Float>, ldb: Int,
        initial: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for row in 0..<rows {
            for column in columns {
                var sum: Float = initial?[column] ?? c[row * ldc + column]
                for inner in 0..<k { sum += a[row * lda + inner * aStep] * b[inner * ldb + column] }
                c[row * ldc + column] = sum
            }
        }
    }
}
