// Register tiles and packed operands shared by the attention kernels (Attention.c: the general
// self-attention of one (sample, head); LowRankAttention.c: its one-channel, shared-projection form).
#ifndef SERIESLENS_ATTENTION_TILES_H
#define SERIESLENS_ATTENTION_TILES_H

#include "Vector8.h"


// Rows of a register tile: 6 rows × 2 vectors (head size 16) is 12 accumulators of the 16 ymm
// registers, leaving room for the B vectors and a broadcast.
enum { TILE_ROWS = 6, MAX_VECTORS = 4 };
// Query rows per backward block: each block reloads and stores ∂K and ∂V (Tk × d) once, so more
// rows amortise that, while the block's ∂S (48 × Tk) and P rows stay in L2 (12, 48 and 96 rows
// measured 727, 679 and 780 µs per head at T = 500, d = 16).
enum { BLOCK_ROWS = 48 };

#define ALWAYS_INLINE static inline __attribute__((always_inline))
// Each kernel file uses some of these helpers.
#define TILE_HELPER static __attribute__((unused))

static inline long paddedWidth(long key_time) { return (key_time + 15) / 16 * 16; }

// target (rows × d, contiguous) = the head's rows of source: the products that sum over keys read
// all Tk rows for every tile, and as the caller's rows (a head is d of the 3D values of a packed
// projection's row) they were Tk cache lines spread over Tk·3D floats.
TILE_HELPER void packHead(const float *source, long stride, long rows, long d, float *target) {
    for (long t = 0; t < rows; t++) memcpy(target + t * d, source + t * stride, sizeof(float) * (size_t)d);
}

// target = scale · sourceᵀ in panels of 16 columns (keys): panel p holds d rows of 16 values, key
// 16p + i of row j at target[p·16·d + 16j + i], zero past the last key. A score tile then reads its
// two vectors per j at fixed offsets from one pointer, and each panel is 16·d contiguous floats.
TILE_HELPER void transposeHead(const float *source, long stride, long rows, long d, float scale, float *target, long padded) {
    for (long t = 0; t < rows; t++) {
        float *panel = target + (t / 16) * 16 * d + t % 16;
        for (long j = 0; j < d; j++) panel[16 * j] = scale * source[t * stride + j];
    }
    for (long t = rows; t < padded; t++) {
        float *panel = target + (t / 16) * 16 * d + t % 16;
        for (long j = 0; j < d; j++) panel[16 * j] = 0;
    }
}

// out[r][0 ..< columns] = Σ_j a[r·lda + j] · panels[j][·] for r < ROWS and j < DEPTH (= d): a
// score tile (Q·Kᵀ or ∂C·Vᵀ) from 16-key panels (see `transposeHead`). The tile's rows are first
// copied together, so that every operand of the unrolled loop is at a fixed offset from a pointer.
ALWAYS_INLINE void wideTile(const long ROWS, const long DEPTH, const float *a, long lda, const float *panels,
                            long columns, float *out, long ldo) {
    float rowsCopy[TILE_ROWS * 8 * MAX_VECTORS];
    for (long r = 0; r < ROWS; r++) {
        for (long j = 0; j < DEPTH; j++) rowsCopy[r * DEPTH + j] = a[r * lda + j];
    }
    long c = 0;
#if defined(SERIESLENS_SIXTEEN_LANES)
    // Two panels at a time in sixteen lanes: 12 accumulators again, the same sums.
    for (; c + 32 <= columns; c += 32) {
        const float *panel = panels + c * DEPTH, *copied = rowsCopy;
        __asm__("" : "+r"(copied));
        f16 acc[TILE_ROWS][2];
        for (long r = 0; r < ROWS; r++) acc[r][0] = acc[r][1] = SPLAT16(0.0f);
        for (long j = 0; j < DEPTH; j++) {
            f16 b0 = load16(panel + 16 * j), b1 = load16(panel + 16 * DEPTH + 16 * j);
            for (long r = 0; r < ROWS; r++) {
                f16 x = SPLAT16(copied[r * DEPTH + j]);
                acc[r][0] = __builtin_elementwise_fma(x, b0, acc[r][0]);
                acc[r][1] = __builtin_elementwise_fma(x, b1, acc[r][1]);
            }
        }
        for (long r = 0; r < ROWS; r++) {
            store16(out + r * ldo + c, acc[r][0]);
            store16(out + r * ldo + c + 16, acc[r][1]);
        }
    }
#endif
    for (; c < columns; c += 16) {
        const float *panel = panels + c * DEPTH, *copied = rowsCopy;
        // Hidden from the optimiser, so that the broadcasts are not hoisted out of the loop over
        // panels into 96 stack vectors, which made clang split the tile in halves of 6 accumulators
        // (too few to hide the FMA latency over a 16-long sum).
        __asm__("" : "+r"(copied));
        f8 acc[TILE_ROWS][2];
        for (long r = 0; r < ROWS; r++) acc[r][0] = acc[r][1] = SPLAT(0.0f);
        for (long j = 0; j < DEPTH; j++) {
            f8 b0 = load8(panel + 16 * j), b1 = load8(panel + 16 * j + 8);
            for (long r = 0; r < ROWS; r++) {
                f8 x = SPLAT(copied[r * DEPTH + j]);
                acc[r][0] = fma8(x, b0, acc[r][0]);
                acc[r][1] = fma8(x, b1, acc[r][1]);
            }
        }
        long rest = columns - c;
        for (long r = 0; r < ROWS; r++) {
            float *row = out + r * ldo + c;
            if (rest >= 16) {
                store8(row, acc[r][0]);
                store8(row + 8, acc[r][1]);
            } else if (rest > 8) {
                store8(row, acc[r][0]);
                storePartial8(row + 8, acc[r][1], rest - 8);
            } else {
                storePartial8(row, acc[r][0], rest);
            }
        }
    }
}

// out[i][0 ..< 8·NV] (+)= Σ_c a[i·outStride + c·depthStride] · b[c·ldb + ·] for i < OUT, c < depth:
// with (outStride, depthStride) = (lda, 1) the rows of A·B (context = P·V, ∂Q += ∂S·K); with (1, lda)
// the rows of Aᵀ·B over a block of query rows (∂V += Pᵀ·∂C, ∂K += ∂Sᵀ·Q).
ALWAYS_INLINE void productTile(const long OUT, const long NV, const float *a, long outStride, long depthStride,
                               const float *b, long ldb, long depth, float *out, long ldo, int accumulate) {
    f8 acc[TILE_ROWS][MAX_VECTORS];
    for (long i = 0; i < OUT; i++) {
        for (long v = 0; v < NV; v++) acc[i][v] = accumulate ? load8(out + i * ldo + 8 * v) : SPLAT(0.0f);
    }
    for (long c = 0; c < depth; c++) {
        f8 bv[MAX_VECTORS];
        for (long v = 0; v < NV; v++) bv[v] = load8(b + c * ldb + 8 * v);
        for (long i = 0; i < OUT; i++) {
            f8 x = SPLAT(a[i * outStride + c * depthStride]);
            for (long v = 0; v < NV; v++) acc[i][v] = fma8(x, bv[v], acc[i][v]);
        }
    }
    for (long i = 0; i < OUT; i++) {
        for (long v = 0; v < NV; v++) store8(out + i * ldo + 8 * v, acc[i][v]);
    }
}

// Rows (or keys) per tile for NV vectors of output: at most 12 accumulators.
static inline long tileRowsFor(long nv) { return nv <= 2 ? 6 : (nv == 3 ? 4 : 3); }

// The tile functions with their row count and vector count as constants, so that clang unrolls the
// register tiles; `rows` ≤ tileRowsFor(nv).
#define DISPATCH_ROWS(rows, CALL) \
    switch (rows) { case 1: CALL(1); break; case 2: CALL(2); break; case 3: CALL(3); break; \
                    case 4: CALL(4); break; case 5: CALL(5); break; default: CALL(6); break; }

#define WIDE_FOR(DEPTH)                                                                                         \
    TILE_HELPER void wideRows##DEPTH(long rows, const float *a, long lda, const float *panels, long columns, float *out, \
                                long ldo) {                                                                     \
        for (long r = 0; r < rows; r += TILE_ROWS) {                                                            \
            long count = rows - r < TILE_ROWS ? rows - r : TILE_ROWS;                                           \
            DISPATCH_ROWS(count, WIDE_TILE_##DEPTH)                                                             \
        }                                                                                                       \
    }
#define WIDE_TILE(R, DEPTH) wideTile(R, DEPTH, a + r * lda, lda, panels, columns, out + r * ldo, ldo)
#define WIDE_TILE_8(R) WIDE_TILE(R, 8)
#define WIDE_TILE_16(R) WIDE_TILE(R, 16)
#define WIDE_TILE_24(R) WIDE_TILE(R, 24)
#define WIDE_TILE_32(R) WIDE_TILE(R, 32)
WIDE_FOR(8)
WIDE_FOR(16)
WIDE_FOR(24)
WIDE_FOR(32)

TILE_HELPER void wideRows(long rows, const float *a, long lda, const float *panels, long depth, long columns, float *out, long ldo) {
    switch (depth) {
    case 8: wideRows8(rows, a, lda, panels, columns, out, ldo); break;
    case 16: wideRows16(rows, a, lda, panels, columns, out, ldo); break;
    case 24: wideRows24(rows, a, lda, panels, columns, out, ldo); break;
    default: wideRows32(rows, a, lda, panels, columns, out, ldo); break;
    }
}

#define NARROW_FOR(NV)                                                                                          \
    TILE_HELPER void narrowRows##NV(long rows, const float *a, long lda, const float *b, long ldb, long depth,        \
                               float *out, long ldo, int accumulate) {                                          \
        const long step = tileRowsFor(NV);                                                                      \
        for (long r = 0; r < rows; r += step) {                                                                 \
            long count = rows - r < step ? rows - r : step;                                                     \
            DISPATCH_ROWS(count, NARROW_TILE_##NV)                                                              \
        }                                                                                                       \
    }                                                                                                           \
    TILE_HELPER void transposedKeys##NV(long keys, const float *a, long lda, const float *b, long ldb, long rows,    \
                                   float *out, long ldo) {                                                      \
        const long step = tileRowsFor(NV);                                                                      \
        for (long k = 0; k < keys; k += step) {                                                                 \
            long count = keys - k < step ? keys - k : step;                                                     \
            DISPATCH_ROWS(count, TRANSPOSED_TILE_##NV)                                                          \
        }                                                                                                       \
    }

// Row counts above a vector count's tile size never occur (the loops step by tileRowsFor(NV)); the
// clamps only keep clang from unrolling the unreachable switch arms into oversized tiles.
#define CLAMP_ROWS(R, NV) ((R) < tileRowsFor(NV) ? (R) : tileRowsFor(NV))
#define NARROW_TILE(R, NV) productTile(CLAMP_ROWS(R, NV), NV, a + r * lda, lda, 1, b, ldb, depth, out + r * ldo, ldo, accumulate)
#define TRANSPOSED_TILE(R, NV) productTile(CLAMP_ROWS(R, NV), NV, a + k, 1, lda, b, ldb, rows, out + k * ldo, ldo, 1)
#define NARROW_TILE_1(R) NARROW_TILE(R, 1)
#define NARROW_TILE_2(R) NARROW_TILE(R, 2)
#define NARROW_TILE_3(R) NARROW_TILE(R, 3)
#define NARROW_TILE_4(R) NARROW_TILE(R, 4)
#define TRANSPOSED_TILE_1(R) TRANSPOSED_TILE(R, 1)
#define TRANSPOSED_TILE_2(R) TRANSPOSED_TILE(R, 2)
#define TRANSPOSED_TILE_3(R) TRANSPOSED_TILE(R, 3)
#define TRANSPOSED_TILE_4(R) TRANSPOSED_TILE(R, 4)
NARROW_FOR(1)
NARROW_FOR(2)
NARROW_FOR(3)
NARROW_FOR(4)

TILE_HELPER void narrowRows(long nv, long rows, const float *a, long lda, const float *b, long ldb, long depth, float *out, long ldo,
                       int accumulate) {
    switch (nv) {
    case 1: narrowRows1(rows, a, lda, b, ldb, depth, out, ldo, accumulate); break;
    case 2: narrowRows2(rows, a, lda, b, ldb, depth, out, ldo, accumulate); break;
    case 3: narrowRows3(rows, a, lda, b, ldb, depth, out, ldo, accumulate); break;
    default: narrowRows4(rows, a, lda, b, ldb, depth, out, ldo, accumulate); break;
    }
}

TILE_HELPER void transposedKeys(long nv, long keys, const float *a, long lda, const float *b, long ldb, long rows, float *out, long ldo) {
    switch (nv) {
    case 1: transposedKeys1(keys, a, lda, b, ldb, rows, out, ldo); break;
    case 2: transposedKeys2(keys, a, lda, b, ldb, rows, out, ldo); break;
    case 3: transposedKeys3(keys, a, lda, b, ldb, rows, out, ldo); break;
    default: transposedKeys4(keys, a, lda, b, ldb, rows, out, ldo); break;
    }
}

#if defined(SERIESLENS_SIXTEEN_LANES)
// `productTile` in sixteen lanes for head sizes of 16 and 32: up to 12 output rows of one vector or
// 6 of two, 12 accumulators either way; the same sums in the same order.
ALWAYS_INLINE void productTile16(const long OUT, const long NV, const float *a, long outStride, long depthStride,
                                 const float *b, long ldb, long depth, float *out, long ldo, int accumulate) {
    f16 acc[12][2];
    for (long i = 0; i < OUT; i++) {
        for (long v = 0; v < NV; v++) acc[i][v] = accumulate ? load16(out + i * ldo + 16 * v) : SPLAT16(0.0f);
    }
    for (long c = 0; c < depth; c++) {
        f16 bv[2];
        for (long v = 0; v < NV; v++) bv[v] = load16(b + c * ldb + 16 * v);
        for (long i = 0; i < OUT; i++) {
            f16 x = SPLAT16(a[i * outStride + c * depthStride]);
            for (long v = 0; v < NV; v++) acc[i][v] = __builtin_elementwise_fma(x, bv[v], acc[i][v]);
        }
    }
    for (long i = 0; i < OUT; i++) {
        for (long v = 0; v < NV; v++) store16(out + i * ldo + 16 * v, acc[i][v]);
    }
}

#define DISPATCH_ROWS12(rows, CALL) \
    switch (rows) { case 1: CALL(1); break; case 2: CALL(2); break; case 3: CALL(3); break; \
                    case 4: CALL(4); break; case 5: CALL(5); break; case 6: CALL(6); break; \
                    case 7: CALL(7); break; case 8: CALL(8); break; case 9: CALL(9); break; \
                    case 10: CALL(10); break; case 11: CALL(11); break; default: CALL(12); break; }

// transposedKeys for head sizes of 16 (nv16 = 1) and 32 (nv16 = 2) in sixteen lanes.
TILE_HELPER void transposedKeys16(long nv16, long keys, const float *a, long lda, const float *b, long ldb, long rows,
                                  float *out, long ldo) {
    const long step = nv16 == 1 ? 12 : 6;
    for (long k = 0; k < keys; k += step) {
        long count = keys - k < step ? keys - k : step;
        if (nv16 == 1) {
#define KEYS_TILE_1(R) productTile16(R, 1, a + k, 1, lda, b, ldb, rows, out + k * ldo, ldo, 1)
            DISPATCH_ROWS12(count, KEYS_TILE_1)
#undef KEYS_TILE_1
        } else {
#define KEYS_TILE_2(R) productTile16((R) < 6 ? (R) : 6, 2, a + k, 1, lda, b, ldb, rows, out + k * ldo, ldo, 1)
            DISPATCH_ROWS(count, KEYS_TILE_2)
#undef KEYS_TILE_2
        }
    }
}
#endif

static inline int supported(long head_size) { return head_size > 0 && head_size % 8 == 0 && head_size <= 8 * MAX_VECTORS; }

#endif
