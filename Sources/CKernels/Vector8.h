// Vector helpers shared by the C kernels (private to this target): eight lanes, and sixteen with AVX-512.
#ifndef SERIESLENS_VECTOR8_H
#define SERIESLENS_VECTOR8_H

#include <stdint.h>
#include <string.h>
#if defined(__AVX__)
#include <immintrin.h>
#endif

// Eight lanes: one ymm register with AVX2 (sixteen-lane f16 below for AVX-512). Without vector
// flags clang lowers them to pairs of xmm (and fma to libm calls), slow but correct;
// TargetFlagsTests fails such a build.
typedef float f8 __attribute__((vector_size(32), aligned(4)));
typedef int32_t i8 __attribute__((vector_size(32), aligned(4)));
#define SPLAT(v) ((f8){(v), (v), (v), (v), (v), (v), (v), (v)})

static inline f8 fma8(f8 a, f8 b, f8 c) { return __builtin_elementwise_fma(a, b, c); }
static inline f8 select8(i8 mask, f8 a, f8 b) { return (f8)((mask & (i8)a) | (~mask & (i8)b)); }
static inline f8 load8(const float *p) { f8 v; memcpy(&v, p, sizeof v); return v; }
static inline void store8(float *p, f8 v) { memcpy(p, &v, sizeof v); }

// A NaN must pass through, so a diverged model stays visibly NaN. x86's max/min return their second
// operand when either is NaN, so max(low, x) and min(high, x) keep it, in one instruction each (the
// compare-and-select fallback takes six, in every exp, sigmoid and tanh of the cell and softmax).
static inline f8 clamp8(f8 x, float low, float high) {
#if defined(__AVX__)
    f8 raised = (f8)_mm256_max_ps((__m256)SPLAT(low), (__m256)x);
    return (f8)_mm256_min_ps((__m256)SPLAT(high), (__m256)raised);
#else
    x = select8(x < SPLAT(low), SPLAT(low), x);
    return select8(x > SPLAT(high), SPLAT(high), x);
#endif
}

// Sixteen lanes (one zmm register) where AVX-512 is available: the kernels whose vectors run
// along independent units or columns (the LSTM step, the dense product tiles) instantiate their
// tiles for both widths, with the same operations per element in the same order, so both widths
// give the same bits and a machine without AVX-512 runs the eight-lane tiles.
#if defined(__AVX512F__)
#define SERIESLENS_SIXTEEN_LANES 1
typedef float f16 __attribute__((vector_size(64), aligned(4)));
typedef int32_t i16 __attribute__((vector_size(64), aligned(4)));
#define SPLAT16(v) ((f16){(v), (v), (v), (v), (v), (v), (v), (v), (v), (v), (v), (v), (v), (v), (v), (v)})
static inline f16 load16(const float *p) { f16 v; memcpy(&v, p, sizeof v); return v; }
static inline void store16(float *p, f16 v) { memcpy(p, &v, sizeof v); }
static inline f8 lowHalf16(f16 v) { return __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7); }
static inline f8 highHalf16(f16 v) { return __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15); }
static inline f16 clamp16(f16 x, float low, float high) {
    f16 raised = (f16)_mm512_max_ps((__m512)SPLAT16(low), (__m512)x);
    return (f16)_mm512_min_ps((__m512)SPLAT16(high), (__m512)raised);
}
#endif

// A loop over a tile's vectors that must become straight-line code with its arrays in registers.
// SwiftPM compiles C at -O2, whose unroller left the twelve-vector lockstep below a loop over stack
// arrays: a 3-row LSTM tile had 51 zmm spills and reloads and ran slower than a 2-row one; -O3, or
// this, unrolls it (no spills; 3 rows then measured 0.91 of the 2-row step, C benchmark).
#define UNROLLED _Pragma("clang loop unroll(full)")

// The functions below are overloaded on the vector type (clang's `overloadable`): one definition,
// instantiated for f8 and, with AVX-512, f16 (`LANE_FUNCTIONS`).
#define LANE_FUNCTION static inline __attribute__((overloadable, always_inline))

// e^x = 2^n·e^r with n = round(x·log2 e), |r| ≤ ln2/2, in stages (`exponentParts` runs them in
// a row; the LSTM step runs each stage over a whole tile's vectors before the next, the same
// operations in another order). x is clamped to [−87.33, 88]: 2^n stays a normal number.
//  - exponentRounded: n + 1.5·2^23; adding the magic constant rounds x·log2 e to an integer in the
//    low bits.
//  - exponentRemainder: r = x − n·ln 2, with a Cody–Waite split of ln 2 so r is exact to ~2^-32.
//  - exponentExpm1: returns e^r − 1 (accurate relative to itself, so that e^x − 1 keeps full
//    precision near 0) and 2^n in *scale. e^r − 1 = r + r²(1/2 + r/6) + r⁴(1/24 + r/120 + r²/720),
//    degree-6 Taylor (truncation ≤ 1.2e-7 relative on |r| ≤ 0.347), in Estrin's form: the dependent
//    chain is 3 FMAs deep, not 6; the cell's throughput is bound by how long its chains keep the
//    scheduler full. 0x3F800000 is the bit pattern of 1.0f, the exponent bias.
//  - exponentPartsInLockstep: the parts of e^{x[v]} for v < count (≤ LOCKSTEP_MAX), stage by stage
//    over all vectors: each stage offers `count` independent operations to the out-of-order core,
//    where one vector's whole chain at a time filled its FP scheduler with dependent operations (the
//    LSTM step's cell and additive attention's tanh run their tiles this way). The same operations
//    as `exponentParts`, so the same bits; `count` is a constant at every call, so the stages unroll.
//  - sigmoidFromParts: σ(x) from the parts of e^{−x}.
//  - tanhFromParts: tanh x = (e^{2x} − 1) / (e^{2x} + 1) from the parts of e^{2x}, with e^{2x} − 1 =
//    2^n(e^r − 1) + (2^n − 1): exact at n = 0, so small |x| keeps its relative precision without a
//    separate series branch.
//  - cellBackward: one block of LSTM units, the same operations in the same order as
//    `LSTMCell.backwardBlock`.
enum { LOCKSTEP_MAX = 12 };
#define LANE_FUNCTIONS(V, I, S, CLAMP)                                                                          \
    LANE_FUNCTION V exponentClamp(V x) { return CLAMP(x, -87.33f, 88.0f); }                                    \
    LANE_FUNCTION V exponentRounded(V clamped) {                                                               \
        return __builtin_elementwise_fma(clamped, S(1.44269504f), S(12582912.0f));                             \
    }                                                                                                           \
    LANE_FUNCTION V exponentRemainder(V clamped, V rounded) {                                                  \
        V n = rounded - S(12582912.0f);                                                                        \
        V r = __builtin_elementwise_fma(n, S(-0.693145751953125f), clamped);                                   \
        return __builtin_elementwise_fma(n, S(-1.428606765330187045e-06f), r);                                 \
    }                                                                                                           \
    LANE_FUNCTION V exponentExpm1(V r, V rounded, V *scale) {                                                  \
        V r2 = r * r;                                                                                           \
        V low = __builtin_elementwise_fma(r, S(1.0f / 6), S(0.5f));                                            \
        V high = __builtin_elementwise_fma(r2, S(1.0f / 720), __builtin_elementwise_fma(r, S(1.0f / 120),      \
                                                                                         S(1.0f / 24)));        \
        V r4 = r2 * r2;                                                                                         \
        *scale = (V)(((I)rounded << 23) + (I)S(1.0f));                                                         \
        return __builtin_elementwise_fma(r4, high, __builtin_elementwise_fma(r2, low, r));                     \
    }                                                                                                           \
    LANE_FUNCTION V exponentParts(V x, V *scale) {                                                             \
        V clamped = exponentClamp(x);                                                                           \
        V rounded = exponentRounded(clamped);                                                                   \
        return exponentExpm1(exponentRemainder(clamped, rounded), rounded, scale);                             \
    }                                                                                                           \
    LANE_FUNCTION void exponentPartsInLockstep(const long count, const V *x, V *expm1, V *scale) {             \
        V clamped[LOCKSTEP_MAX], rounded[LOCKSTEP_MAX], remainder[LOCKSTEP_MAX];                                \
        UNROLLED for (long v = 0; v < count; v++) clamped[v] = exponentClamp(x[v]);                            \
        UNROLLED for (long v = 0; v < count; v++) rounded[v] = exponentRounded(clamped[v]);                     \
        UNROLLED for (long v = 0; v < count; v++) remainder[v] = exponentRemainder(clamped[v], rounded[v]);     \
        UNROLLED for (long v = 0; v < count; v++) expm1[v] = exponentExpm1(remainder[v], rounded[v], &scale[v]); \
    }                                                                                                           \
    LANE_FUNCTION V sigmoidFromParts(V expm1, V scale) {                                                       \
        return S(1.0f) / (S(1.0f) + __builtin_elementwise_fma(expm1, scale, scale));                           \
    }                                                                                                           \
    LANE_FUNCTION V tanhFromParts(V expm1, V scale) {                                                          \
        V numerator = __builtin_elementwise_fma(expm1, scale, scale - S(1.0f));                                \
        return numerator / (numerator + S(2.0f));                                                               \
    }                                                                                                           \
    LANE_FUNCTION void cellBackward(V i, V f, V g, V o, V squashed, V previous, V dh, V dcNext, V *di, V *df,  \
                                    V *dg, V *dout, V *dcPrevious) {                                           \
        const V one = S(1.0f);                                                                                  \
        *dout = dh * squashed * o * (one - o);                                                                  \
        V dc = __builtin_elementwise_fma(dh * o, one - squashed * squashed, dcNext);                            \
        *di = dc * g * i * (one - i);                                                                           \
        *df = dc * previous * f * (one - f);                                                                    \
        *dg = dc * i * (one - g * g);                                                                           \
        *dcPrevious = dc * f;                                                                                   \
    }

LANE_FUNCTIONS(f8, i8, SPLAT, clamp8)
#if defined(SERIESLENS_SIXTEEN_LANES)
LANE_FUNCTIONS(f16, i16, SPLAT16, clamp16)
#endif

static inline f8 exp8(f8 x) {
    f8 scale;
    f8 expm1 = exponentParts(x, &scale);
    return fma8(expm1, scale, scale);
}

static inline f8 sigmoid8(f8 x) {
    f8 scale;
    f8 expm1 = exponentParts(-x, &scale);
    return sigmoidFromParts(expm1, scale);
}

static inline f8 tanh8(f8 x) {
    f8 scale;
    f8 expm1 = exponentParts(x + x, &scale);
    return tanhFromParts(expm1, scale);
}

// The last count < 8 values of a row, through a zero-padded lane buffer.
static inline f8 loadPartial8(const float *p, long count) {
    f8 v = SPLAT(0.0f);
    memcpy(&v, p, (size_t)count * sizeof(float));
    return v;
}
static inline void storePartial8(float *p, f8 v, long count) { memcpy(p, &v, (size_t)count * sizeof(float)); }

static inline void softmaxRow(float *row, long count) {
    if (count <= 0) return;
    long full = count - count % 8, index;
    float maximum = row[0];
    if (full > 0) {
        f8 lanes = load8(row);
        for (index = 8; index < full; index += 8) {
            f8 x = load8(row + index);
            lanes = select8(x > lanes, x, lanes);
        }
        for (int lane = 0; lane < 8; lane++) if (lanes[lane] > maximum) maximum = lanes[lane];
    }
    for (index = full; index < count; index++) if (row[index] > maximum) maximum = row[index];
    f8 shift = SPLAT(maximum), total = SPLAT(0.0f);
    // Four vectors' exponentials in lockstep: 0.40 against 0.52 ns per element one at a time (rows
    // of 500, minima of 300 alternations), the same operations and sums in the same order.
    for (index = 0; index + 32 <= full; index += 32) {
        f8 shifted[4], expm1[4], scale[4];
        for (int v = 0; v < 4; v++) shifted[v] = load8(row + index + 8 * v) - shift;
        exponentPartsInLockstep(4, shifted, expm1, scale);
        for (int v = 0; v < 4; v++) {
            f8 e = fma8(expm1[v], scale[v], scale[v]);
            total += e;
            store8(row + index + 8 * v, e);
        }
    }
    for (; index < full; index += 8) {
        f8 e = exp8(load8(row + index) - shift);
        total += e;
        store8(row + index, e);
    }
    float sum = 0;
    for (int lane = 0; lane < 8; lane++) sum += total[lane];
    if (full < count) {
        f8 e = exp8(loadPartial8(row + full, count - full) - shift);
        for (long lane = 0; lane < count - full; lane++) sum += e[lane];
        storePartial8(row + full, e, count - full);
    }
    f8 scale = SPLAT(1.0f / sum);
    for (index = 0; index < full; index += 8) store8(row + index, load8(row + index) * scale);
    if (full < count) storePartial8(row + full, loadPartial8(row + full, count - full) * scale, count - full);
}

#endif
