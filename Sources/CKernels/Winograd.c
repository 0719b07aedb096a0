// Winograd convolution's transforms over channels-last tiles (see Sources/Kernels/Winograd.swift).
// Rows hold `channels` floats; tiles are `*_stride` apart and the rows of a tile `*_row` apart. The
// transformed side is point-major (row i of every tile in one block of tiles·C), so each of the n
// products reads a contiguous matrix:
//   input           x̂ → V:  n rows of x̂ (tile m·C, row C)      → n rows (tile C, row tiles·C)
//   output          M → y:  n rows of M (tile C, row tiles·C)  → m rows (tile m·C, row C)
//   output gradient ∂y → ∂M: m rows of ∂y (tile m·C, row C)    → n rows (tile C, row tiles·C)
//
// The points 0, ±1, ±2, ±½, ∞ make the transforms symmetric: the rows of a pair ±a share their
// even-power terms and negate the odd ones, so each pair costs one even and one odd sum. F(4, 3),
// F(4, 5) (n = 6 and 8, the automatic choices) are written out that way, 8 channels at a time
// in registers: 13–22 operations per tile and 8 channels where the dense matrix takes n·n FMAs
// (which ran as long as the products they feed). Other sizes, and the channels left over past a
// multiple of 8, apply the dense matrices given in `coefficients`.
#include "CKernels.h"
#include "Vector8.h"

enum { MAX_ROWS = 16 };

// Dense: out[i] = start + Σ_l coefficients[i][l]·in[l] over `reads` rows (the rest count as zeros)
// and `writes` output rows, for channels [first, channels).
static void dense_tile(const float *source, long in_row, long ins, long reads, float *target, long out_row, long writes,
                       const float *coefficients, long first, long channels, const float *bias, int accumulate)
{
    long c = first;
    for (; c + 8 <= channels; c += 8) {
        f8 rows[MAX_ROWS];
        for (long l = 0; l < reads; l++) rows[l] = load8(source + l * in_row + c);
        for (long i = 0; i < writes; i++) {
            f8 sum = bias ? load8(bias + c) : accumulate ? load8(target + i * out_row + c) : SPLAT(0.0f);
            for (long l = 0; l < reads; l++) sum = fma8(SPLAT(coefficients[i * ins + l]), rows[l], sum);
            store8(target + i * out_row + c, sum);
        }
    }
    for (; c < channels; c++) {
        for (long i = 0; i < writes; i++) {
            float sum = bias ? bias[c] : accumulate ? target[i * out_row + c] : 0.0f;
            for (long l = 0; l < reads; l++) sum = __builtin_fmaf(coefficients[i * ins + l], source[l * in_row + c], sum);
            target[i * out_row + c] = sum;
        }
    }
}

static const float pair_points[3] = {1.0f, 2.0f, 0.5f};

#define LANE_TEMPLATE "WinogradTiles.h"
#include "ForEachWidth.h"

// The (n, m) written out: F(4, 3) and F(4, 5). (F(6, 3), n = 8 and m = 6, measured no faster than
// F(4, 3) in the cnn: training 0.96–1.02, inference 0.93–1.02, in-process A/B.)
static int structured(long n, long m) { return m == 4 && (n == 6 || n == 8); }

void serieslens_winograd_input_f32(const float *in, long in_stride, long in_row, float *out, long out_stride, long out_row,
                                   long n, const float *coefficients, long tiles, long channels)
{
    // Bᵀ depends on the points alone: written out for n = 6 and 8 whatever m is.
    long vectors = n == 6 || n == 8 ? channels / 8 * 8 : 0;
    for (long t = 0; t < tiles; t++) {
        const float *source = in + t * in_stride;
        float *target = out + t * out_stride;
        long c = 0;
#if defined(SERIESLENS_SIXTEEN_LANES)
        for (; c + 16 <= vectors; c += 16) {
            if (n == 6) input6_16(source, in_row, target, out_row, c);
            else input8_16(source, in_row, target, out_row, c);
        }
#endif
        for (; c < vectors; c += 8) {
            if (n == 6) input6_8(source, in_row, target, out_row, c);
            else input8_8(source, in_row, target, out_row, c);
        }
        dense_tile(source, in_row, n, n, target, out_row, n, coefficients, vectors, channels, 0, 0);
    }
}

void serieslens_winograd_output_f32(const float *in, long in_stride, long in_row, float *out, long out_stride, long out_row,
                                    long n, long m, long out_last, const float *coefficients, long tiles, long channels,
                                    const float *bias, int accumulate)
{
    long vectors = structured(n, m) ? channels / 8 * 8 : 0;
    for (long t = 0; t < tiles; t++) {
        const float *source = in + t * in_stride;
        float *target = out + t * out_stride;
        long writes = t == tiles - 1 ? out_last : m;
        long c = 0;
#if defined(SERIESLENS_SIXTEEN_LANES)
        for (; c + 16 <= vectors; c += 16) {
            if (n == 6) output_pairs16(source, in_row, 6, 4, target, out_row, writes, c, bias, accumulate);
            else output_pairs16(source, in_row, 8, 4, target, out_row, writes, c, bias, accumulate);
        }
#endif
        for (; c < vectors; c += 8) {
            if (n == 6) output_pairs8(source, in_row, 6, 4, target, out_row, writes, c, bias, accumulate);
            else output_pairs8(source, in_row, 8, 4, target, out_row, writes, c, bias, accumulate);
        }
        dense_tile(source, in_row, n, n, target, out_row, writes, coefficients, vectors, channels, bias, accumulate);
    }
}

void serieslens_winograd_output_gradient_f32(const float *in, long in_stride, long in_row, long in_last, float *out,
                                             long out_stride, long out_row, long n, long m, const float *coefficients,
                                             long tiles, long channels)
{
    long vectors = structured(n, m) ? channels / 8 * 8 : 0;
    for (long t = 0; t < tiles; t++) {
        const float *source = in + t * in_stride;
        float *target = out + t * out_stride;
        long reads = t == tiles - 1 ? in_last : m;
        long c = 0;
#if defined(SERIESLENS_SIXTEEN_LANES)
        for (; c + 16 <= vectors; c += 16) {
            if (n == 6) output_gradient_pairs16(source, in_row, reads, target, out_row, 6, 4, c);
            else output_gradient_pairs16(source, in_row, reads, target, out_row, 8, 4, c);
        }
#endif
        for (; c < vectors; c += 8) {
            if (n == 6) output_gradient_pairs8(source, in_row, reads, target, out_row, 6, 4, c);
            else output_gradient_pairs8(source, in_row, reads, target, out_row, 8, 4, c);
        }
        dense_tile(source, in_row, m, reads, target, out_row, n, coefficients, vectors, channels, 0, 0);
    }
}

// The filter transform, 8 columns at a time: u[i][r][s] = Σ_k g[i][k]·w[r·row_stride + s·column_stride
// + first_tap + k·tap_step]. The forward filter reads PyTorch's (O, C, K) weight with r = c, s = o;
// the input gradient's with r = o, s = c and the taps reversed. Loop orders that walked the weight
// in order scattered the writes over 256-byte strides (5 ns per value, 1 ms of a cnn step).
void serieslens_winograd_filter_f32(const float *w, long rows, long columns, long row_stride, long column_stride,
                                    long first_tap, long tap_step, long taps, const float *g, long n, float *u)
{
    for (long r = 0; r < rows; r++) {
        long s = 0;
        for (; s + 8 <= columns; s += 8) {
            f8 tap[MAX_ROWS];
            for (long k = 0; k < taps; k++) {
                const float *p = w + r * row_stride + s * column_stride + first_tap + k * tap_step;
                for (int lane = 0; lane < 8; lane++) tap[k][lane] = p[lane * column_stride];
            }
            for (long i = 0; i < n; i++) {
                f8 sum = SPLAT(0.0f);
                for (long k = 0; k < taps; k++) sum = fma8(SPLAT(g[i * taps + k]), tap[k], sum);
                store8(u + (i * rows + r) * columns + s, sum);
            }
        }
        for (; s < columns; s++) {
            const float *p = w + r * row_stride + s * column_stride + first_tap;
            for (long i = 0; i < n; i++) {
                float sum = 0.0f;
                for (long k = 0; k < taps; k++) sum = __builtin_fmaf(g[i * taps + k], p[k * tap_step], sum);
                u[(i * rows + r) * columns + s] = sum;
            }
        }
    }
}

// ∂W[o][c][k] += Σ_i g[i][k]·Σ_p ∂U_p[i][c][o] over `parts` gradients of n·C·O each, 8 outputs o
// at a time (contiguous in ∂U, `channels·taps` apart in ∂W).
void serieslens_winograd_filter_gradient_f32(const float *du, long parts, long outputs, long channels, long taps,
                                             const float *g, long n, float *dw)
{
    long size = channels * outputs, part_size = n * size;
    for (long c = 0; c < channels; c++) {
        long o = 0;
        for (; o + 8 <= outputs; o += 8) {
            f8 sums[MAX_ROWS];
            for (long k = 0; k < taps; k++) sums[k] = SPLAT(0.0f);
            for (long i = 0; i < n; i++) {
                f8 total = load8(du + i * size + c * outputs + o);
                for (long p = 1; p < parts; p++) total += load8(du + p * part_size + i * size + c * outputs + o);
                for (long k = 0; k < taps; k++) sums[k] = fma8(SPLAT(g[i * taps + k]), total, sums[k]);
            }
            for (long k = 0; k < taps; k++)
                for (int lane = 0; lane < 8; lane++) dw[((o + lane) * channels + c) * taps + k] += sums[k][lane];
        }
        for (; o < outputs; o++) {
            for (long k = 0; k < taps; k++) {
                float sum = 0.0f;
                for (long i = 0; i < n; i++) {
                    float total = du[i * size + c * outputs + o];
                    for (long p = 1; p < parts; p++) total += du[p * part_size + i * size + c * outputs + o];
                    sum = __builtin_fmaf(g[i * taps + k], total, sum);
                }
                dw[(o * channels + c) * taps + k] += sum;
            }
        }
    }
}
