// The LSTM step's register tiles and loops for one vector width (a template: ForEachWidth.h). Every
// operation is per unit, so both widths give the same bits.

// Rows of a forward tile: 3 rows × 4 gates, 12 accumulators, at either width. Sixteen lanes measured
// 0.92 of an inference batch and 0.98 of a training step against 2 rows (in-process A/B, two
// threads, Zen 5) once the lockstep loops were unrolled (`UNROLLED`); before, SwiftPM's -O2 kept
// a 3-row tile's twelve-vector lockstep in stack arrays and 2 rows had measured faster.
#undef TILE_ROWS
#define TILE_ROWS 3

// acc[r][g] += Σ_k a[r·depth + k] · bt[k·4h + g·h + j0 + ·] for k < depth, in k order: one operand of
// the gate sum (x_t·W_ihᵀ with depth C, or h_{t−1}·W_hhᵀ with depth H).
ALWAYS_INLINE void LANE_NAME(addGateProducts)(const long ROWS, const float *a, long lda, long depth, const float *bt, long h,
                                              long j0, V acc[MAX_TILE_ROWS][4]) {
    for (long k = 0; k < depth; k++) {
        V x[MAX_TILE_ROWS];
        for (long r = 0; r < ROWS; r++) x[r] = VSPLAT(a[r * lda + k]);
        for (long g = 0; g < 4; g++) {
            V w = VLOAD(bt + k * 4 * h + g * h + j0);
            for (long r = 0; r < ROWS; r++) acc[r][g] = VFMA(x[r], w, acc[r][g]);
        }
    }
}

// Rows r < ROWS, units j0 ..< j0 + LANES: the gates bias + x·W_ihᵀ + h·W_hhᵀ summed in that order
// (as `SmallGEMM.multiplyAddingBias(leading:)`), then the cell (as serieslens_lstm_cell_forward_f32),
// so either path gives the same bits.
ALWAYS_INLINE void LANE_NAME(stepTile)(const long ROWS, long row, long j0, const float *input, long channels,
                            const float *input_weight_t, const float *previous_hidden, const float *hidden_weight_t,
                            const float *bias, const float *previous_cell, float *gates, float *cell,
                            float *tanh_cell, float *hidden, long h, struct RowStrides strides) {
    const long width = 4 * h;
    V acc[MAX_TILE_ROWS][4];
    for (long g = 0; g < 4; g++) {
        V b = VLOAD(bias + g * h + j0);
        for (long r = 0; r < ROWS; r++) acc[r][g] = b;
    }
    LANE_NAME(addGateProducts)(ROWS, input + row * channels, channels, channels, input_weight_t, h, j0, acc);
    LANE_NAME(addGateProducts)(ROWS, previous_hidden + row * strides.previous_hidden, strides.previous_hidden, h,
                               hidden_weight_t, h, j0, acc);
    // σ(i), σ(f), tanh(g), σ(o) of every row in lockstep: e^{−x} for the sigmoids, e^{2x} for tanh.
    V exponents[LOCKSTEP_MAX], expm1[LOCKSTEP_MAX], scale[LOCKSTEP_MAX];
    for (long r = 0; r < ROWS; r++) {
        for (long g = 0; g < 4; g++) exponents[4 * r + g] = g == 2 ? acc[r][g] + acc[r][g] : -acc[r][g];
    }
    exponentPartsInLockstep(4 * ROWS, exponents, expm1, scale);
    V gate[MAX_TILE_ROWS][4], cells[MAX_TILE_ROWS], twiceCells[MAX_TILE_ROWS];
    for (long r = 0; r < ROWS; r++) {
        for (long g = 0; g < 4; g++) {
            long v = 4 * r + g;
            gate[r][g] = g == 2 ? tanhFromParts(expm1[v], scale[v]) : sigmoidFromParts(expm1[v], scale[v]);
        }
        long at = (row + r) * h + j0;
        if (gates) {
            float *gateRow = gates + (row + r) * width + j0;
            for (long g = 0; g < 4; g++) VSTORE(gateRow + g * h, gate[r][g]);
        }
        cells[r] = VFMA(gate[r][0], gate[r][2], gate[r][1] * VLOAD(previous_cell + at));
        twiceCells[r] = cells[r] + cells[r];
    }
    // tanh(c) of every row in lockstep.
    exponentPartsInLockstep(ROWS, twiceCells, expm1, scale);
    for (long r = 0; r < ROWS; r++) {
        long at = (row + r) * h + j0;
        V squashed = tanhFromParts(expm1[r], scale[r]);
        VSTORE(cell + at, cells[r]);
        if (tanh_cell) VSTORE(tanh_cell + at, squashed);
        VSTORE(hidden + (row + r) * strides.hidden + j0, gate[r][3] * squashed);
    }
}

// The whole step over unit blocks of LANES (outer) and row tiles of TILE_ROWS (inner).
static void LANE_NAME(stepForward)(const float *input, long channels, const float *input_weight_t,
                                   const float *previous_hidden, const float *hidden_weight_t, const float *bias,
                                   const float *previous_cell, float *gates, float *cell, float *tanh_cell,
                                   float *hidden, long batch, long h, struct RowStrides strides) {
    for (long j0 = 0; j0 < h; j0 += LANES) {
        long row = 0;
        for (; row + TILE_ROWS <= batch; row += TILE_ROWS) {
            // Eight-lane blocks j0 and j0 + 8 share the lines of a 16-unit block.
            if (j0 % 16 == 0) {
                prefetchOutputRows(row + 2 * TILE_ROWS, TILE_ROWS, batch, j0, gates, cell, tanh_cell, hidden, h, strides.hidden);
            }
            LANE_NAME(stepTile)(TILE_ROWS, row, j0, input, channels, input_weight_t, previous_hidden, hidden_weight_t,
                                bias, previous_cell, gates, cell, tanh_cell, hidden, h, strides);
        }
#define STEP_TILE(R) LANE_NAME(stepTile)(R, row, j0, input, channels, input_weight_t, previous_hidden, hidden_weight_t, \
                                         bias, previous_cell, gates, cell, tanh_cell, hidden, h, strides)
        switch (batch - row) {
        case 2: STEP_TILE(2); break;
        case 1: STEP_TILE(1); break;
        default: break;
        }
#undef STEP_TILE
    }
}

ALWAYS_INLINE void LANE_NAME(backwardTile)(const long ROWS, long row, long j0, float *gates, const float *later_gate_gradient,
                                const float *hidden_weight, const float *upstream, long upstream_stride,
                                const float *previous_cell, const float *tanh_cell, float *cell_gradient, long h,
                                V sums[4][BACKWARD_UNITS], V weighted[4][BACKWARD_UNITS], const float *scalar_input) {
    const long width = 4 * h;
    V acc[BACKWARD_ROWS][BACKWARD_UNITS];
    for (long r = 0; r < ROWS; r++) {
        for (long u = 0; u < BACKWARD_UNITS; u++) acc[r][u] = VLOAD(upstream + (row + r) * upstream_stride + j0 + LANES * u);
    }
    if (later_gate_gradient) {
        for (long k = 0; k < width; k++) {
            V w[BACKWARD_UNITS];
            for (long u = 0; u < BACKWARD_UNITS; u++) w[u] = VLOAD(hidden_weight + k * h + j0 + LANES * u);
            for (long r = 0; r < ROWS; r++) {
                V x = VSPLAT(later_gate_gradient[(row + r) * width + k]);
                for (long u = 0; u < BACKWARD_UNITS; u++) acc[r][u] = VFMA(x, w[u], acc[r][u]);
            }
        }
    }
    for (long r = 0; r < ROWS; r++) {
        for (long u = 0; u < BACKWARD_UNITS; u++) {
            long unit = j0 + LANES * u, at = (row + r) * h + unit;
            float *gateRow = gates + (row + r) * width + unit;
            V d[4], dcPrevious;
            cellBackward(VLOAD(gateRow), VLOAD(gateRow + h), VLOAD(gateRow + 2 * h), VLOAD(gateRow + 3 * h),
                          VLOAD(tanh_cell + at), VLOAD(previous_cell + at), acc[r][u], VLOAD(cell_gradient + at),
                          &d[0], &d[1], &d[2], &d[3], &dcPrevious);
            for (int gate = 0; gate < 4; gate++) VSTORE(gateRow + gate * h, d[gate]);
            VSTORE(cell_gradient + at, dcPrevious);
            for (int gate = 0; gate < 4; gate++) sums[gate][u] += d[gate];
            if (scalar_input) {
                V x = VSPLAT(scalar_input[row + r]);
                for (int gate = 0; gate < 4; gate++) weighted[gate][u] = VFMA(x, d[gate], weighted[gate][u]);
            }
        }
    }
}

// The whole backward step over row tiles of BACKWARD_ROWS (outer) and unit blocks of
// LANES · BACKWARD_UNITS (inner).
static void LANE_NAME(stepBackward)(float *gates, const float *later_gate_gradient, const float *hidden_weight,
                                    const float *upstream, long upstream_stride, const float *previous_cell,
                                    const float *tanh_cell, float *cell_gradient, long batch, long h, float *gate_sums,
                                    const float *scalar_input, float *scalar_input_weight_gradient,
                                    const float *ahead_gates, const float *ahead_upstream,
                                    const float *ahead_previous_cell, const float *ahead_tanh_cell) {
    // Row tiles outer, unit blocks inner: a tile's rows of the (B, 4H) gates, streamed from memory,
    // are read whole before moving on. Each unit block keeps its own sums, added in row order.
    long blocks = h / (LANES * BACKWARD_UNITS);
    V sums[blocks][4][BACKWARD_UNITS], weighted[blocks][4][BACKWARD_UNITS];
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
            long j0 = block * LANES * BACKWARD_UNITS;
#define BACKWARD_TILE(R) LANE_NAME(backwardTile)(R, row, j0, gates, later_gate_gradient, hidden_weight, upstream, upstream_stride, \
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
                long at = gate * h + block * LANES * BACKWARD_UNITS + LANES * u;
                if (gate_sums) VSTORE(gate_sums + at, VLOAD(gate_sums + at) + sums[block][gate][u]);
                if (scalar_input) {
                    VSTORE(scalar_input_weight_gradient + at, VLOAD(scalar_input_weight_gradient + at) + weighted[block][gate][u]);
                }
            }
        }
    }
}
