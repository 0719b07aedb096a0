// One LSTM step's gate product and cell in one pass over register tiles, so that the cell's long
// transcendental chains of one tile overlap the next tile's FMAs out of order. Separately, the
// product finished all B rows before the cell began, and each waited for the other.
#include "CKernels.h"

#include "Vector8.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// Rows of a tile: ROWS × 4 gates accumulators of 8 units (8 or 12 of the 16 ymm registers).
enum { MAX_TILE_ROWS = 3 };

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
    for (long c = 0; c < channels; c++) {
        f8 x[MAX_TILE_ROWS];
        for (long r = 0; r < ROWS; r++) x[r] = SPLAT(input[(row + r) * channels + c]);
        for (long g = 0; g < 4; g++) {
            f8 w = load8(input_weight_t + c * width + g * h + j0);
            for (long r = 0; r < ROWS; r++) acc[r][g] = fma8(x[r], w, acc[r][g]);
        }
    }
    for (long k = 0; k < h; k++) {
        f8 x[MAX_TILE_ROWS];
        for (long r = 0; r < ROWS; r++) x[r] = SPLAT(previous_hidden[(row + r) * h + k]);
        for (long g = 0; g < 4; g++) {
            f8 w = load8(hidden_weight_t + k * width + g * h + j0);
            for (long r = 0; r < ROWS; r++) acc[r][g] = fma8(x[r], w, acc[r][g]);
        }
    }
    for (long r = 0; r < ROWS; r++) {
        f8 i = sigmoid8(acc[r][0]), f = sigmoid8(acc[r][1]), g = tanh8(acc[r][2]), o = sigmoid8(acc[r][3]);
        long at = (row + r) * h + j0;
        float *gateRow = gates + (row + r) * width + j0;
        store8(gateRow, i);
        store8(gateRow + h, f);
        store8(gateRow + 2 * h, g);
        store8(gateRow + 3 * h, o);
        f8 c = fma8(i, g, f * load8(previous_cell + at));
        f8 squashed = tanh8(c);
        store8(cell + at, c);
        store8(tanh_cell + at, squashed);
        store8(hidden + at, o * squashed);
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
