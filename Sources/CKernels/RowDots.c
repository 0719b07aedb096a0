// Dot products of many rows with a few vectors, each score summed exactly as the Swift
// `RowProducts.rowDots` sums it: sixteen lane sums over the row's 16-float blocks in order, then
// the lanes added one at a time, 0 to 15 (SIMD16's `sum()`), then the bias. In Swift that last
// chain is fifteen dependent scalar adds with their extracts for every score, several times the
// products' work (bilstm-multihead's pooling scores, 7 % of an inference batch). Here the lane
// vectors of sixteen scores (4 rows × 4 vectors) are transposed, so the same chain of adds runs
// once for all sixteen, lane by lane, with the same bits.
#include "CKernels.h"

#include "Vector8.h"

#if defined(SERIESLENS_SIXTEEN_LANES)
// Row i of m becomes column i.
static inline void transpose16(f16 m[16]) {
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++) r[i] = (__m512)m[i];
    for (int k = 0; k < 8; k++) {
        t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
    }
    for (int k = 0; k < 4; k++) {
        r[4 * k] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
        r[4 * k + 1] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], 0xEE);
        r[4 * k + 2] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
        r[4 * k + 3] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
    }
    for (int k = 0; k < 2; k++) {
        for (int j = 0; j < 4; j++) {
            t[8 * k + j] = _mm512_shuffle_f32x4(r[8 * k + j], r[8 * k + 4 + j], 0x88);
            t[8 * k + 4 + j] = _mm512_shuffle_f32x4(r[8 * k + j], r[8 * k + 4 + j], 0xDD);
        }
    }
    for (int j = 0; j < 8; j++) {
        m[j] = (f16)_mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);
        m[8 + j] = (f16)_mm512_shuffle_f32x4(t[j], t[8 + j], 0xDD);
    }
}
#endif

int serieslens_row_dots_f32(const float *rows, long count, long width, long row_stride, const float *vectors,
                            long vector_count, long vector_stride, float bias, float *scores, long score_stride) {
#if defined(SERIESLENS_SIXTEEN_LANES)
    if (width % 16 != 0 || vector_count % 4 != 0) return 0;
    for (long first = 0; first < vector_count; first += 4) {
        const float *vector = vectors + first * vector_stride;
        for (long t = 0; t < count; t += 4) {
            long valid = count - t < 4 ? count - t : 4;
            // A short group of rows repeats its last row; only its own scores are stored.
            const float *row[4];
            for (long r = 0; r < 4; r++) row[r] = rows + (t + (r < valid ? r : valid - 1)) * row_stride;
            f16 lanes[16];  // score (row r, vector j) at 4r + j
            for (int i = 0; i < 16; i++) lanes[i] = SPLAT16(0.0f);
            for (long offset = 0; offset < width; offset += 16) {
                f16 w[4];
                for (int j = 0; j < 4; j++) w[j] = load16(vector + j * vector_stride + offset);
                for (int r = 0; r < 4; r++) {
                    f16 x = load16(row[r] + offset);
                    for (int j = 0; j < 4; j++) lanes[4 * r + j] = __builtin_elementwise_fma(x, w[j], lanes[4 * r + j]);
                }
            }
            transpose16(lanes);
            f16 sum = lanes[0];
            for (int i = 1; i < 16; i++) sum += lanes[i];
            sum = SPLAT16(bias) + sum;
            for (long r = 0; r < valid; r++) {
                for (int j = 0; j < 4; j++) scores[(first + j) * score_stride + t + r] = sum[4 * r + j];
            }
        }
    }
    return 1;
#else
    (void)rows; (void)count; (void)width; (void)row_stride; (void)vectors; (void)vector_count; (void)vector_stride;
    (void)bias; (void)scores; (void)score_stride;
    return 0;
#endif
}
