// Additive attention's scoring network on every row in one pass: e = w₂·tanh(W₁x + b₁) + b₂. The
// projection's register tile gets tanh and the dot with w₂ while it is still in registers, instead
// of a product writing (rows, A), a tanh pass over it and a row-dot pass reading it back.
#include "CKernels.h"

#include "Vector8.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// Rows × 4 vectors (32 of the A columns) per register tile: 12 accumulators at 3 rows.
enum { SCORE_ROWS = 3, COLUMN_VECTORS = 4 };

_Static_assert(SCORE_ROWS * COLUMN_VECTORS <= LOCKSTEP_MAX, "a tile must fit one lockstep");

ALWAYS_INLINE void scoreTile(const long ROWS, const float *input, long features, const float *weight_t, long width,
                             const float *bias, const float *scorer, float scorer_bias, float *squashed, float *scores) {
    f8 dots[SCORE_ROWS];
    for (long r = 0; r < ROWS; r++) dots[r] = SPLAT(0.0f);
    for (long column = 0; column < width; column += 8 * COLUMN_VECTORS) {
        f8 acc[SCORE_ROWS][COLUMN_VECTORS];
        for (long v = 0; v < COLUMN_VECTORS; v++) {
            f8 b = load8(bias + column + 8 * v);
            for (long r = 0; r < ROWS; r++) acc[r][v] = b;
        }
        for (long k = 0; k < features; k++) {
            f8 x[SCORE_ROWS];
            for (long r = 0; r < ROWS; r++) x[r] = SPLAT(input[r * features + k]);
            for (long v = 0; v < COLUMN_VECTORS; v++) {
                f8 w = load8(weight_t + k * width + column + 8 * v);
                for (long r = 0; r < ROWS; r++) acc[r][v] = fma8(x[r], w, acc[r][v]);
            }
        }
        // tanh of the whole tile, its exponentials stage by stage (15 % faster than one at a time).
        f8 exponents[LOCKSTEP_MAX], expm1[LOCKSTEP_MAX], scale[LOCKSTEP_MAX];
        for (long r = 0; r < ROWS; r++) {
            for (long v = 0; v < COLUMN_VECTORS; v++) exponents[r * COLUMN_VECTORS + v] = acc[r][v] + acc[r][v];
        }
        exponentPartsInLockstep(ROWS * COLUMN_VECTORS, exponents, expm1, scale);
        for (long r = 0; r < ROWS; r++) {
            for (long v = 0; v < COLUMN_VECTORS; v++) {
                long index = r * COLUMN_VECTORS + v;
                f8 s = tanhFromParts(expm1[index], scale[index]);
                if (squashed) store8(squashed + r * width + column + 8 * v, s);
                dots[r] = fma8(s, load8(scorer + column + 8 * v), dots[r]);
            }
        }
    }
    for (long r = 0; r < ROWS; r++) {
        float sum = 0;
        for (int lane = 0; lane < 8; lane++) sum += dots[r][lane];
        scores[r] = scorer_bias + sum;
    }
}

int serieslens_additive_scores_f32(const float *input, long rows, long features, const float *weight_t, long width,
                                   const float *bias, const float *scorer, float scorer_bias, float *squashed,
                                   float *scores) {
    if (width <= 0 || width % (8 * COLUMN_VECTORS) != 0) return 0;
    long row = 0;
    for (; row + SCORE_ROWS <= rows; row += SCORE_ROWS) {
        scoreTile(SCORE_ROWS, input + row * features, features, weight_t, width, bias, scorer, scorer_bias,
                  squashed ? squashed + row * width : 0, scores + row);
    }
    switch (rows - row) {
    case 2:
        scoreTile(2, input + row * features, features, weight_t, width, bias, scorer, scorer_bias,
                  squashed ? squashed + row * width : 0, scores + row);
        break;
    case 1:
        scoreTile(1, input + row * features, features, weight_t, width, bias, scorer, scorer_bias,
                  squashed ? squashed + row * width : 0, scores + row);
        break;
    default: break;
    }
    return 1;
}
