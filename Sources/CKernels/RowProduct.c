// C = bias + A·B or C += A·B over whole 16-column panels (`SmallGEMM.multiplyRows`): the layers'
// projections, Winograd's per-point products and direct convolution's sliding windows, A's rows read
// in place. Blocks of `block_rows` rows, column panels outer within a block, 6-row tiles inner: a
// block of one tile is rows outer; a taller one keeps each panel of B in L1 for the block's tiles.
// With AVX-512 the panels are 32 columns of sixteen lanes while they last, then one of 16 in eight.
#include "CKernels.h"

#include "Vector8.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

#define LANE_TEMPLATE "ProductTiles.h"
#include "ForEachWidth.h"

#if defined(SERIESLENS_SIXTEEN_LANES)
// A 16-column panel with sixteen lanes: one vector per row, so up to 12 rows for 12 accumulators
// (a 6-row tile of single vectors waits on its FMA chains). The operations of `rowTile`.
enum { COLUMN_TILE_ROWS = 12 };
ALWAYS_INLINE void columnTile16(const long ROWS, const float *a, long lda, const float *b, long ldb, long k,
                                const float *bias, float *c, long ldc) {
    const float *rows[COLUMN_TILE_ROWS];
    f16 acc[COLUMN_TILE_ROWS];
    for (long r = 0; r < ROWS; r++) {
        rows[r] = a + r * lda;
        acc[r] = bias ? load16(bias) : load16(c + r * ldc);
    }
    for (long inner = 0; inner < k; inner++) {
        f16 column = load16(b);
        b += ldb;
        for (long r = 0; r < ROWS; r++) acc[r] = __builtin_elementwise_fma(SPLAT16(rows[r][inner]), column, acc[r]);
    }
    for (long r = 0; r < ROWS; r++) store16(c + r * ldc, acc[r]);
}

static void columnTiles16(long first, long end, const float *a, long lda, const float *b, long ldb, long k,
                          const float *bias, float *c, long ldc, long j0) {
    for (long row = first; row < end; row += COLUMN_TILE_ROWS) {
#define TILE(R) columnTile16(R, a + row * lda, lda, b + j0, ldb, k, bias ? bias + j0 : 0, c + row * ldc + j0, ldc)
        switch (end - row < COLUMN_TILE_ROWS ? end - row : COLUMN_TILE_ROWS) {
        case 1: TILE(1); break;
        case 2: TILE(2); break;
        case 3: TILE(3); break;
        case 4: TILE(4); break;
        case 5: TILE(5); break;
        case 6: TILE(6); break;
        case 7: TILE(7); break;
        case 8: TILE(8); break;
        case 9: TILE(9); break;
        case 10: TILE(10); break;
        case 11: TILE(11); break;
        default: TILE(12); break;
        }
#undef TILE
    }
}
#endif

long serieslens_row_product_f32(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                                const float *bias, float *c, long ldc, long block_rows) {
    long wide = n - n % 16;
    for (long block = 0; block < m; block += block_rows) {
        long end = m - block < block_rows ? m : block + block_rows, column = 0;
#if defined(SERIESLENS_SIXTEEN_LANES)
        for (; column + 32 <= wide; column += 32) panelTiles16(ROW_PRODUCT, block, end, a, lda, 0, b, ldb, k, bias, c, ldc, column);
#endif
#if defined(SERIESLENS_SIXTEEN_LANES)
        if (column < wide) {
            columnTiles16(block, end, a, lda, b, ldb, k, bias, c, ldc, column);
            column += 16;
        }
#endif
        for (; column < wide; column += 16) panelTiles8(ROW_PRODUCT, block, end, a, lda, 0, b, ldb, k, bias, c, ldc, column);
    }
    return wide;
}
