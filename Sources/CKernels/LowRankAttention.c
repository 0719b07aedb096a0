// Self-attention of one (sample, head) whose queries, keys and values are affine in a one-channel
// series x with terms shared by the whole batch (a folded embedding: EncoderEmbedding):
//   Q = x·aqᵀ + Cq,   K = x·akᵀ + Ck,   V = x·avᵀ + Cv    (T × d; aq, ak, av and Cq, Ck, Cv shared).
// Then, with the scale s,
//   S = s·Q·Kᵀ = M + x·gᵀ + f·xᵀ,   M = s·Cq·Ckᵀ (shared),   g = s·K·aq,   f = s·Cq·ak,
//   context = P·V = P·Cv + (P·x)·avᵀ,
// so a sample's scores cost two multiply-adds per element instead of a depth-d product, and of the
// backward's four depth-d products two remain: ∂P = ∂C·Cvᵀ + (∂C·av)·xᵀ and ∂V = Pᵀ·∂C. ∂Q = s·∂S·K
// and ∂K = s·∂Sᵀ·Q are only needed summed over the batch and projected onto x, which the caller
// assembles from the sums these kernels add up (LowRankSelfAttention.swift).
#include "CKernels.h"

#include <math.h>

#include "AttentionTiles.h"

static inline float horizontalSum(f8 lanes) {
    float sum = 0;
    for (int lane = 0; lane < 8; lane++) sum += lanes[lane];
    return sum;
}

// E_j = e^{S_j − shift} over one row, stored, with Σ_j E_j in *sum and Σ_j E_j·x_j in *weighted.
// With COMPUTE the scores S_j = shared_j + xi·g_j + fi·x_j are formed on the way; else the row
// holds them already.
ALWAYS_INLINE void exponentiateRow(const int COMPUTE, const float *shared, float xi, const float *g, float fi, const float *x,
                                   long count, float *row, float shiftValue, float *sum, float *weighted) {
    long full = count - count % 8, j;
    f8 queryValue = SPLAT(xi), queryTerm = SPLAT(fi);
    f8 shift = SPLAT(shiftValue), total = SPLAT(0.0f), weightedLanes = SPLAT(0.0f);
#define SCORE(at) (COMPUTE ? fma8(queryTerm, load8(x + (at)), fma8(queryValue, load8(g + (at)), load8(shared + (at)))) \
                           : load8(row + (at)))
    j = 0;
#if defined(SERIESLENS_SIXTEEN_LANES)
    // With AVX-512, 64 scores' exponentials in lockstep in four zmm vectors; the sums still take the
    // eight-lane halves in order, so the same bits as the loops below.
    {
        f16 queryValue16 = SPLAT16(xi), queryTerm16 = SPLAT16(fi), shift16 = SPLAT16(shiftValue);
#define SCORE16(at) (COMPUTE ? __builtin_elementwise_fma(queryTerm16, load16(x + (at)),                              \
                                                         __builtin_elementwise_fma(queryValue16, load16(g + (at)),    \
                                                                                   load16(shared + (at))))           \
                             : load16(row + (at)))
        for (; j + 64 <= full; j += 64) {
            f16 shifted[4], expm1[4], scale[4];
            for (int v = 0; v < 4; v++) shifted[v] = SCORE16(j + 16 * v) - shift16;
            exponentPartsInLockstep(4, shifted, expm1, scale);
            for (int v = 0; v < 4; v++) {
                f16 e = __builtin_elementwise_fma(expm1[v], scale[v], scale[v]);
                f8 low = lowHalf16(e), high = highHalf16(e);
                total += low;
                weightedLanes = fma8(low, load8(x + j + 16 * v), weightedLanes);
                total += high;
                weightedLanes = fma8(high, load8(x + j + 16 * v + 8), weightedLanes);
                store16(row + j + 16 * v, e);
            }
        }
#undef SCORE16
    }
#endif
    // Four vectors' exponentials in lockstep, as in `softmaxRow`.
    for (; j + 32 <= full; j += 32) {
        f8 shifted[4], expm1[4], scale[4];
        for (int v = 0; v < 4; v++) shifted[v] = SCORE(j + 8 * v) - shift;
        exponentPartsInLockstep(4, shifted, expm1, scale);
        for (int v = 0; v < 4; v++) {
            f8 e = fma8(expm1[v], scale[v], scale[v]);
            total += e;
            weightedLanes = fma8(e, load8(x + j + 8 * v), weightedLanes);
            store8(row + j + 8 * v, e);
        }
    }
    for (; j < full; j += 8) {
        f8 e = exp8(SCORE(j) - shift);
        total += e;
        weightedLanes = fma8(e, load8(x + j), weightedLanes);
        store8(row + j, e);
    }
#undef SCORE
    float rowSum = horizontalSum(total), weightedSum = horizontalSum(weightedLanes);
    if (full < count) {
        if (COMPUTE) {
            for (j = full; j < count; j++) row[j] = __builtin_fmaf(fi, x[j], __builtin_fmaf(xi, g[j], shared[j]));
        }
        f8 e = exp8(loadPartial8(row + full, count - full) - shift);
        for (long lane = 0; lane < count - full; lane++) {
            rowSum += e[lane];
            weightedSum += e[lane] * x[full + lane];
        }
        storePartial8(row + full, e, count - full);
    }
    *sum = rowSum;
    *weighted = weightedSum;
}

// Scores whose shift may exceed the row's maximum by this much still leave its largest E ≥ e^-60,
// a normal float, and every E that flushes to zero below e^-87 then a share of the row under
// e^-27: the same softmax to Float's rounding.
enum { MAX_SHIFT_SLACK = 60 };

// One row of scores, S_j = shared_j + xi·g_j + fi·x_j, stored as E_j = e^{S_j − shift} (P_j times
// the row's sum, which is returned in *sum, with Σ_j E_j·x_j in *weighted). The shift is the row's
// maximum or, when `shared_maximum` is given, the bound shared_maximum + |xi|·max|g| + |fi|·max|x|
// ≥ max S, which exceeds it by at most twice the last two terms: within MAX_SHIFT_SLACK, one pass
// over the row (building S and finding its maximum took another).
static void lowRankExponentRow(const float *shared, const float *shared_maximum, float xi, const float *g, float fi,
                               const float *x, float key_bound, float series_bound, long count, float *row, float *sum,
                               float *weighted) {
    float reach = __builtin_fabsf(xi) * key_bound + __builtin_fabsf(fi) * series_bound;
    if (shared_maximum && 2 * reach <= MAX_SHIFT_SLACK) {
        exponentiateRow(1, shared, xi, g, fi, x, count, row, *shared_maximum + reach, sum, weighted);
        return;
    }
    long full = count - count % 8, j;
    f8 queryValue = SPLAT(xi), queryTerm = SPLAT(fi), maxima = SPLAT(-INFINITY);
    for (j = 0; j < full; j += 8) {
        f8 score = fma8(queryTerm, load8(x + j), fma8(queryValue, load8(g + j), load8(shared + j)));
        store8(row + j, score);
        maxima = select8(score > maxima, score, maxima);
    }
    float maximum = -INFINITY;
    for (int lane = 0; lane < 8; lane++) if (maxima[lane] > maximum) maximum = maxima[lane];
    for (; j < count; j++) {
        row[j] = __builtin_fmaf(fi, x[j], __builtin_fmaf(xi, g[j], shared[j]));
        if (row[j] > maximum) maximum = row[j];
    }
    exponentiateRow(0, shared, xi, g, fi, x, count, row, maximum, sum, weighted);
}

void serieslens_row_maxima_f32(const float *matrix, long rows, long columns, long stride, float *maxima) {
    long full = columns - columns % 8;
    for (long r = 0; r < rows; r++) {
        const float *row = matrix + r * stride;
        f8 lanes = SPLAT(-INFINITY);
        for (long j = 0; j < full; j += 8) lanes = __builtin_elementwise_max(lanes, load8(row + j));
        float maximum = -INFINITY;
        for (int lane = 0; lane < 8; lane++) maximum = lanes[lane] > maximum ? lanes[lane] : maximum;
        for (long j = full; j < columns; j++) maximum = row[j] > maximum ? row[j] : maximum;
        maxima[r] = maximum;
    }
}

float serieslens_max_magnitude_f32(const float *values, long count) {
    long full = count - count % 8;
    f8 lanes = SPLAT(0.0f);
    for (long j = 0; j < full; j += 8) lanes = __builtin_elementwise_max(lanes, __builtin_elementwise_abs(load8(values + j)));
    float maximum = 0;
    for (int lane = 0; lane < 8; lane++) maximum = lanes[lane] > maximum ? lanes[lane] : maximum;
    for (long j = full; j < count; j++) maximum = __builtin_fabsf(values[j]) > maximum ? __builtin_fabsf(values[j]) : maximum;
    return maximum;
}

void serieslens_lowrank_attention_value_panels_f32(const float *values, long key_time, long head_size, float *panels) {
    transposeHead(values, head_size, key_time, head_size, 1, panels, paddedWidth(key_time));
}

int serieslens_lowrank_attention_forward_f32(const float *shared_scores, long shared_stride, const float *series,
                                             const float *key_terms, const float *query_terms, long first_row, long rows,
                                             long key_time, const float *values, const float *value_direction,
                                             long head_size, const float *shared_maxima, float key_bound,
                                             float series_bound, float *weights, float *row_scales,
                                             float *weighted_series, float *context, long context_stride) {
    if (!supported(head_size)) return 0;
    long nv = head_size / 8;
    // Six rows at a time (twelve with sixteen lanes, for the 12-row tiles of E·Cv), so that their E
    // rows are still in L1 for the product with Cv.
#if defined(SERIESLENS_SIXTEEN_LANES)
    const long block = 12;
#else
    const long block = TILE_ROWS;
#endif
    for (long r0 = 0; r0 < rows; r0 += block) {
        long count = rows - r0 < block ? rows - r0 : block;
        for (long r = r0; r < r0 + count; r++) {
            long i = first_row + r;
            float sum, weighted;
            lowRankExponentRow(shared_scores + r * shared_stride, shared_maxima ? shared_maxima + r : 0, series[i], key_terms,
                               query_terms[i], series, key_bound, series_bound, key_time, weights + r * key_time, &sum,
                               &weighted);
            row_scales[i] = 1.0f / sum;
            weighted_series[i] = weighted * row_scales[i];
        }
        // context_i = (E_i·Cv)/ΣE_i + (P·x)_i·av. For head sizes of 16 and 32 E·Cv is the dense row tile's
        // product from zero (the same sums in the same order as `narrowRows`): in-process, two threads,
        // inference 0.94–0.99 and training 0.97–1.00 (docs/PERFORMANCE.md, eleventh pass).
        float *out = context + (first_row + r0) * context_stride;
        if (head_size % 16 == 0) {
            static const float zeros[8 * MAX_VECTORS];
            serieslens_row_product_f32(count, head_size, key_time, weights + r0 * key_time, key_time, values, head_size, zeros, out,
                                       context_stride, block);
        } else {
            narrowRows(nv, count, weights + r0 * key_time, key_time, values, head_size, key_time, out, context_stride, 0);
        }
        for (long r = 0; r < count; r++) {
            long i = first_row + r0 + r;
            f8 inverse = SPLAT(row_scales[i]), weighted = SPLAT(weighted_series[i]);
            float *row = out + r * context_stride;
            for (long v = 0; v < nv; v++) {
                store8(row + 8 * v, fma8(weighted, load8(value_direction + 8 * v), inverse * load8(row + 8 * v)));
            }
        }
    }
    return 1;
}

// ∂S = E ⊙ (∂P' − shift) of one row (∂P' = ∂P/ΣE, shift = ⟨P, ∂P⟩/ΣE), added into the row of `sums`; returns
// Σ_j ∂S_j·x_j and, with `gradient`, adds Σ_j ∂S_j·g_j to *query_gradient and
// ∂S_j·h + P_j·u to gradient[j] (the key and value sides of ∂x); key_series[j] += xi·∂S_j.
static float scoreGradientRow(const float *p, const float *dp, float dot, const float *x, float xi, float *sums,
                              float *key_series, const float *g, float h, float u, float *gradient, float *query_gradient,
                              long count) {
    long full = count - count % 8, j = 0;
    f8 shift = SPLAT(dot), queryValue = SPLAT(xi), rowLanes = SPLAT(0.0f);
#if defined(SERIESLENS_SIXTEEN_LANES)
    // Sixteen lanes at a time where AVX-512 has them, the sums by eight-lane halves in order.
    f16 shift16 = SPLAT16(dot), queryValue16 = SPLAT16(xi);
#define HALVES_FMA(lanes, a, b) (lanes = fma8(highHalf16(a), highHalf16(b), fma8(lowHalf16(a), lowHalf16(b), lanes)))
#endif
    if (gradient) {
        f8 keySide = SPLAT(h), valueSide = SPLAT(u), queryLanes = SPLAT(0.0f);
#if defined(SERIESLENS_SIXTEEN_LANES)
        {
            f16 keySide16 = SPLAT16(h), valueSide16 = SPLAT16(u);
            for (; j + 16 <= full; j += 16) {
                f16 pj = load16(p + j), ds = pj * (load16(dp + j) - shift16);
                store16(sums + j, load16(sums + j) + ds);
                HALVES_FMA(rowLanes, ds, load16(x + j));
                HALVES_FMA(queryLanes, ds, load16(g + j));
                store16(key_series + j, __builtin_elementwise_fma(queryValue16, ds, load16(key_series + j)));
                store16(gradient + j, __builtin_elementwise_fma(valueSide16, pj,
                                                                __builtin_elementwise_fma(keySide16, ds, load16(gradient + j))));
            }
        }
#endif
        for (; j < full; j += 8) {
            f8 pj = load8(p + j), ds = pj * (load8(dp + j) - shift);
            store8(sums + j, load8(sums + j) + ds);
            rowLanes = fma8(ds, load8(x + j), rowLanes);
            queryLanes = fma8(ds, load8(g + j), queryLanes);
            store8(key_series + j, fma8(queryValue, ds, load8(key_series + j)));
            store8(gradient + j, fma8(valueSide, pj, fma8(keySide, ds, load8(gradient + j))));
        }
        float query = horizontalSum(queryLanes);
        for (; j < count; j++) {
            float ds = p[j] * (dp[j] - dot);
            query += ds * g[j];
            gradient[j] = __builtin_fmaf(u, p[j], __builtin_fmaf(h, ds, gradient[j]));
        }
        *query_gradient += query;
    } else {
#if defined(SERIESLENS_SIXTEEN_LANES)
        {
            for (; j + 16 <= full; j += 16) {
                f16 ds = load16(p + j) * (load16(dp + j) - shift16);
                store16(sums + j, load16(sums + j) + ds);
                HALVES_FMA(rowLanes, ds, load16(x + j));
                store16(key_series + j, __builtin_elementwise_fma(queryValue16, ds, load16(key_series + j)));
            }
        }
#endif
        for (; j < full; j += 8) {
            f8 ds = load8(p + j) * (load8(dp + j) - shift);
            store8(sums + j, load8(sums + j) + ds);
            rowLanes = fma8(ds, load8(x + j), rowLanes);
            store8(key_series + j, fma8(queryValue, ds, load8(key_series + j)));
        }
    }
    float row = horizontalSum(rowLanes);
    for (j = full; j < count; j++) {
        float ds = p[j] * (dp[j] - dot);
        sums[j] += ds;
        row += ds * x[j];
        key_series[j] = __builtin_fmaf(xi, ds, key_series[j]);
    }
    return row;
}
#undef HALVES_FMA

float serieslens_lowrank_attention_backward_f32(const float *weights, const float *context_gradient,
                                                long context_gradient_stride, const float *series,
                                                const float *row_scales, const float *weighted_series,
                                                const float *key_terms, const float *key_side, long first_row,
                                                long rows, long key_time,
                                                const float *value_panels, const float *value_direction, long head_size,
                                                float *score_sums, long score_stride, float *row_series,
                                                float *key_series, float *value_sums, long value_sums_stride,
                                                float *value_series, float *input_gradient, float *scratch) {
    long padded = paddedWidth(key_time), nv = head_size / 8, full = key_time - key_time % 8;
    const float *upstream = context_gradient + first_row * context_gradient_stride;
    // ∂C·Cvᵀ for the block's rows, in L1/L2 scratch.
    wideRows(rows, upstream, context_gradient_stride, value_panels, head_size, key_time, scratch, padded);
    float projected = 0;
    for (long r = 0; r < rows; r++) {
        long i = first_row + r;
        const float *p = weights + r * key_time, *dc = upstream + r * context_gradient_stride;
        float *dp = scratch + r * padded;
        f8 lanes = SPLAT(0.0f);
        for (long v = 0; v < nv; v++) lanes = fma8(load8(dc + 8 * v), load8(value_direction + 8 * v), lanes);
        float u = horizontalSum(lanes), xi = series[i], inverse = row_scales[i];
        // ∂P' = (∂P + u·xᵀ)/ΣE, ⟨E, ∂P'⟩ = ⟨P, ∂P⟩, and ∂S = P ⊙ (∂P − ⟨P, ∂P⟩) = E ⊙ (∂P' − ⟨P, ∂P⟩/ΣE).
        f8 valueSide = SPLAT(u), scale = SPLAT(inverse), dotLanes = SPLAT(0.0f);
        long j = 0;
#if defined(SERIESLENS_SIXTEEN_LANES)
        {
            f16 valueSide16 = SPLAT16(u), scale16 = SPLAT16(inverse);
            for (; j + 16 <= full; j += 16) {
                f16 gradient = scale16 * __builtin_elementwise_fma(valueSide16, load16(series + j), load16(dp + j));
                store16(dp + j, gradient);
                f16 pj = load16(p + j);
                dotLanes = fma8(highHalf16(pj), highHalf16(gradient), fma8(lowHalf16(pj), lowHalf16(gradient), dotLanes));
            }
        }
#endif
        for (; j < full; j += 8) {
            f8 gradient = scale * fma8(valueSide, load8(series + j), load8(dp + j));
            store8(dp + j, gradient);
            dotLanes = fma8(load8(p + j), gradient, dotLanes);
        }
        float dot = horizontalSum(dotLanes);
        for (; j < key_time; j++) {
            dp[j] = inverse * __builtin_fmaf(u, series[j], dp[j]);
            dot += p[j] * dp[j];
        }
        float rowSum = scoreGradientRow(p, dp, inverse * dot, series, xi, score_sums + r * score_stride, key_series, key_terms,
                                        key_side[i], u * inverse, input_gradient, input_gradient ? input_gradient + i : 0,
                                        key_time);
        row_series[i] += rowSum;
        projected += xi * rowSum;
    }
    // ∂V += Pᵀ·∂C = Eᵀ·(∂C/ΣE) over the block's rows, and Σ_i (P·x)_i·∂C_i.
    float *scaledUpstream = scratch + rows * padded;
    for (long r = 0; r < rows; r++) {
        f8 weighted = SPLAT(weighted_series[first_row + r]), inverse = SPLAT(row_scales[first_row + r]);
        const float *dc = upstream + r * context_gradient_stride;
        for (long v = 0; v < nv; v++) {
            f8 gradient = load8(dc + 8 * v);
            store8(scaledUpstream + r * head_size + 8 * v, inverse * gradient);
            store8(value_series + 8 * v, fma8(weighted, gradient, load8(value_series + 8 * v)));
        }
    }
#if defined(SERIESLENS_SIXTEEN_LANES)
    if (head_size % 16 == 0) {
        transposedKeys16(head_size / 16, key_time, weights, key_time, scaledUpstream, head_size, rows, value_sums, value_sums_stride);
        return projected;
    }
#endif
    transposedKeys(nv, key_time, weights, key_time, scaledUpstream, head_size, rows, value_sums, value_sums_stride);
    return projected;
}
