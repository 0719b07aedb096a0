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

long serieslens_row_product_f32(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                                const float *bias, float *c, long ldc, long block_rows) {
    long wide = n - n % 16;
    for (long block = 0; block < m; block += block_rows) {
        long end = m - block < block_rows ? m : block + block_rows, column = 0;
#if defined(SERIESLENS_SIXTEEN_LANES)
        for (; column + 32 <= wide; column += 32) panelTiles16(ROW_PRODUCT, block, end, a, lda, 0, b, ldb, k, bias, c, ldc, column);
#endif
        for (; column < wide; column += 16) panelTiles8(ROW_PRODUCT, block, end, a, lda, 0, b, ldb, k, bias, c, ldc, column);
    }
    return wide;
}
