// C += Aᵀ·B for weight gradients (∂W = ∂Yᵀ·X): an LSTM's ∂W_hh over a few steps' rows, additive
// attention's ∂W₁ over a chunk of a sample's rows, and the 16-column panels of `SmallGEMM`'s Aᵀ·B
// chunks (in place or from packed panels of A).
#include "CKernels.h"

#include "Vector8.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// Rows i0 ..< i0 + ROWS, columns j0 ..< j0 + 16 of C: 12 accumulators (6 × 2 vectors), each summed
// over the k rows in order from its old value; per row of A, ROWS values broadcast against 16 of B.
enum { PRODUCT_ROWS = 6 };
ALWAYS_INLINE void transposedTile(const long ROWS, long i0, long j0, const float *a, long lda, const float *b, long ldb,
                                  float *c, long ldc, long k) {
    f8 acc[PRODUCT_ROWS][2];
    for (long r = 0; r < ROWS; r++) {
        for (long u = 0; u < 2; u++) acc[r][u] = load8(c + (i0 + r) * ldc + j0 + 8 * u);
    }
    for (long row = 0; row < k; row++) {
        f8 x0 = load8(b + row * ldb + j0), x1 = load8(b + row * ldb + j0 + 8);
        for (long r = 0; r < ROWS; r++) {
            f8 g = SPLAT(a[row * lda + i0 + r]);
            acc[r][0] = fma8(g, x0, acc[r][0]);
            acc[r][1] = fma8(g, x1, acc[r][1]);
        }
    }
    for (long r = 0; r < ROWS; r++) {
        for (long u = 0; u < 2; u++) store8(c + (i0 + r) * ldc + j0 + 8 * u, acc[r][u]);
    }
}

int serieslens_add_transposed_product_f32(const float *a, long lda, const float *b, long ldb, float *c, long ldc,
                                          long m, long n, long k) {
    if (m < 0 || k < 0 || n <= 0 || n % 16 != 0) return 0;
    for (long j0 = 0; j0 < n; j0 += 16) {
        long i0 = 0;
        for (; i0 + PRODUCT_ROWS <= m; i0 += PRODUCT_ROWS) transposedTile(PRODUCT_ROWS, i0, j0, a, lda, b, ldb, c, ldc, k);
        switch (m - i0) {
        case 5: transposedTile(5, i0, j0, a, lda, b, ldb, c, ldc, k); break;
        case 4: transposedTile(4, i0, j0, a, lda, b, ldb, c, ldc, k); break;
        case 3: transposedTile(3, i0, j0, a, lda, b, ldb, c, ldc, k); break;
        case 2: transposedTile(2, i0, j0, a, lda, b, ldb, c, ldc, k); break;
        case 1: transposedTile(1, i0, j0, a, lda, b, ldb, c, ldc, k); break;
        default: break;
        }
    }
    return 1;
}

// The same tiles over A packed in panels of 6 of its columns (`SmallGEMM.packTransposedPanels`:
// panel p holds columns 6p ..< 6p + 6 as k groups of 6, `panel_stride` floats apart), 16-column
// panels of B outer so that each stays in L1 while A's panels stream past it.
int serieslens_add_packed_transposed_product_f32(const float *panels, long panel_stride, const float *b, long ldb, float *c,
                                                 long ldc, long m, long n, long k) {
    if (m < 0 || k < 0 || n <= 0 || n % 16 != 0) return 0;
    for (long j0 = 0; j0 < n; j0 += 16) {
        for (long i0 = 0; i0 < m; i0 += PRODUCT_ROWS) {
            const float *panel = panels + i0 / PRODUCT_ROWS * panel_stride;
            float *rows = c + i0 * ldc;
            switch (m - i0 < PRODUCT_ROWS ? m - i0 : PRODUCT_ROWS) {
            case 1: transposedTile(1, 0, j0, panel, PRODUCT_ROWS, b, ldb, rows, ldc, k); break;
            case 2: transposedTile(2, 0, j0, panel, PRODUCT_ROWS, b, ldb, rows, ldc, k); break;
            case 3: transposedTile(3, 0, j0, panel, PRODUCT_ROWS, b, ldb, rows, ldc, k); break;
            case 4: transposedTile(4, 0, j0, panel, PRODUCT_ROWS, b, ldb, rows, ldc, k); break;
            case 5: transposedTile(5, 0, j0, panel, PRODUCT_ROWS, b, ldb, rows, ldc, k); break;
            default: transposedTile(6, 0, j0, panel, PRODUCT_ROWS, b, ldb, rows, ldc, k); break;
            }
        }
    }
    return 1;
}
