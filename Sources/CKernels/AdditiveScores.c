// Additive attention's scoring network on every row in one pass: e = w₂·tanh(W₁x + b₁) + b₂. The
// projection's register tile gets tanh and the dot with w₂ while it is still in registers, instead
// of a product writing (rows, A), a tanh pass over it and a row-dot pass reading it back.
#include "CKernels.h"

#include "Vector8.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// dot + w₂·s over the lanes of s, as eight-lane FMAs in column order.
static inline __attribute__((overloadable, always_inline)) f8 addScorerDot(f8 s, const float *scorer, f8 dot) {
    return fma8(s, load8(scorer), dot);
}
#if defined(SERIESLENS_SIXTEEN_LANES)
static inline __attribute__((overloadable, always_inline)) f8 addScorerDot(f16 s, const float *scorer, f8 dot) {
    return fma8(highHalf16(s), load8(scorer + 8), fma8(lowHalf16(s), load8(scorer), dot));
}
#endif

enum { SCORE_ROWS = 3, SCORE_VECTORS = 4 };
#define LANE_TEMPLATE "AdditiveScoresTile.h"
#include "ForEachWidth.h"
_Static_assert(SCORE_ROWS * SCORE_VECTORS <= LOCKSTEP_MAX, "a tile must fit one lockstep");

int serieslens_additive_scores_f32(const float *input, long rows, long features, const float *weight_t, long width,
                                   const float *bias, const float *scorer, float scorer_bias, float *squashed,
                                   float *scores) {
    if (width <= 0 || width % 32 != 0) return 0;
    // Sixteen lanes take the columns 64 at a time, eight lanes 32.
#if defined(SERIESLENS_SIXTEEN_LANES)
    if (width % 64 == 0) {
        scoreRows16(input, rows, features, weight_t, width, bias, scorer, scorer_bias, squashed, scores);
        return 1;
    }
#endif
    scoreRows8(input, rows, features, weight_t, width, bias, scorer, scorer_bias, squashed, scores);
    return 1;
}
