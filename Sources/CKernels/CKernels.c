#include "CKernels.h"

#include "Vector8.h"

static inline void map8(const float *input, float *output, long count, int isTanh) {
    long index = 0;
    for (; index + 8 <= count; index += 8) {
        f8 x = load8(input + index);
        store8(output + index, isTanh ? tanh8(x) : sigmoid8(x));
    }
    if (index < count) {
        f8 x = loadPartial8(input + index, count - index);
        storePartial8(output + index, isTanh ? tanh8(x) : sigmoid8(x), count - index);
    }
}

void serieslens_sigmoid_f32(const float *input, float *output, long count) { map8(input, output, count, 0); }
void serieslens_tanh_f32(const float *input, float *output, long count) { map8(input, output, count, 1); }

// max(0, y) keeps y when y is NaN (x86 returns the second operand) and when y is −0 (equal operands),
// as `y < 0 ? 0 : y` does.
static inline f8 rectified8(f8 y) {
#if defined(__AVX__)
    return (f8)_mm256_max_ps((__m256)SPLAT(0.0f), (__m256)y);
#else
    return select8(y < SPLAT(0.0f), SPLAT(0.0f), y);
#endif
}

void serieslens_channel_affine_f32(const float *input, long rows, long columns, const float *scale, const float *shift,
                                   int rectify, float *output) {
    long full = columns - columns % 8;
    for (long row = 0; row < rows; row++) {
        const float *x = input + row * columns;
        float *y = output + row * columns;
        long column = 0;
#if defined(SERIESLENS_SIXTEEN_LANES)
        for (; column + 16 <= columns; column += 16) {
            f16 value = __builtin_elementwise_fma(load16(x + column), load16(scale + column), load16(shift + column));
            if (rectify) value = (f16)_mm512_max_ps((__m512)SPLAT16(0.0f), (__m512)value);
            store16(y + column, value);
        }
#endif
        for (; column < full; column += 8) {
            f8 value = fma8(load8(x + column), load8(scale + column), load8(shift + column));
            store8(y + column, rectify ? rectified8(value) : value);
        }
        if (column < columns) {
            long rest = columns - column;
            f8 value = fma8(loadPartial8(x + column, rest), loadPartial8(scale + column, rest), loadPartial8(shift + column, rest));
            storePartial8(y + column, rectify ? rectified8(value) : value, rest);
        }
    }
}

void serieslens_lstm_cell_forward_f32(float *gates, const float *previous_cell, float *cell,
                                      float *tanh_cell, float *hidden, long batch, long hidden_size) {
    long h = hidden_size;
    for (long row = 0; row < batch; row++) {
        float *gate_row = gates + row * 4 * h;
        long offset = row * h;
        // Two passes per row: the gates first (independent short chains), then the cell update and
        // tanh(c). Fused into one pass, each block's chain (exp → divide → c → exp → divide) is
        // ~140 cycles long and stalls the out-of-order window; split, it measured 1.2–1.4× faster.
        map8(gate_row, gate_row, 2 * h, 0);
        map8(gate_row + 2 * h, gate_row + 2 * h, h, 1);
        map8(gate_row + 3 * h, gate_row + 3 * h, h, 0);
        long column = 0;
        for (; column + 8 <= h; column += 8) {
            f8 c = fma8(load8(gate_row + column), load8(gate_row + 2 * h + column),
                        load8(gate_row + h + column) * load8(previous_cell + offset + column));
            f8 squashed = tanh8(c);
            store8(cell + offset + column, c);
            store8(tanh_cell + offset + column, squashed);
            store8(hidden + offset + column, load8(gate_row + 3 * h + column) * squashed);
        }
        if (column < h) {
            long rest = h - column;
            f8 c = fma8(loadPartial8(gate_row + column, rest), loadPartial8(gate_row + 2 * h + column, rest),
                        loadPartial8(gate_row + h + column, rest) * loadPartial8(previous_cell + offset + column, rest));
            f8 squashed = tanh8(c);
            storePartial8(cell + offset + column, c, rest);
            storePartial8(tanh_cell + offset + column, squashed, rest);
            storePartial8(hidden + offset + column, loadPartial8(gate_row + 3 * h + column, rest) * squashed, rest);
        }
    }
}

// One column block (up to 8 units) over all rows. The sums stay in registers across the rows and
// reach memory once per block: adding each row into memory made the cell 2x slower (every row
// waited on the previous row's store).
static inline __attribute__((always_inline)) void cellBackwardColumn(
    float *gates, const float *previous_cell, const float *tanh_cell, const float *hidden_gradient,
    float *cell_gradient, long batch, long h, long column, long lanes, float *gate_sums,
    const float *scalar_input, float *weighted) {
    f8 sums[4] = {SPLAT(0.0f), SPLAT(0.0f), SPLAT(0.0f), SPLAT(0.0f)};
    f8 weightedSums[4] = {SPLAT(0.0f), SPLAT(0.0f), SPLAT(0.0f), SPLAT(0.0f)};
    for (long row = 0; row < batch; row++) {
        float *gate_row = gates + row * 4 * h + column;
        long at = row * h + column;
        f8 d[4], dcPrevious;
        cellBackward(loadPartial8(gate_row, lanes), loadPartial8(gate_row + h, lanes),
                      loadPartial8(gate_row + 2 * h, lanes), loadPartial8(gate_row + 3 * h, lanes),
                      loadPartial8(tanh_cell + at, lanes), loadPartial8(previous_cell + at, lanes),
                      loadPartial8(hidden_gradient + at, lanes), loadPartial8(cell_gradient + at, lanes),
                      &d[0], &d[1], &d[2], &d[3], &dcPrevious);
        for (int gate = 0; gate < 4; gate++) storePartial8(gate_row + gate * h, d[gate], lanes);
        storePartial8(cell_gradient + at, dcPrevious, lanes);
        if (gate_sums) for (int gate = 0; gate < 4; gate++) sums[gate] += d[gate];
        if (weighted) {
            f8 x = SPLAT(scalar_input[row]);
            for (int gate = 0; gate < 4; gate++) weightedSums[gate] = fma8(x, d[gate], weightedSums[gate]);
        }
    }
    for (int gate = 0; gate < 4; gate++) {
        long at = gate * h + column;
        if (gate_sums) storePartial8(gate_sums + at, loadPartial8(gate_sums + at, lanes) + sums[gate], lanes);
        if (weighted) storePartial8(weighted + at, loadPartial8(weighted + at, lanes) + weightedSums[gate], lanes);
    }
}

void serieslens_lstm_cell_backward_f32(float *gates, const float *previous_cell, const float *tanh_cell,
                                       const float *hidden_gradient, float *cell_gradient, long batch,
                                       long hidden_size, float *gate_sums, const float *scalar_input,
                                       float *scalar_input_weight_gradient) {
    long h = hidden_size, column = 0;
    float *weighted = scalar_input ? scalar_input_weight_gradient : 0;
    for (; column + 8 <= h; column += 8) {
        cellBackwardColumn(gates, previous_cell, tanh_cell, hidden_gradient, cell_gradient, batch, h, column, 8,
                           gate_sums, scalar_input, weighted);
    }
    if (column < h) {
        cellBackwardColumn(gates, previous_cell, tanh_cell, hidden_gradient, cell_gradient, batch, h, column, h - column,
                           gate_sums, scalar_input, weighted);
    }
}

void serieslens_softmax_rows_f32(float *matrix, long rows, long columns) {
    for (long row = 0; row < rows; row++) softmaxRow(matrix + row * columns, columns);
}
