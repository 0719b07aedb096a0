// C = bias + A·B or C += A·B over whole 16-column panels (`SmallGEMM.multiplyRows`): the layers'
// projections, Winograd's per-point products and direct convolution's sliding windows, A's rows read
// in place. Blocks of `block_rows` rows, 16-column panels outer within a block, 6-row tiles inner: a
// block of one tile is rows outer; a taller one keeps each panel of B in L1 for the block's tiles.
#include "CKernels.h"

#include "Vector8.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

enum { ROW_TILE = 6 };

// Rows 0 ..< ROWS, columns 0 ..< 16 of C from `bias` (or C itself when NULL), then + Σ_k A[r][k]·B[k]
// in order of k with one FMA per term: the operations of `SmallGEMM.tile16`, so the same bits.
// Each row of A has its own pointer and the loop one index, so that no address is spilled.
ALWAYS_INLINE void rowTile(const long ROWS, const float *a, long lda, const float *b, long ldb, long k,
                           const float *bias, float *c, long ldc) {
    const float *rows[ROW_TILE];
    f8 acc[ROW_TILE][2];
    for (long r = 0; r < ROWS; r++) {
        rows[r] = a + r * lda;
        acc[r][0] = bias ? load8(bias) : load8(c + r * ldc);
        acc[r][1] = bias ? load8(bias + 8) : load8(c + r * ldc + 8);
    }
    for (long inner = 0; inner < k; inner++) {
        f8 left = load8(b), right = load8(b + 8);
        b += ldb;
        for (long r = 0; r < ROWS; r++) {
            f8 x = SPLAT(rows[r][inner]);
            acc[r][0] = fma8(x, left, acc[r][0]);
            acc[r][1] = fma8(x, right, acc[r][1]);
        }
    }
    for (long r = 0; r < ROWS; r++) {
        store8(c + r * ldc, acc[r][0]);
        store8(c + r * ldc + 8, acc[r][1]);
    }
}

#define ROW_TILE_CASE(R)                                                                                 \
    case R:                                                                                              \
        rowTile(R, a + row * lda, lda, b + column, ldb, k, bias ? bias + column : 0, c + row * ldc + column, ldc); \
        break;

long serieslens_row_product_f32(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                                const float *bias, float *c, long ldc, long block_rows) {
    long wide = n - n % 16;
    for (long block = 0; block < m; block += block_rows) {
        long end = m - block < block_rows ? m : block + block_rows;
        for (long column = 0; column < wide; column += 16) {
            for (long row = block; row < end; row += ROW_TILE) {
                switch (end - row < ROW_TILE ? end - row : ROW_TILE) {
                    ROW_TILE_CASE(1) ROW_TILE_CASE(2) ROW_TILE_CASE(3) ROW_TILE_CASE(4) ROW_TILE_CASE(5)
                default: rowTile(6, a + row * lda, lda, b + column, ldb, k, bias ? bias + column : 0, c + row * ldc + column, ldc);
                }
            }
        }
    }
    return wide;
}
