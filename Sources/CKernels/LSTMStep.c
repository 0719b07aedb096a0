// One LSTM step's gate product and cell in one pass over register tiles, so that the cell's long
// transcendental chains of one tile overlap the next tile's FMAs out of order. Separately, the
// product finished all B rows before the cell began, and each waited for the other. The cell's
// exponentials run stage by stage over the whole tile (`exponentPartsInLockstep`).
#include "CKernels.h"

#include "Vector8.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// Rows of a tile: ROWS × 4 gates accumulators of 8 units (8 or 12 of the 16 ymm registers).
enum { MAX_TILE_ROWS = 3 };
_Static_assert(4 * MAX_TILE_ROWS <= LOCKSTEP_MAX, "a tile's gates must fit one lockstep");

// acc[r][g] += Σ_k a[r·depth + k] · bt[k·4h + g·h + j0 + ·] for k < depth, in k order: one operand of
// the gate sum (x_t·W_ihᵀ with depth C, or h_{t−1}·W_hhᵀ with depth H).
ALWAYS_INLINE void addGateProducts(const long ROWS, const float *a, long depth, const float *bt, long h, long j0,
                                   f8 acc[MAX_TILE_ROWS][4]) {
    for (long k = 0; k < depth; k++) {
        f8 x[MAX_TILE_ROWS];
        for (long r = 0; r < ROWS; r++) x[r] = SPLAT(a[r * depth + k]);
        for (long g = 0; g < 4; g++) {
            f8 w = load8(bt + k * 4 * h + g * h + j0);
            for (long r = 0; r < ROWS; r++) acc[r][g] = fma8(x[r], w, acc[r][g]);
        }
    }
}

// Rows r < ROWS, units j0 ..< j0 + 8: the gates bias + x·W_ihᵀ + h·W_hhᵀ summed in that order
// (as `SmallGEMM.multiplyAddingBias(leading:)`), then the cell (as serieslens_lstm_cell_forward_f32),
// so either path gives the same bits.
ALWAYS_INLINE void stepTile(const long ROWS, long row, long j0, const float *input, long channels,
                            const float *input_weight_t, const float *previous_hidden, const float *hidden_weight_t,
                            const float *bias, const float *previous_cell, float *gates, float *cell,
                            float *tanh_cell, float *hidden, long h) {
    const long width = 4 * h;
    f8 acc[MAX_TILE_ROWS][4];
    for (long g = 0; g < 4; g++) {
        f8 b = load8(bias + g * h + j0);
        for (long r = 0; r < ROWS; r++) acc[r][g] = b;
    }
    addGateProducts(ROWS, input + row * channels, channels, input_weight_t, h, j0, acc);
    addGateProducts(ROWS, previous_hidden + row * h, h, hidden_weight_t, h, j0, acc);
    // σ(i), σ(f), tanh(g), σ(o) of every row in lockstep: e^{−x} for the sigmoids, e^{2x} for tanh.
    f8 exponents[LOCKSTEP_MAX], expm1[LOCKSTEP_MAX], scale[LOCKSTEP_MAX];
    for (long r = 0; r < ROWS; r++) {
        for (long g = 0; g < 4; g++) exponents[4 * r + g] = g == 2 ? acc[r][g] + acc[r][g] : -acc[r][g];
    }
    exponentPartsInLockstep(4 * ROWS, exponents, expm1, scale);
    f8 gate[MAX_TILE_ROWS][4], cells[MAX_TILE_ROWS], twiceCells[MAX_TILE_ROWS];
    for (long r = 0; r < ROWS; r++) {
        for (long g = 0; g < 4; g++) {
            long v = 4 * r + g;
            gate[r][g] = g == 2 ? tanhFromParts(expm1[v], scale[v]) : sigmoidFromParts(expm1[v], scale[v]);
        }
        long at = (row + r) * h + j0;
        if (gates) {
            float *gateRow = gates + (row + r) * width + j0;
            for (long g = 0; g < 4; g++) store8(gateRow + g * h, gate[r][g]);
        }
        cells[r] = fma8(gate[r][0], gate[r][2], gate[r][1] * load8(previous_cell + at));
        twiceCells[r] = cells[r] + cells[r];
    }
    // tanh(c) of every row in lockstep.
    exponentPartsInLockstep(ROWS, twiceCells, expm1, scale);
    for (long r = 0; r < ROWS; r++) {
        long at = (row + r) * h + j0;
        f8 squashed = tanhFromParts(expm1[r], scale[r]);
        store8(cell + at, cells[r]);
        if (tanh_cell) store8(tanh_cell + at, squashed);
        store8(hidden + at, gate[r][3] * squashed);
    }
}

// The step's outputs go to a time-major workspace (16 KiB of gates per step at B = 32, H = 32)
// whose lines are not in cache; requesting for writing the lines of the rows two tiles ahead keeps
// the tile's bursts of stores (all gates after all their exponentials) from waiting on them.
// Without it the lockstep cell was no faster than one transcendental at a time (C benchmark with
// cold outputs: 6.33–6.39 against 5.73–5.77 µs per step with it, 6.33 for the previous kernel).
static void prefetchOutputRows(long first, long batch, long j0, float *gates, float *cell, float *tanh_cell,
                               float *hidden, long h) {
    for (long r = first; r < first + MAX_TILE_ROWS && r < batch; r++) {
        if (gates) {
            for (long g = 0; g < 4; g++) __builtin_prefetch(gates + r * 4 * h + g * h + j0, 1, 3);
        }
        __builtin_prefetch(cell + r * h + j0, 1, 3);
        if (tanh_cell) __builtin_prefetch(tanh_cell + r * h + j0, 1, 3);
        __builtin_prefetch(hidden + r * h + j0, 1, 3);
    }
}

int serieslens_lstm_step_forward_f32(const float *input, long channels, const float *input_weight_t,
                                     const float *previous_hidden, const float *hidden_weight_t, const float *bias,
                                     const float *previous_cell, float *gates, float *cell, float *tanh_cell,
                                     float *hidden, long batch, long hidden_size) {
    long h = hidden_size;
    if (h <= 0 || h % 8 != 0) return 0;
    for (long j0 = 0; j0 < h; j0 += 8) {
        long row = 0;
        for (; row + MAX_TILE_ROWS <= batch; row += MAX_TILE_ROWS) {
            // Units j0 and j0 + 8 share the lines of a 16-unit block.
            if (j0 % 16 == 0) prefetchOutputRows(row + 2 * MAX_TILE_ROWS, batch, j0, gates, cell, tanh_cell, hidden, h);
            stepTile(MAX_TILE_ROWS, row, j0, input, channels, input_weight_t, previous_hidden, hidden_weight_t, bias,
                     previous_cell, gates, cell, tanh_cell, hidden, h);
        }
        switch (batch - row) {
        case 2:
            stepTile(2, row, j0, input, channels, input_weight_t, previous_hidden, hidden_weight_t, bias, previous_cell,
                     gates, cell, tanh_cell, hidden, h);
            break;
        case 1:
            stepTile(1, row, j0, input, channels, input_weight_t, previous_hidden, hidden_weight_t, bias, previous_cell,
                     gates, cell, tanh_cell, hidden, h);
            break;
        default: break;
        }
    }
    return 1;
}

// Backward: rows r < ROWS, units j0 ..< j0 + 8·UNITS. ∂L/∂h_t = upstream + ∂gates_later·W_hh summed
// in that order (as `SmallGEMM.multiplyAdd` into the upstream slab), then the cell backward (as
// serieslens_lstm_cell_backward_f32) in place on the gates. The bias-gradient and ∂W_ih sums are
// added row by row in row order into `sums` (per unit block, from zero), as the separate cell does.
// 4 rows × 2 vectors: 8 accumulators keep both FMA pipes busy through the 4-cycle latency, and a
// batch of 32 splits into whole tiles. With 6 rows the last 2 of 32 made a tile of 4 accumulators
// that waited on its FMA chains; 4 rows measured 12 % faster per step (C benchmark, cold gates).
enum { BACKWARD_ROWS = 4, BACKWARD_UNITS = 2 };

ALWAYS_INLINE void backwardTile(const long ROWS, long row, long j0, float *gates, const float *later_gate_gradient,
                                const float *hidden_weight, const float *upstream, long upstream_stride,
                                const float *previous_cell, const float *tanh_cell, float *cell_gradient, long h,
                                f8 sums[4][BACKWARD_UNITS], f8 weighted[4][BACKWARD_UNITS], const float *scalar_input) {
    const long width = 4 * h;
    f8 acc[BACKWARD_ROWS][BACKWARD_UNITS];
    for (long r = 0; r < ROWS; r++) {
        for (long u = 0; u < BACKWARD_UNITS; u++) acc[r][u] = load8(upstream + (row + r) * upstream_stride + j0 + 8 * u);
    }
    if (later_gate_gradient) {
        for (long k = 0; k < width; k++) {
            f8 w[BACKWARD_UNITS];
            for (long u = 0; u < BACKWARD_UNITS; u++) w[u] = load8(hidden_weight + k * h + j0 + 8 * u);
            for (long r = 0; r < ROWS; r++) {
                f8 x = SPLAT(later_gate_gradient[(row + r) * width + k]);
                for (long u = 0; u < BACKWARD_UNITS; u++) acc[r][u] = fma8(x, w[u], acc[r][u]);
            }
        }
    }
    for (long r = 0; r < ROWS; r++) {
        for (long u = 0; u < BACKWARD_UNITS; u++) {
            long unit = j0 + 8 * u, at = (row + r) * h + unit;
            float *gateRow = gates + (row + r) * width + unit;
            f8 d[4], dcPrevious;
            cellBackward8(load8(gateRow), load8(gateRow + h), load8(gateRow + 2 * h), load8(gateRow + 3 * h),
                          load8(tanh_cell + at), load8(previous_cell + at), acc[r][u], load8(cell_gradient + at),
                          &d[0], &d[1], &d[2], &d[3], &dcPrevious);
            for (int gate = 0; gate < 4; gate++) store8(gateRow + gate * h, d[gate]);
            store8(cell_gradient + at, dcPrevious);
            for (int gate = 0; gate < 4; gate++) sums[gate][u] += d[gate];
            if (scalar_input) {
                f8 x = SPLAT(scalar_input[row + r]);
                for (int gate = 0; gate < 4; gate++) weighted[gate][u] = fma8(x, d[gate], weighted[gate][u]);
            }
        }
    }
}

// The step's gates, written by the forward long before, come from L3 or memory. A tile reads its
// rows' four gates in 32-byte pieces at 128-byte steps, which the hardware prefetchers do not
// follow (with 64-byte aligned rows, half the lines missed in each unit block); so the rows two
// tiles ahead are requested into L1 while this one computes (`intoL1`). The rows of a step
// processed soon after go into L2, a tile's worth per tile: with its operands in L2 a backward step
// takes 3.75 µs, from memory 7–9 µs (C benchmark), and the prefetchers stop at every 4 KiB page.
static void prefetchRows(long first, long count, long batch, const float *gates, const float *upstream,
                         long upstream_stride, const float *previous_cell, const float *tanh_cell, long h, int intoL1) {
    long end = first + count < batch ? first + count : batch;
#define PREFETCH(p) (intoL1 ? __builtin_prefetch((p), 0, 3) : __builtin_prefetch((p), 0, 2))
    for (long r = first; r < end; r++) {
        for (long offset = 0; offset < 4 * h; offset += 16) PREFETCH(gates + r * 4 * h + offset);
        for (long offset = 0; offset < h; offset += 16) {
            PREFETCH(upstream + r * upstream_stride + offset);
            PREFETCH(previous_cell + r * h + offset);
            PREFETCH(tanh_cell + r * h + offset);
        }
    }
#undef PREFETCH
}

int serieslens_lstm_step_backward_f32(float *gates, const float *later_gate_gradient, const float *hidden_weight,
                                      const float *upstream, long upstream_stride, const float *previous_cell,
                                      const float *tanh_cell, float *cell_gradient, long batch, long hidden_size,
                                      float *gate_sums, const float *scalar_input, float *scalar_input_weight_gradient,
                                      const float *ahead_gates, const float *ahead_upstream, const float *ahead_previous_cell,
                                      const float *ahead_tanh_cell) {
    long h = hidden_size;
    if (h <= 0 || h % (8 * BACKWARD_UNITS) != 0) return 0;
    // Row tiles outer, unit blocks inner: a tile's rows of the (B, 4H) gates, streamed from memory,
    // are read whole before moving on. Each unit block keeps its own sums, added in row order.
    long blocks = h / (8 * BACKWARD_UNITS);
    f8 sums[blocks][4][BACKWARD_UNITS], weighted[blocks][4][BACKWARD_UNITS];
    memset(sums, 0, sizeof sums);
    memset(weighted, 0, sizeof weighted);
    prefetchRows(0, 2 * BACKWARD_ROWS, batch, gates, upstream, upstream_stride, previous_cell, tanh_cell, h, 1);
    for (long row = 0; row < batch; row += BACKWARD_ROWS) {
        long rows = batch - row < BACKWARD_ROWS ? batch - row : BACKWARD_ROWS;
        prefetchRows(row + 2 * BACKWARD_ROWS, BACKWARD_ROWS, batch, gates, upstream, upstream_stride, previous_cell, tanh_cell, h, 1);
        if (ahead_gates) {
            prefetchRows(row, BACKWARD_ROWS, batch, ahead_gates, ahead_upstream, upstream_stride, ahead_previous_cell,
                         ahead_tanh_cell, h, 0);
        }
        for (long block = 0; block < blocks; block++) {
            long j0 = block * 8 * BACKWARD_UNITS;
#define BACKWARD_TILE(R) backwardTile(R, row, j0, gates, later_gate_gradient, hidden_weight, upstream, upstream_stride, \
                                      previous_cell, tanh_cell, cell_gradient, h, sums[block], weighted[block], scalar_input)
            switch (rows) {
            case 4: BACKWARD_TILE(4); break;
            case 3: BACKWARD_TILE(3); break;
            case 2: BACKWARD_TILE(2); break;
            default: BACKWARD_TILE(1); break;
            }
#undef BACKWARD_TILE
        }
    }
    for (long block = 0; block < blocks; block++) {
        for (int gate = 0; gate < 4; gate++) {
            for (long u = 0; u < BACKWARD_UNITS; u++) {
                long at = gate * h + block * 8 * BACKWARD_UNITS + 8 * u;
                if (gate_sums) store8(gate_sums + at, load8(gate_sums + at) + sums[block][gate][u]);
                if (scalar_input) {
                    store8(scalar_input_weight_gradient + at, load8(scalar_input_weight_gradient + at) + weighted[block][gate][u]);
                }
            }
        }
    }
    return 1;
}

