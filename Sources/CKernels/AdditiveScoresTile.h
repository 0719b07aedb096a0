// Additive attention's scoring tile for one vector width (a template: ForEachWidth.h): SCORE_ROWS
// (3) rows × SCORE_VECTORS (4) vectors of the A columns at a time (32 columns in eight lanes, 64 in sixteen), 12 accumulators.
// tanh(W₁x + b₁) of each element is the same at either width, and w₂·tanh is summed into eight lanes
// per row in column order (`addScorerDot`), so both widths give the same bits. Sixteen lanes measured
// 0.95–0.97 of a bilstm-attention inference batch with 3 rows × 4 vectors against 6 × 2 (32 columns),
// and 1.02–1.03 with 2 × 4 (in-process A/B, two threads, Zen 5).
ALWAYS_INLINE void LANE_NAME(scoreTile)(const long ROWS, const float *input, long features, const float *weight_t,
                                        long width, const float *bias, const float *scorer, float scorer_bias,
                                        float *squashed, float *scores) {
    f8 dots[SCORE_ROWS];
    for (long r = 0; r < ROWS; r++) dots[r] = SPLAT(0.0f);
    for (long column = 0; column < width; column += SCORE_VECTORS * LANES) {
        V acc[SCORE_ROWS][SCORE_VECTORS];
        for (long v = 0; v < SCORE_VECTORS; v++) {
            V b = VLOAD(bias + column + LANES * v);
            for (long r = 0; r < ROWS; r++) acc[r][v] = b;
        }
        for (long k = 0; k < features; k++) {
            V x[SCORE_ROWS];
            for (long r = 0; r < ROWS; r++) x[r] = VSPLAT(input[r * features + k]);
            for (long v = 0; v < SCORE_VECTORS; v++) {
                V w = VLOAD(weight_t + k * width + column + LANES * v);
                for (long r = 0; r < ROWS; r++) acc[r][v] = VFMA(x[r], w, acc[r][v]);
            }
        }
        // tanh of the whole tile, its exponentials stage by stage (15 % faster than one at a time).
        V exponents[LOCKSTEP_MAX], expm1[LOCKSTEP_MAX], scale[LOCKSTEP_MAX];
        for (long r = 0; r < ROWS; r++) {
            for (long v = 0; v < SCORE_VECTORS; v++) exponents[r * SCORE_VECTORS + v] = acc[r][v] + acc[r][v];
        }
        exponentPartsInLockstep(ROWS * SCORE_VECTORS, exponents, expm1, scale);
        for (long r = 0; r < ROWS; r++) {
            for (long v = 0; v < SCORE_VECTORS; v++) {
                long index = r * SCORE_VECTORS + v;
                V s = tanhFromParts(expm1[index], scale[index]);
                if (squashed) VSTORE(squashed + r * width + column + LANES * v, s);
                dots[r] = addScorerDot(s, scorer + column + LANES * v, dots[r]);
            }
        }
    }
    for (long r = 0; r < ROWS; r++) {
        float sum = 0;
        for (int lane = 0; lane < 8; lane++) sum += dots[r][lane];
        scores[r] = scorer_bias + sum;
    }
}

static __attribute__((unused)) void LANE_NAME(scoreRows)(const float *input, long rows, long features, const float *weight_t, long width,
                                 const float *bias, const float *scorer, float scorer_bias, float *squashed,
                                 float *scores) {
    for (long row = 0; row < rows; row += SCORE_ROWS) {
#define SCORE_TILE(R)                                                                                             \
    LANE_NAME(scoreTile)(R, input + row * features, features, weight_t, width, bias, scorer, scorer_bias,          \
                         squashed ? squashed + row * width : 0, scores + row)
        switch (rows - row < SCORE_ROWS ? rows - row : SCORE_ROWS) {
        case 1: SCORE_TILE(1); break;
        case 2: SCORE_TILE(2); break;
        default: SCORE_TILE(3); break;
        }
#undef SCORE_TILE
    }
}
