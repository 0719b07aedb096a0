import CKernels
import Dispatch

/// Register-blocked C += A·B for the small products of the LSTM recurrence, which BLAS handles badly:
/// at (32×32)·(32×128) OpenBLAS spends as long packing its operands as multiplying them, every
/// step, for every one of the 500 steps. Here nothing is packed: A (m×k) and B (k×n) are read in
/// place, row-major, and C (m×n) is accumulated in registers in tiles of 6 rows × 16 columns
/// (12 ymm accumulators, the most AVX2's 16 registers hold beside two B vectors and a broadcast);
/// a remainder of up to 4 rows takes a 4 × 16 tile.
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

    /// Whether the products run their 16-column panels in C — `serieslens_row_product_f32` for A·B
    /// without a leading product (`multiplyRows`), `serieslens_add_transposed_product_f32` and its
    /// packed form for Aᵀ·B chunks — with the same tiles summing in the same order, so the same bits.
    /// The Swift tiles spill three of their six row addresses to the stack in the inner loop (perf
    /// annotate); the C tiles keep them in registers (docs/PERFORMANCE.md, eleventh pass).
    nonisolated(unsafe) public static var usesCTiles = true

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

    /// C[m×n] = 1·biasᵀ + A₀[m×k₀]·B₀[k₀×n] + A[m×k]·B[k×n] in one pass over C, summed in that order
    /// (the same bits as `multiplyAddingBias` for A₀·B₀ followed by `multiplyAdd` for A·B).
    public static func multiplyAddingBias(
        m: Int, n: Int, leading: LeadingProduct, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard k > 0, leading.k > 0 else {
            multiplyAddingBias(m: m, n: n, k: leading.k, a: leading.a, lda: leading.lda, b: leading.b, ldb: leading.ldb, bias: bias, c: c, ldc: ldc)
            multiplyAdd(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
            return
        }
        multiply(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, rowInitial: bias, leading: leading, c: c, ldc: ldc)
    }

    /// The tiles start from C (rowInitial nil) or from the row vector rowInitial.
    static func multiply(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        rowInitial: UnsafePointer<Float>?, leading: LeadingProduct? = nil, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        if Parallelism.maySplit && m >= 512 && m * n * k >= parallelWork {
            // Two halves, the first a multiple of the 6-row tile.
            let split = (m / 2 + 5) / 6 * 6
            let parts = UncheckedPointers(a: a, b: b, rowInitial: rowInitial, leading: leading, c: c)
            Parallelism.onTwoThreads { part in
                let first = part == 0 ? 0 : split, rows = part == 0 ? split : m - split
                multiplyRows(m: rows, n: n, k: k, a: parts.a + first * lda, lda: lda, b: parts.b, ldb: ldb,
                             rowInitial: parts.rowInitial, leading: parts.leading?.rows(from: first), c: parts.c + first * ldc, ldc: ldc)
            }
            return
        }
        multiplyRows(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, rowInitial: rowInitial, leading: leading, c: c, ldc: ldc)
    }

    /// The operands of a split product, shared by two threads that read A and B and write disjoint
    /// rows of C.
    struct UncheckedPointers: @unchecked Sendable {
        let a: UnsafePointer<Float>, b: UnsafePointer<Float>, rowInitial: UnsafePointer<Float>?
        var leading: LeadingProduct? = nil
        let c: UnsafeMutablePointer<Float>
    }

    static func multiplyRows(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        rowInitial: UnsafePointer<Float>?, leading: LeadingProduct?, c: UnsafeMutablePointer<Float>, ldc: Int,
        cTiles: Bool = usesCTiles
    ) {
        let wideColumns = n - n % 16
        // A convolution's sliding windows (overlapping rows, lda < k) against a B that does not fit
        // in L1 (192×64 windows of weights) go in blocks of rows whose A fits in L1, column tiles
        // outer inside a block: each 16-column panel of B is read from L1 by all the block's row
        // tiles, where row tiles outer read all of B from L2 for every six rows (cnn's products, one
        // thread: median of 9 alternated runs 74 → 78 GFLOP/s). For ordinary rows (posenc's
        // projections, m = B·T) the same blocking measured slower (56–70 → 42–62 GFLOP/s), so they
        // keep rows outer.
        // Tiles start at multiples of 6 either way, so each element is summed by the same tile in
        // the same order: the bits do not change.
        let stride = MemoryLayout<Float>.stride
        let blocks = lda < k && stride * k * n > 24 * 1024
        // Otherwise a block is one row tile: rows outer.
        let blockRows = blocks ? max(6, 12 * 1024 / (stride * max(lda, 1)) / 6 * 6) : 6
        // The C kernel runs the same tiles in the same order (`usesCTiles`); the Swift tiles below
        // remain for a leading product (the Double and odd-H LSTM step) and for the narrow columns.
        if cTiles && leading == nil && n >= 16 {
            let wide = serieslens_row_product_f32(m, n, k, a, lda, b, ldb, rowInitial, c, ldc, blockRows)
            var row = 0
            while row < m && wide < n {
                multiplyRowsNarrow(rows: min(6, m - row), from: wide, n: n, k: k, a: a + row * lda, lda: lda, b: b, ldb: ldb,
                                   rowInitial: rowInitial, leading: nil, c: c + row * ldc, ldc: ldc)
                row += 6
            }
            return
        }
        var blockStart = 0
        while blockStart < m {
            let blockEnd = min(m, blockStart + blockRows)
            var column = 0
            while column < wideColumns {
                var row = blockStart
                while row < blockEnd {
                    let rows = min(6, m - row)
                    let aRows = a + row * lda, cRows = c + row * ldc
                    let leadingColumns = leading?.rows(from: row).columns(from: column)
                    // A remainder of up to four rows (m = 32: 5 × 6 + 2) takes the 4-row tile: eight multiply-
                    // adds per step of k instead of the six-row tile's twelve, four of them on duplicates.
                    if rows <= 4 {
                        tile16x4(rows: rows, k: k, a: aRows, lda: lda, b: b + column, ldb: ldb,
                                 initial: rowInitial.map { $0 + column }, leading: leadingColumns, c: cRows + column, ldc: ldc)
                    } else {
                        tile16(rows: rows, k: k, a: aRows, lda: lda, b: b + column, ldb: ldb,
                               initial: rowInitial.map { $0 + column }, leading: leadingColumns, c: cRows + column, ldc: ldc)
                    }
                    row += 6
                }
                column += 16
            }
            if wideColumns < n {
                var row = blockStart
                while row < blockEnd {
                    multiplyRowsNarrow(rows: min(6, m - row), from: wideColumns, n: n, k: k, a: a + row * lda, lda: lda, b: b, ldb: ldb,
                                       rowInitial: rowInitial, leading: leading?.rows(from: row), c: c + row * ldc, ldc: ldc)
                    row += 6
                }
            }
            blockStart = blockEnd
        }
    }

    /// Columns `from..<n` (fewer than 16) of up to 6 rows: one 8-wide tile, then scalars.
    @inline(__always)
    static func multiplyRowsNarrow(
        rows: Int, from start: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        rowInitial: UnsafePointer<Float>?, leading: LeadingProduct?, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var column = start
        if column + 8 <= n {
            tile8(rows: rows, k: k, a: a, lda: lda, b: b + column, ldb: ldb,
                  initial: rowInitial.map { $0 + column }, leading: leading?.columns(from: column), c: c + column, ldc: ldc)
            column += 8
        }
        if column < n {
            scalarColumns(rows: rows, columns: column..<n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                          initial: rowInitial, leading: leading, c: c, ldc: ldc)
        }
    }

    /// C[m×n] += Aᵀ·B with A stored k×m (lda ≥ m) and B k×n, row-major: the weight gradients
    /// ∂W = ∂Yᵀ·X over all rows of a batch. k is walked in chunks (`chunkDepth`) so that the chunk of
    /// A and B every tile re-reads stays in cache (over k = B·T = 16000 rows BLAS packs instead).
    /// Chunks only split the sum into consecutive ranges, so their size never changes a result.
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
        let chunk = chunkDepth(k: k, lda: lda, ldb: ldb)
        guard streams(k: k, lda: lda, ldb: ldb) && m > 6 else {
            var start = 0
            while start < k {
                let depth = min(chunk, k - start)
                transposedChunk(m: m, n: n, k: depth, a: a + start * lda, lda: lda, b: b + start * ldb, ldb: ldb, c: c, ldc: ldc)
                start += depth
            }
            return
        }
        let panels = UnsafeMutablePointer<Float>.allocate(capacity: (m + 5) / 6 * panelStride(k: chunk))
        defer { panels.deallocate() }
        var start = 0
        while start < k {
            let depth = min(chunk, k - start)
            packTransposedPanels(m: m, k: depth, a: a + start * lda, lda: lda, into: panels)
            transposedPackedChunk(m: m, n: n, k: depth, panels: panels, b: b + start * ldb, ldb: ldb, c: c, ldc: ldc)
            start += depth
        }
    }

    /// Rows per chunk when the operands stream from L3 or memory (see `chunkDepth`).
    static let streamingChunk = 256

    /// Floats from one packed panel to the next: k groups of 6, and 2 spare for the 8-wide stores.
    static func panelStride(k: Int) -> Int { 6 * k + 2 }

    /// Columns of A (k × m, rows lda apart) copied into panels of 6 (`panelStride` apart): panel p
    /// holds columns 6p ..< 6p + 6 as k consecutive groups of 6 (a last, narrower panel leaves its
    /// spare slots unwritten, which `tileRows` never reads). Each group is one 8-wide copy whose two
    /// extra values the next group overwrites (the last group's land in the spare floats): copied
    /// one float at a time, packing took a third of the product's time.
    static func packTransposedPanels(m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, into panels: UnsafeMutablePointer<Float>) {
        let stride = panelStride(k: k)
        let fullPanels = m / 6, vectorPanels = m >= 8 ? (m - 8) / 6 + 1 : 0
        for inner in 0..<k {
            let row = a + inner * lda
            var panel = panels + inner * 6
            for index in 0..<vectorPanels {
                store(load(row + 6 * index), panel)
                panel += stride
            }
            for index in vectorPanels..<fullPanels {
                let source = row + 6 * index
                (panel[0], panel[1], panel[2], panel[3], panel[4], panel[5]) = (source[0], source[1], source[2], source[3], source[4], source[5])
                panel += stride
            }
            for column in (6 * fullPanels)..<m { panel[column - 6 * fullPanels] = row[column] }
        }
    }

    /// `transposedChunk` from packed panels of A, column panels of B outer: a (k × 16) panel of B
    /// (16 KiB at 256 rows) stays in L1 while the 6-column panels of A stream past it from L2 in
    /// order. Read in place, every tile re-read a line of A per row of the chunk (256 lines of a
    /// 128 KiB chunk for an LSTM's ∂W_hh), which held the product to the L2's bandwidth. Each sum
    /// runs over k in the same order, so the bits are those of `transposedChunk`.
    @inline(never)
    static func transposedPackedChunk(
        m: Int, n: Int, k: Int, panels: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, cTiles: Bool = usesCTiles
    ) {
        let wideColumns = n - n % 16
        let vectorColumns = n - n % 8
        var column = cTiles && wideColumns > 0
            && serieslens_add_packed_transposed_product_f32(panels, panelStride(k: k), b, ldb, c, ldc, m, wideColumns, k) != 0 ? wideColumns : 0
        while column < n {
            var row = 0
            while row < m {
                let rows = min(6, m - row)
                let panel = panels + row / 6 * panelStride(k: k), cRows = c + row * ldc
                if column < wideColumns {
                    tile16(rows: rows, k: k, a: panel, lda: 1, aStep: 6, b: b + column, ldb: ldb, initial: nil, c: cRows + column, ldc: ldc)
                } else if column < vectorColumns {
                    tile8(rows: rows, k: k, a: panel, lda: 1, aStep: 6, b: b + column, ldb: ldb, initial: nil, c: cRows + column, ldc: ldc)
                } else {
                    scalarColumns(rows: rows, columns: column..<n, k: k, a: panel, lda: 1, aStep: 6, b: b, ldb: ldb,
                                  initial: nil, c: cRows, ldc: ldc)
                }
                row += 6
            }
            column += column < wideColumns ? 16 : (column < vectorColumns ? 8 : n - column)
        }
    }

    /// Rows of A and B per chunk of an Aᵀ·B sum. Up to 2 MiB of operands (a convolution's per-series
    /// weight gradient, up to T ≈ 2000) are walked in chunks that fit in L1 (24 KiB of A and B rows),
    /// so the tiles re-read them from L1: measured 1.2–1.4× faster on cnn's products at T = 500; with
    /// a 256 KiB limit, T = 1000 fell back to 256-row chunks and ran at 53 instead of 70 GFLOP/s.
    /// Larger operands streamed from L3 or memory (an LSTM's B·T rows, 8–10 MiB) keep chunks of 256
    /// rows, which the smaller chunks did not beat.
    static func chunkDepth(k: Int, lda: Int, ldb: Int) -> Int {
        streams(k: k, lda: lda, ldb: ldb) ? streamingChunk : max(8, 24 * 1024 / rowBytes(lda: lda, ldb: ldb))
    }

    /// Whether an Aᵀ·B sum's operands exceed the 2 MiB that `chunkDepth` walks in L1-sized chunks.
    static func streams(k: Int, lda: Int, ldb: Int) -> Bool { k * rowBytes(lda: lda, ldb: ldb) > 2 * 1024 * 1024 }

    private static func rowBytes(lda: Int, ldb: Int) -> Int { MemoryLayout<Float>.stride * (lda + ldb) }

    @inline(never)
    static func transposedChunk(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, cTiles: Bool = usesCTiles
    ) {
        let wideColumns = n - n % 16
        let vectorColumns = n - n % 8
        // The same tiles in C, 16-column panels outer (the same sums in the same order).
        let cColumns = cTiles && wideColumns > 0
            && serieslens_add_transposed_product_f32(a, lda, b, ldb, c, ldc, m, wideColumns, k) != 0 ? wideColumns : 0
        var row = 0
        while row < m {
            // Row r of op(A) = Aᵀ is column r of A: consecutive rows 1 apart, consecutive k lda apart.
            let rows = min(6, m - row)
            let aRows = a + row, cRows = c + row * ldc
            var column = cColumns
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

    /// A second product summed into the same tile before the main one: C = init + A₀·B₀ + A·B. The
    /// LSTM step builds its gates as bias + x_t·W_ihᵀ + h·W_hhᵀ this way, in one pass over C.
    public struct LeadingProduct {
        public let k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int
        public init(k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int) {
            (self.k, self.a, self.lda, self.b, self.ldb) = (k, a, lda, b, ldb)
        }
        func rows(from row: Int) -> LeadingProduct { LeadingProduct(k: k, a: a + row * lda, lda: lda, b: b, ldb: ldb) }
        func columns(from column: Int) -> LeadingProduct { LeadingProduct(k: k, a: a, lda: lda, b: b + column, ldb: ldb) }
    }

    /// The six A rows of a tile (`rowOffsets` repeats the last valid row).
    struct TileRows {
        let a0: UnsafePointer<Float>, a1: UnsafePointer<Float>, a2: UnsafePointer<Float>
        let a3: UnsafePointer<Float>, a4: UnsafePointer<Float>, a5: UnsafePointer<Float>
    }

    // A static function, not an initializer: the initializer was not inlined (a call per tile).
    @inline(__always)
    static func tileRows(_ a: UnsafePointer<Float>, lda: Int, rows: Int) -> TileRows {
        let (r1, r2, r3, r4, r5) = rowOffsets(rows)
        return TileRows(a0: a, a1: a + r1 &* lda, a2: a + r2 &* lda, a3: a + r3 &* lda, a4: a + r4 &* lda, a5: a + r5 &* lda)
    }

    /// A 6×16 tile's twelve accumulators (two SIMD8 per row), kept in registers once inlined.
    struct Accumulators16 {
        var left0, right0, left1, right1, left2, right2, left3, right3, left4, right4, left5, right5: Vector

        @inline(__always)
        init(broadcasting initial: UnsafePointer<Float>) {
            let left = load(initial), right = load(initial + 8)
            (left0, right0, left1, right1, left2, right2) = (left, right, left, right, left, right)
            (left3, right3, left4, right4, left5, right5) = (left, right, left, right, left, right)
        }

        @inline(__always)
        init(loading c: TileRows) {
            (left0, right0, left1, right1) = (load(c.a0), load(c.a0 + 8), load(c.a1), load(c.a1 + 8))
            (left2, right2, left3, right3) = (load(c.a2), load(c.a2 + 8), load(c.a3), load(c.a3 + 8))
            (left4, right4, left5, right5) = (load(c.a4), load(c.a4 + 8), load(c.a5), load(c.a5 + 8))
        }

        @inline(__always)
        mutating func add(_ a: TileRows, aStep: Int, k: Int, b: UnsafePointer<Float>, ldb: Int) {
            var bRow = b
            for inner in 0..<k {
                let bLeft = load(bRow), bRight = load(bRow + 8)
                var s = Vector(repeating: a.a0[inner &* aStep]); left0.addProduct(s, bLeft); right0.addProduct(s, bRight)
                s = Vector(repeating: a.a1[inner &* aStep]); left1.addProduct(s, bLeft); right1.addProduct(s, bRight)
                s = Vector(repeating: a.a2[inner &* aStep]); left2.addProduct(s, bLeft); right2.addProduct(s, bRight)
                s = Vector(repeating: a.a3[inner &* aStep]); left3.addProduct(s, bLeft); right3.addProduct(s, bRight)
                s = Vector(repeating: a.a4[inner &* aStep]); left4.addProduct(s, bLeft); right4.addProduct(s, bRight)
                s = Vector(repeating: a.a5[inner &* aStep]); left5.addProduct(s, bLeft); right5.addProduct(s, bRight)
                bRow += ldb
            }
        }

        /// Stores from the highest row down, so that repeated rows end with the real row's values.
        @inline(__always)
        func store(into c: TileRows) {
            let (c0, c1, c2, c3, c4, c5) = (UnsafeMutablePointer(mutating: c.a0), UnsafeMutablePointer(mutating: c.a1),
                                            UnsafeMutablePointer(mutating: c.a2), UnsafeMutablePointer(mutating: c.a3),
                                            UnsafeMutablePointer(mutating: c.a4), UnsafeMutablePointer(mutating: c.a5))
            SmallGEMM.store(left5, c5); SmallGEMM.store(right5, c5 + 8); SmallGEMM.store(left4, c4); SmallGEMM.store(right4, c4 + 8)
            SmallGEMM.store(left3, c3); SmallGEMM.store(right3, c3 + 8); SmallGEMM.store(left2, c2); SmallGEMM.store(right2, c2 + 8)
            SmallGEMM.store(left1, c1); SmallGEMM.store(right1, c1 + 8); SmallGEMM.store(left0, c0); SmallGEMM.store(right0, c0 + 8)
        }
    }

    /// A 4×16 tile's eight accumulators, for the last rows of a product (see `multiplyRows`).
    struct Accumulators16x4 {
        var left0, right0, left1, right1, left2, right2, left3, right3: Vector

        @inline(__always)
        init(broadcasting initial: UnsafePointer<Float>) {
            let left = load(initial), right = load(initial + 8)
            (left0, right0, left1, right1, left2, right2, left3, right3) = (left, right, left, right, left, right, left, right)
        }

        @inline(__always)
        init(loading c: TileRows) {
            (left0, right0, left1, right1) = (load(c.a0), load(c.a0 + 8), load(c.a1), load(c.a1 + 8))
            (left2, right2, left3, right3) = (load(c.a2), load(c.a2 + 8), load(c.a3), load(c.a3 + 8))
        }

        @inline(__always)
        mutating func add(_ a: TileRows, k: Int, b: UnsafePointer<Float>, ldb: Int) {
            var bRow = b
            for inner in 0..<k {
                let bLeft = load(bRow), bRight = load(bRow + 8)
                var s = Vector(repeating: a.a0[inner]); left0.addProduct(s, bLeft); right0.addProduct(s, bRight)
                s = Vector(repeating: a.a1[inner]); left1.addProduct(s, bLeft); right1.addProduct(s, bRight)
                s = Vector(repeating: a.a2[inner]); left2.addProduct(s, bLeft); right2.addProduct(s, bRight)
                s = Vector(repeating: a.a3[inner]); left3.addProduct(s, bLeft); right3.addProduct(s, bRight)
                bRow += ldb
            }
        }

        @inline(__always)
        func store(into c: TileRows) {
            let (c0, c1, c2, c3) = (UnsafeMutablePointer(mutating: c.a0), UnsafeMutablePointer(mutating: c.a1),
                                    UnsafeMutablePointer(mutating: c.a2), UnsafeMutablePointer(mutating: c.a3))
            SmallGEMM.store(left3, c3); SmallGEMM.store(right3, c3 + 8); SmallGEMM.store(left2, c2); SmallGEMM.store(right2, c2 + 8)
            SmallGEMM.store(left1, c1); SmallGEMM.store(right1, c1 + 8); SmallGEMM.store(left0, c0); SmallGEMM.store(right0, c0 + 8)
        }
    }

    /// A 6×8 tile's six accumulators, for a width that is not a multiple of 16.
    struct Accumulators8 {
        var sum0, sum1, sum2, sum3, sum4, sum5: Vector

        @inline(__always)
        init(broadcasting initial: UnsafePointer<Float>) {
            let value = load(initial)
            (sum0, sum1, sum2, sum3, sum4, sum5) = (value, value, value, value, value, value)
        }

        @inline(__always)
        init(loading c: TileRows) {
            (sum0, sum1, sum2, sum3, sum4, sum5) = (load(c.a0), load(c.a1), load(c.a2), load(c.a3), load(c.a4), load(c.a5))
        }

        @inline(__always)
        mutating func add(_ a: TileRows, aStep: Int, k: Int, b: UnsafePointer<Float>, ldb: Int) {
            var bRow = b
            for inner in 0..<k {
                let bValues = load(bRow)
                sum0.addProduct(Vector(repeating: a.a0[inner &* aStep]), bValues)
                sum1.addProduct(Vector(repeating: a.a1[inner &* aStep]), bValues)
                sum2.addProduct(Vector(repeating: a.a2[inner &* aStep]), bValues)
                sum3.addProduct(Vector(repeating: a.a3[inner &* aStep]), bValues)
                sum4.addProduct(Vector(repeating: a.a4[inner &* aStep]), bValues)
                sum5.addProduct(Vector(repeating: a.a5[inner &* aStep]), bValues)
                bRow += ldb
            }
        }

        @inline(__always)
        func store(into c: TileRows) {
            SmallGEMM.store(sum5, UnsafeMutablePointer(mutating: c.a5)); SmallGEMM.store(sum4, UnsafeMutablePointer(mutating: c.a4))
            SmallGEMM.store(sum3, UnsafeMutablePointer(mutating: c.a3)); SmallGEMM.store(sum2, UnsafeMutablePointer(mutating: c.a2))
            SmallGEMM.store(sum1, UnsafeMutablePointer(mutating: c.a1)); SmallGEMM.store(sum0, UnsafeMutablePointer(mutating: c.a0))
        }
    }

    /// Up to 6 rows × 16 columns: from `initial` (broadcast) or C, + leading product, + A·B.
    @inline(__always)
    static func tile16(
        rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, aStep: Int = 1, b: UnsafePointer<Float>, ldb: Int,
        initial: UnsafePointer<Float>?, leading: LeadingProduct? = nil, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let cRows = tileRows(c, lda: ldc, rows: rows)
        var sums = initial.map { Accumulators16(broadcasting: $0) } ?? Accumulators16(loading: cRows)
        if let leading {
            sums.add(tileRows(leading.a, lda: leading.lda, rows: rows), aStep: 1, k: leading.k, b: leading.b, ldb: leading.ldb)
        }
        sums.add(tileRows(a, lda: lda, rows: rows), aStep: aStep, k: k, b: b, ldb: ldb)
        sums.store(into: cRows)
    }

    /// Up to 4 rows × 16 columns, as `tile16` (A rows contiguous in k).
    @inline(__always)
    static func tile16x4(
        rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        initial: UnsafePointer<Float>?, leading: LeadingProduct?, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let cRows = tileRows(c, lda: ldc, rows: rows)
        var sums = initial.map { Accumulators16x4(broadcasting: $0) } ?? Accumulators16x4(loading: cRows)
        if let leading {
            sums.add(tileRows(leading.a, lda: leading.lda, rows: rows), k: leading.k, b: leading.b, ldb: leading.ldb)
        }
        sums.add(tileRows(a, lda: lda, rows: rows), k: k, b: b, ldb: ldb)
        sums.store(into: cRows)
    }

    /// Up to 6 rows × 8 columns, as `tile16`.
    @inline(__always)
    static func tile8(
        rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, aStep: Int = 1, b: UnsafePointer<Float>, ldb: Int,
        initial: UnsafePointer<Float>?, leading: LeadingProduct? = nil, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let cRows = tileRows(c, lda: ldc, rows: rows)
        var sums = initial.map { Accumulators8(broadcasting: $0) } ?? Accumulators8(loading: cRows)
        if let leading {
            sums.add(tileRows(leading.a, lda: leading.lda, rows: rows), aStep: 1, k: leading.k, b: leading.b, ldb: leading.ldb)
        }
        sums.add(tileRows(a, lda: lda, rows: rows), aStep: aStep, k: k, b: b, ldb: ldb)
        sums.store(into: cRows)
    }

    /// The last n mod 8 columns, one dot product at a time.
    static func scalarColumns(
        rows: Int, columns: Range<Int>, k: Int, a: UnsafePointer<Float>, lda: Int, aStep: Int = 1, b: UnsafePointer<Float>, ldb: Int,
        initial: UnsafePointer<Float>?, leading: LeadingProduct? = nil, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for row in 0..<rows {
            for column in columns {
                var sum: Float = initial?[column] ?? c[row * ldc + column]
                if let leading {
                    for inner in 0..<leading.k { sum += leading.a[row * leading.lda + inner] * leading.b[inner * leading.ldb + column] }
                }
                for inner in 0..<k { sum += a[row * lda + inner * aStep] * b[inner * ldb + column] }
                c[row * ldc + column] = sum
            }
        }
    }
}
