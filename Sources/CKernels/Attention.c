// Self-attention of one (sample, head), fused by blocks of query rows so that the (Tq, Tk) scores
// and their gradients are produced, used and dropped while in L1 and L2. Unfused, every T×T product
// and softmax pass streamed 1 MB matrices (T = 500) through L3: the products ran at ~35 % of peak.
#include "CKernels.h"

#include "AttentionTiles.h"

long serieslens_attention_scratch_floats(long key_time, long head_size) {
    long padded = paddedWidth(key_time);
    return head_size * padded + BLOCK_ROWS * padded + 3 * padded * head_size;
}

int serieslens_attention_supports_head_size(long head_size) { return supported(head_size); }

int serieslens_attention_forward_f32(const float *query, long query_stride, const float *key, long key_stride,
                                     const float *value, long value_stride, long query_time, long key_time,
                                     long head_size, float scale, float *weights, float *context,
                                     long context_stride, float *scratch) {
    if (!supported(head_size)) return 0;
    long padded = paddedWidth(key_time), nv = head_size / 8;
    float *scaledKeys = scratch, *values = scratch + (head_size + BLOCK_ROWS) * padded;
    transposeHead(key, key_stride, key_time, head_size, scale, scaledKeys, padded);
    packHead(value, value_stride, key_time, head_size, values);
    for (long r0 = 0; r0 < query_time; r0 += TILE_ROWS) {
        long rows = query_time - r0 < TILE_ROWS ? query_time - r0 : TILE_ROWS;
        // Without `weights` (evaluation) each block's P lives in the scratch the backward uses for
        // ∂S, in L1, instead of being written out: 1 MB per (sample, head) at T = 500.
        float *p = weights ? weights + r0 * key_time : scratch + head_size * padded;
        wideRows(rows, query + r0 * query_stride, query_stride, scaledKeys, head_size, key_time, p, key_time);
        for (long r = 0; r < rows; r++) softmaxRow(p + r * key_time, key_time);
        narrowRows(nv, rows, p, key_time, values, head_size, key_time, context + r0 * context_stride, context_stride, 0);
    }
    return 1;
}

// ∂S = scale · P ⊙ (∂P − ⟨P, ∂P⟩) for one row, in place on ∂P.
static void softmaxBackwardRow(const float *p, float *gradient, long count, float scale) {
    long full = count - count % 8, index;
    f8 lanes = SPLAT(0.0f);
    for (index = 0; index < full; index += 8) lanes = fma8(load8(p + index), load8(gradient + index), lanes);
    float dot = 0;
    for (int lane = 0; lane < 8; lane++) dot += lanes[lane];
    for (index = full; index < count; index++) dot += p[index] * gradient[index];
    f8 shift = SPLAT(dot), factor = SPLAT(scale);
    for (index = 0; index < full; index += 8) {
        store8(gradient + index, factor * load8(p + index) * (load8(gradient + index) - shift));
    }
    for (index = full; index < count; index++) gradient[index] = scale * p[index] * (gradient[index] - dot);
}

int serieslens_attention_backward_f32(const float *context_gradient, long context_gradient_stride, const float *weights,
                                      const float *query, long query_stride, const float *key, long key_stride,
                                      const float *value, long value_stride, float *query_gradient,
                                      long query_gradient_stride, float *key_gradient, long key_gradient_stride,
                                      float *value_gradient, long value_gradient_stride, long query_time,
                                      long key_time, long head_size, float scale, float *scratch, int accumulate) {
    if (!supported(head_size)) return 0;
    long padded = paddedWidth(key_time), nv = head_size / 8;
    float *valuesTransposed = scratch, *scores = scratch + head_size * padded;
    // ∂K and ∂V are summed over the blocks in contiguous (Tk, d) scratch, which streams from L2
    // better than the strided rows of the caller's gradients, and added into those once at the end.
    float *keySums = scores + BLOCK_ROWS * padded, *valueSums = keySums + padded * head_size;
    float *keys = valueSums + padded * head_size;
    packHead(key, key_stride, key_time, head_size, keys);
    memset(keySums, 0, sizeof(float) * 2 * padded * head_size);
    transposeHead(value, value_stride, key_time, head_size, 1, valuesTransposed, padded);
    for (long r0 = 0; r0 < query_time; r0 += BLOCK_ROWS) {
        long rows = query_time - r0 < BLOCK_ROWS ? query_time - r0 : BLOCK_ROWS;
        const float *p = weights + r0 * key_time;
        const float *upstream = context_gradient + r0 * context_gradient_stride;
        const float *queries = query + r0 * query_stride;
        // ∂P = ∂C·Vᵀ; the softmax's backward reads the block's P rows in order, which brings them
        // from memory at streaming speed, and then ∂V += Pᵀ·∂C reads them from L2 (reading them
        // first by columns of keys took twice as long).
        wideRows(rows, upstream, context_gradient_stride, valuesTransposed, head_size, key_time, scores, padded);
        for (long r = 0; r < rows; r++) softmaxBackwardRow(p + r * key_time, scores + r * padded, key_time, scale);
        transposedKeys(nv, key_time, p, key_time, upstream, context_gradient_stride, rows, valueSums, head_size);
        // ∂Q += ∂S·K and ∂K += ∂Sᵀ·Q (the scale is already in ∂S).
        narrowRows(nv, rows, scores, padded, keys, head_size, key_time, query_gradient + r0 * query_gradient_stride,
                   query_gradient_stride, accumulate);
        transposedKeys(nv, key_time, scores, padded, queries, query_stride, rows, keySums, head_size);
    }
    for (long t = 0; t < key_time; t++) {
        float *keyRow = key_gradient + t * key_gradient_stride, *valueRow = value_gradient + t * value_gradient_stride;
        for (long j = 0; j < head_size; j++) {
            keyRow[j] = accumulate ? keyRow[j] + keySums[t * head_size + j] : keySums[t * head_size + j];
            valueRow[j] = accumulate ? valueRow[j] + valueSums[t * head_size + j] : valueSums[t * head_size + j];
        }
    }
    return 1;
}
