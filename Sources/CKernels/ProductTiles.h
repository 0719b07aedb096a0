// The dense product tiles for one vector width (a template: ForEachWidth.h): ROWS rows of C by a
// panel of 2·LANES columns, two vectors per row, 12 accumulators at 6 rows. Each element of C is its
// old value (or the bias) plus Σ_k A·B in order of k with one FMA per term at either width, so a
// 32-column panel of sixteen lanes gives the bits of two 16-column panels of eight.

#ifndef SERIESLENS_PRODUCT_TILES_COMMON
#define SERIESLENS_PRODUCT_TILES_COMMON
enum { PRODUCT_ROWS = 6 };
enum { ROW_PRODUCT, TRANSPOSED, PACKED_TRANSPOSED };
#endif

// C = bias + A·B (or C += A·B when bias is NULL): rows 0 ..< ROWS, columns 0 ..< 2·LANES, A's rows
// read in place. The operations of `SmallGEMM.tile16`. Each row of A has its own pointer and the
// loop one index, so that no address is spilled.
ALWAYS_INLINE void LANE_NAME(rowTile)(const long ROWS, const float *a, long lda, const float *b, long ldb, long k,
                                      const float *bias, float *c, long ldc) {
    const float *rows[PRODUCT_ROWS];
    V acc[PRODUCT_ROWS][2];
    for (long r = 0; r < ROWS; r++) {
        rows[r] = a + r * lda;
        acc[r][0] = bias ? VLOAD(bias) : VLOAD(c + r * ldc);
        acc[r][1] = bias ? VLOAD(bias + LANES) : VLOAD(c + r * ldc + LANES);
    }
    for (long inner = 0; inner < k; inner++) {
        V left = VLOAD(b), right = VLOAD(b + LANES);
        b += ldb;
        for (long r = 0; r < ROWS; r++) {
            V x = VSPLAT(rows[r][inner]);
            acc[r][0] = VFMA(x, left, acc[r][0]);
            acc[r][1] = VFMA(x, right, acc[r][1]);
        }
    }
    for (long r = 0; r < ROWS; r++) {
        VSTORE(c + r * ldc, acc[r][0]);
        VSTORE(c + r * ldc + LANES, acc[r][1]);
    }
}

// C += Aᵀ·B: rows i0 ..< i0 + ROWS, columns j0 ..< j0 + 2·LANES of C, each summed over the k rows of
// A and B in order from its old value; per row of A, ROWS values broadcast against 2·LANES of B.
ALWAYS_INLINE void LANE_NAME(transposedTile)(const long ROWS, long i0, long j0, const float *a, long lda, const float *b,
                                             long ldb, float *c, long ldc, long k) {
    V acc[PRODUCT_ROWS][2];
    for (long r = 0; r < ROWS; r++) {
        for (long u = 0; u < 2; u++) acc[r][u] = VLOAD(c + (i0 + r) * ldc + j0 + LANES * u);
    }
    for (long row = 0; row < k; row++) {
        V x0 = VLOAD(b + row * ldb + j0), x1 = VLOAD(b + row * ldb + j0 + LANES);
        for (long r = 0; r < ROWS; r++) {
            V g = VSPLAT(a[row * lda + i0 + r]);
            acc[r][0] = VFMA(g, x0, acc[r][0]);
            acc[r][1] = VFMA(g, x1, acc[r][1]);
        }
    }
    for (long r = 0; r < ROWS; r++) {
        for (long u = 0; u < 2; u++) VSTORE(c + (i0 + r) * ldc + j0 + LANES * u, acc[r][u]);
    }
}

// Tiles of PRODUCT_ROWS (the last one shorter) down rows first ..< end of C, columns j0 ..< j0 +
// 2·LANES: A·B with A's rows in place (ROW_PRODUCT), Aᵀ·B in place (TRANSPOSED) or Aᵀ·B from A packed
// in panels of PRODUCT_ROWS columns, `panel_stride` apart (PACKED_TRANSPOSED).
ALWAYS_INLINE void LANE_NAME(panelTiles)(const int KIND, long first, long end, const float *a, long lda,
                                         long panel_stride, const float *b, long ldb, long k, const float *bias,
                                         float *c, long ldc, long j0) {
    for (long row = first; row < end; row += PRODUCT_ROWS) {
#define TILE(R)                                                                                                         \
    switch (KIND) {                                                                                                     \
    case ROW_PRODUCT:                                                                                                   \
        LANE_NAME(rowTile)(R, a + row * lda, lda, b + j0, ldb, k, bias ? bias + j0 : 0, c + row * ldc + j0, ldc);       \
        break;                                                                                                          \
    case TRANSPOSED: LANE_NAME(transposedTile)(R, row, j0, a, lda, b, ldb, c, ldc, k); break;                          \
    default:                                                                                                            \
        LANE_NAME(transposedTile)(R, 0, j0, a + row / PRODUCT_ROWS * panel_stride, PRODUCT_ROWS, b, ldb, c + row * ldc, \
                                  ldc, k);                                                                              \
    }
        switch (end - row < PRODUCT_ROWS ? end - row : PRODUCT_ROWS) {
        case 1: TILE(1); break;
        case 2: TILE(2); break;
        case 3: TILE(3); break;
        case 4: TILE(4); break;
        case 5: TILE(5); break;
        default: TILE(6); break;
        }
#undef TILE
    }
}
