// Eight-lane vector helpers shared by the C kernels (private to this target).
#ifndef SERIESLENS_VECTOR8_H
#define SERIESLENS_VECTOR8_H

#include <stdint.h>
#include <string.h>
#if defined(__AVX__)
#include <immintrin.h>
#endif

// Eight lanes: one ymm register with AVX2; with AVX-512 still ymm, where these chains are bound by
// latency rather than width. Without vector flags clang lowers them to pairs of xmm (and fma to
// libm calls), slow but correct; TargetFlagsTests fails such a build.
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

// e^x = 2^n·e^r with n = round(x·log2 e), |r| ≤ ln2/2, in stages (`exponentParts` runs them in
// a row; the LSTM step runs each stage over a whole tile's vectors before the next, the same
// operations in another order). x is clamped to [−87.33, 88]: 2^n stays a normal number.
static inline f8 exponentClamp(f8 x) { return clamp8(x, -87.33f, 88.0f); }

// n + 1.5·2^23: adding the magic constant rounds x·log2 e to an integer in the low bits.
static inline f8 exponentRounded(f8 clamped) { return fma8(clamped, SPLAT(1.44269504f), SPLAT(12582912.0f)); }

// r = x − n·ln 2, with a Cody–Waite split of ln 2 so r is exact to ~2^-32.
static inline f8 exponentRemainder(f8 clamped, f8 rounded) {
    f8 n = rounded - SPLAT(12582912.0f);
    f8 r = fma8(n, SPLAT(-0.693145751953125f), clamped);
    return fma8(n, SPLAT(-1.428606765330187045e-06f), r);
}

// Returns e^r − 1 (accurate relative to itself, so that e^x − 1 keeps full precision near 0) and
// 2^n in *scale. e^r − 1 = r + r²(1/2 + r/6) + r⁴(1/24 + r/120 + r²/720), degree-6 Taylor (truncation
// ≤ 1.2e-7 relative on |r| ≤ 0.347), in Estrin's form: the dependent chain is 3 FMAs deep, not 6;
// the cell's throughput is bound by how long its chains keep the scheduler full.
static inline f8 exponentExpm1(f8 r, f8 rounded, f8 *scale) {
    f8 r2 = r * r;
    f8 low = fma8(r, SPLAT(1.0f / 6), SPLAT(0.5f));
    f8 high = fma8(r2, SPLAT(1.0f / 720), fma8(r, SPLAT(1.0f / 120), SPLAT(1.0f / 24)));
    f8 r4 = r2 * r2;
    *scale = (f8)(((i8)rounded << 23) + (i8){0x3F800000, 0x3F800000, 0x3F800000, 0x3F800000,
                                             0x3F800000, 0x3F800000, 0x3F800000, 0x3F800000});
    return fma8(r4, high, fma8(r2, low, r));
}

// e^x − 1 relative to itself, and 2^n in *scale (see the stages above).
static inline f8 exponentParts(f8 x, f8 *scale) {
    f8 clamped = exponentClamp(x);
    f8 rounded = exponentRounded(clamped);
    return exponentExpm1(exponentRemainder(clamped, rounded), rounded, scale);
}

// The parts of e^{x[v]} for v < count (≤ LOCKSTEP_MAX), stage by stage over all vectors: each
// stage offers `count` independent operations to the out-of-order core, where one vector's whole
// chain at a time filled its FP scheduler with dependent operations (the LSTM step's cell and
// additive attention's tanh run their tiles this way). The same operations as `exponentParts`, so
// the same bits; `count` is a constant at every call, so the stages unroll.
enum { LOCKSTEP_MAX = 12 };
static inline __attribute__((always_inline)) void exponentPartsInLockstep(const long count, const f8 *x, f8 *expm1,
                                                                           f8 *scale) {
    f8 clamped[LOCKSTEP_MAX], rounded[LOCKSTEP_MAX], remainder[LOCKSTEP_MAX];
    for (long v = 0; v < count; v++) clamped[v] = exponentClamp(x[v]);
    for (long v = 0; v < count; v++) rounded[v] = exponentRounded(clamped[v]);
    for (long v = 0; v < count; v++) remainder[v] = exponentRemainder(clamped[v], rounded[v]);
    for (long v = 0; v < count; v++) expm1[v] = exponentExpm1(remainder[v], rounded[v], &scale[v]);
}

static inline f8 exp8(f8 x) {
    f8 scale;
    f8 expm1 = exponentParts(x, &scale);
    return fma8(expm1, scale, scale);
}

// σ(x) from the parts of e^{−x}.
static inline f8 sigmoidFromParts(f8 expm1, f8 scale) { return SPLAT(1.0f) / (SPLAT(1.0f) + fma8(expm1, scale, scale)); }

static inline f8 sigmoid8(f8 x) {
    f8 scale;
    f8 expm1 = exponentParts(-x, &scale);
    return sigmoidFromParts(expm1, scale);
}

// tanh x = (e^{2x} − 1) / (e^{2x} + 1) from the parts of e^{2x}, with e^{2x} − 1 = 2^n(e^r − 1) +
// (2^n − 1): exact at n = 0, so small |x| keeps its relative precision without a separate series
// branch.
static inline f8 tanhFromParts(f8 expm1, f8 scale) {
    f8 numerator = fma8(expm1, scale, scale - SPLAT(1.0f));
    return numerator / (numerator + SPLAT(2.0f));
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

// One block of up to 8 units; the same operations in the same order as `LSTMCell.backwardBlock`.
static inline void cellBackward8(f8 i, f8 f, f8 g, f8 o, f8 squashed, f8 previous, f8 dh, f8 dcNext,
                                 f8 *di, f8 *df, f8 *dg, f8 *dout, f8 *dcPrevious) {
    const f8 one = SPLAT(1.0f);
    *dout = dh * squashed * o * (one - o);
    f8 dc = fma8(dh * o, one - squashed * squashed, dcNext);
    *di = dc * g * i * (one - i);
    *df = dc * previous * f * (one - f);
    *dg = dc * i * (one - g * g);
    *dcPrevious = dc * f;
}

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
