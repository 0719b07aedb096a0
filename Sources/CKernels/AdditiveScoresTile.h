// Additive attention's scoring tile for one vector width (a template: ForEachWidth.h): ROWS rows ×
// 32 of the A columns at a time, SCORE_VECTORS vectors per row (12 accumulators at the widest tile).
// tanh(W₁x + b₁) of each element is the same at either width, and w₂·tanh is summed into eight lanes
// per row in column order (`addScorerDot`), so both widths give the same bits.
#undef SCORE_ROWS
#undef SCORE_VECTORS
#define SCORE_ROWS (LANES == 16 ? 6 : 3)
#define SCORE_VECTORS (32 / LANES)

ALWAYS_INLINE void LANE_NAME(scoreTile)(const long ROWS, const float *input, long features, const float *weight_t,
                                        long width, const float *bias, const float *scorer, float scorer_bias,
                                        float *squashed, float *scores) {
    f8 dots[MAX_SCORE_ROWS];
    for (long r = 0; r < ROWS; r++) dots[r] = SPLAT(0.0f);
    for (long column = 0; column < width; column += 32) {
        V acc[MAX_SCORE_ROWS][SCORE_VECTORS];
        for (long v = 0; v < SCORE_VECTORS; v++) {
            V b = VLOAD(bias + column + LANES * v);
            for (long r = 0; r < ROWS; r++) acc[r][v] = b;
        }
        for (long k = 0; k < features; k++) {
            V x[MAX_SCORE_ROWS];
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
        case 3: SCORE_TILE(3); break;
        case 4: SCORE_TILE(4); break;
        case 5: SCORE_TILE(5); break;
        default: SCORE_TILE(6); break;
        }
#undef SCORE_TILE
    }
}
