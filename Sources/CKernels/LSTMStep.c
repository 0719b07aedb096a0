// One LSTM step's gate product and cell in one pass over register tiles, so that the cell's long
// transcendental chains of one tile overlap the next tile's FMAs out of order. Separately, the
// product finished all B rows before the cell began, and each waited for the other. The cell's
// exponentials run stage by stage over the whole tile (`exponentPartsInLockstep`).
#include "CKernels.h"

#include "Vector8.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// Row strides of h_{t−1} and h_t (the other forward operands are packed).
struct RowStrides { long previous_hidden, hidden; };

// Rows of a tile at most (TILE_ROWS in LSTMStepTiles.h): ROWS × 4 gates accumulators of LANES units.
enum { MAX_TILE_ROWS = 3 };
_Static_assert(4 * MAX_TILE_ROWS <= LOCKSTEP_MAX, "a tile's gates must fit one lockstep");

// The step's outputs go to a time-major workspace (16 KiB of gates per step at B = 32, H = 32)
// whose lines are not in cache; requesting for writing the lines of the rows two tiles ahead keeps
// the tile's bursts of stores (all gates after all their exponentials) from waiting on them.
// Without it the lockstep cell was no faster than one transcendental at a time (C benchmark with
// cold outputs: 6.33–6.39 against 5.73–5.77 µs per step with it, 6.33 for the previous kernel).
static void prefetchOutputRows(long first, long count, long batch, long j0, float *gates, float *cell, float *tanh_cell,
                               float *hidden, long h, long hidden_stride) {
    for (long r = first; r < first + count && r < batch; r++) {
        if (gates) {
            for (long g = 0; g < 4; g++) __builtin_prefetch(gates + r * 4 * h + g * h + j0, 1, 3);
        }
        __builtin_prefetch(cell + r * h + j0, 1, 3);
        if (tanh_cell) __builtin_prefetch(tanh_cell + r * h + j0, 1, 3);
        __builtin_prefetch(hidden + r * hidden_stride + j0, 1, 3);
    }
}

// Backward: rows r < ROWS, units j0 ..< j0 + LANES·UNITS. ∂L/∂h_t = upstream + ∂gates_later·W_hh summed
// in that order (as `SmallGEMM.multiplyAdd` into the upstream slab), then the cell backward (as
// serieslens_lstm_cell_backward_f32) in place on the gates. The bias-gradient and ∂W_ih sums are
// added row by row in row order into `sums` (per unit block, from zero), as the separate cell does.
// 4 rows × 2 vectors: 8 accumulators keep both FMA pipes busy through the 4-cycle latency, and a
// batch of 32 splits into whole tiles. With 6 rows the last 2 of 32 made a tile of 4 accumulators
// that waited on its FMA chains; 4 rows measured 12 % faster per step (C benchmark, cold gates).
enum { BACKWARD_ROWS = 4, BACKWARD_UNITS = 2 };

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

#define LANE_TEMPLATE "LSTMStepTiles.h"
#include "ForEachWidth.h"

int serieslens_lstm_step_forward_f32(const float *input, long channels, const float *input_weight_t,
                                     const float *previous_hidden, const float *hidden_weight_t, const float *bias,
                                     const float *previous_cell, float *gates, float *cell, float *tanh_cell,
                                     float *hidden, long batch, long hidden_size, long previous_hidden_stride,
                                     long hidden_stride) {
    const struct RowStrides strides = {previous_hidden_stride, hidden_stride};
    long h = hidden_size;
    if (h <= 0 || h % 8 != 0) return 0;
#if defined(SERIESLENS_SIXTEEN_LANES)
    if (h % 16 == 0) {
        stepForward16(input, channels, input_weight_t, previous_hidden, hidden_weight_t, bias, previous_cell, gates, cell,
                      tanh_cell, hidden, batch, h, strides);
        return 1;
    }
#endif
    stepForward8(input, channels, input_weight_t, previous_hidden, hidden_weight_t, bias, previous_cell, gates, cell,
                 tanh_cell, hidden, batch, h, strides);
    return 1;
}

int serieslens_lstm_step_backward_f32(float *gates, const float *later_gate_gradient, const float *hidden_weight,
                                      const float *upstream, long upstream_stride, const float *previous_cell,
                                      const float *tanh_cell, float *cell_gradient, long batch, long hidden_size,
                                      float *gate_sums, const float *scalar_input, float *scalar_input_weight_gradient,
                                      const float *ahead_gates, const float *ahead_upstream, const float *ahead_previous_cell,
                                      const float *ahead_tanh_cell) {
    long h = hidden_size;
    if (h <= 0 || h % (8 * BACKWARD_UNITS) != 0) return 0;
#if defined(SERIESLENS_SIXTEEN_LANES)
    if (h % (16 * BACKWARD_UNITS) == 0) {
        stepBackward16(gates, later_gate_gradient, hidden_weight, upstream, upstream_stride, previous_cell, tanh_cell,
                       cell_gradient, batch, h, gate_sums, scalar_input, scalar_input_weight_gradient, ahead_gates,
                       ahead_upstream, ahead_previous_cell, ahead_tanh_cell);
        return 1;
    }
#endif
    stepBackward8(gates, later_gate_gradient, hidden_weight, upstream, upstream_stride, previous_cell, tanh_cell,
                  cell_gradient, batch, h, gate_sums, scalar_input, scalar_input_weight_gradient, ahead_gates,
                  ahead_upstream, ahead_previous_cell, ahead_tanh_cell);
    return 1;
}
