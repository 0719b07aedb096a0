// C += Aᵀ·B for weight gradients (∂W = ∂Yᵀ·X): an LSTM's ∂W_hh over a few steps' rows, additive
// attention's ∂W₁ over a chunk of a sample's rows, and the 16-column panels of `SmallGEMM`'s Aᵀ·B
// chunks (in place or from packed panels of A). Column panels outer, 6-row tiles inner: each panel of
// B stays in L1 while A streams past it. With AVX-512 the panels are 32 columns of sixteen lanes while
// they last, then one of 16 in eight.
#include "CKernels.h"

#include "Vector8.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

#define LANE_TEMPLATE "ProductTiles.h"
#include "ForEachWidth.h"

static void addTransposedProduct(const int KIND, const float *a, long lda, long panel_stride, const float *b, long ldb,
                                 float *c, long ldc, long m, long n, long k) {
    long j0 = 0;
#if defined(SERIESLENS_SIXTEEN_LANES)
    for (; j0 + 32 <= n; j0 += 32) panelTiles16(KIND, 0, m, a, lda, panel_stride, b, ldb, k, 0, c, ldc, j0);
#endif
    for (; j0 < n; j0 += 16) panelTiles8(KIND, 0, m, a, lda, panel_stride, b, ldb, k, 0, c, ldc, j0);
}

int serieslens_add_transposed_product_f32(const float *a, long lda, const float *b, long ldb, float *c, long ldc,
                                          long m, long n, long k) {
    if (m < 0 || k < 0 || n <= 0 || n % 16 != 0) return 0;
    addTransposedProduct(TRANSPOSED, a, lda, 0, b, ldb, c, ldc, m, n, k);
    return 1;
}

// A packed in panels of 6 of its columns (`SmallGEMM.packTransposedPanels`: panel p holds columns
// 6p ..< 6p + 6 as k groups of 6, `panel_stride` floats apart).
int serieslens_add_packed_transposed_product_f32(const float *panels, long panel_stride, const float *b, long ldb, float *c,
                                                 long ldc, long m, long n, long k) {
    if (m < 0 || k < 0 || n <= 0 || n % 16 != 0) return 0;
    addTransposedProduct(PACKED_TRANSPOSED, panels, 0, panel_stride, b, ldb, c, ldc, m, n, k);
    return 1;
}
