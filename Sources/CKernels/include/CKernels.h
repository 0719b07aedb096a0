#ifndef SERIESLENS_C_KERNELS_H
#define SERIESLENS_C_KERNELS_H

/// Element-wise kernels whose Swift SIMD versions compiled poorly: clang's vector extensions give
/// predictable code for long chains of dependent FMAs (Swift split them into 128-bit pieces and
/// spilled). Built with the same target flags as the Swift code (see TargetFlagsTests).

/// The element-wise half of one LSTM step for a batch, in Float, as `LSTMCell.forward`:
/// `gates` (batch, 4·hidden) holds the pre-activations in the gate order i, f, g, o and is
/// overwritten with σ(i), σ(f), tanh(g), σ(o); `cell`, `tanh_cell`, `hidden` (batch, hidden) get
/// c = f·c_prev + i·g, tanh(c) and o·tanh(c).
void serieslens_lstm_cell_forward_f32(float *gates, const float *previous_cell, float *cell,
                                      float *tanh_cell, float *hidden, long batch, long hidden_size);

/// Backward of one step, in place on `gates` (activated values in, ∂L/∂pre-activations out), as
/// `LSTMCell.backward`: `hidden_gradient` is ∂L/∂h_t, `cell_gradient` ∂L/∂c_t in and ∂L/∂c_{t−1} out.
/// While each row's ∂gates are in registers it adds them (summed over the rows) into `gate_sums` (4·hidden: the bias
/// gradient) and, when `scalar_input` (one value per row: a one-channel input) is given,
/// scalar_input[row]·∂gates into `scalar_input_weight_gradient` (4·hidden: ∂W_ih); either may be NULL.
/// This saves two passes over the (T, B, 4H) gradient, which does not fit in cache.
void serieslens_lstm_cell_backward_f32(float *gates, const float *previous_cell, const float *tanh_cell,
                                       const float *hidden_gradient, float *cell_gradient, long batch,
                                       long hidden_size, float *gate_sums, const float *scalar_input,
                                       float *scalar_input_weight_gradient);

/// One whole LSTM step for a batch when hidden_size is a multiple of 8 (returns 0 and does nothing
/// otherwise): the gates bias + x_t·W_ihᵀ + h_{t−1}·W_hhᵀ and the cell, tile by tile, with the same
/// operations in the same order as `SmallGEMM.multiplyAddingBias(leading:)` followed by
/// `serieslens_lstm_cell_forward_f32`, so both give the same bits. `input` (batch, channels),
/// `input_weight_t` (channels, 4·hidden) = W_ihᵀ, `hidden_weight_t` (hidden, 4·hidden) = W_hhᵀ,
/// `bias` (4·hidden); `gates` (batch, 4·hidden) receives σ(i), σ(f), tanh(g), σ(o). `gates` and
/// `tanh_cell` may be NULL (evaluation: only a backward pass reads them), and are then not stored.
/// Row r of h_{t−1} is at previous_hidden + r·previous_hidden_stride and row r of h_t goes to
/// hidden + r·hidden_stride (evaluation writes h_t straight into the layer's (B, T, D·H) output and
/// reads it back from there); the other (batch, hidden) operands are packed.
int serieslens_lstm_step_forward_f32(const float *input, long channels, const float *input_weight_t,
                                     const float *previous_hidden, const float *hidden_weight_t, const float *bias,
                                     const float *previous_cell, float *gates, float *cell, float *tanh_cell,
                                     float *hidden, long batch, long hidden_size, long previous_hidden_stride,
                                     long hidden_stride);

/// The backward of one LSTM step when hidden_size is a multiple of 16 (returns 0 and does nothing
/// otherwise), tile by tile: ∂L/∂h_t = upstream + ∂gates_later·W_hh (`later_gate_gradient`, the
/// (batch, 4·hidden) ∂gates of the step processed before this one, or NULL for the first), then the
/// cell backward in place on `gates`, with the same operations in the same order as
/// `SmallGEMM.multiplyAdd` into the upstream slab followed by `serieslens_lstm_cell_backward_f32`.
/// `hidden_weight` is W_hh (4·hidden, hidden); `upstream` row r is at upstream + r·upstream_stride
/// (it may be read in place from a (B, T, D·H) gradient); the other arguments are the cell's. The
/// `ahead_` operands (all NULL, or those of a step processed later) are only prefetched into L2.
int serieslens_lstm_step_backward_f32(float *gates, const float *later_gate_gradient, const float *hidden_weight,
                                      const float *upstream, long upstream_stride, const float *previous_cell,
                                      const float *tanh_cell, float *cell_gradient, long batch, long hidden_size,
                                      float *gate_sums, const float *scalar_input, float *scalar_input_weight_gradient,
                                      const float *ahead_gates, const float *ahead_upstream, const float *ahead_previous_cell,
                                      const float *ahead_tanh_cell);

/// c (m, n) += aᵀ·b with a (k, m) and b (k, n), rows lda, ldb and ldc apart: each entry summed over
/// the k rows in order from its old value (the bits of `SmallGEMM.multiplyAddTransposedA` below its
/// split depth). For operands in cache; n a multiple of 16, else returns 0 having done nothing.
int serieslens_add_transposed_product_f32(const float *a, long lda, const float *b, long ldb, float *c, long ldc,
                                          long m, long n, long k);

/// The same with a packed in panels of 6 of its columns, `panel_stride` floats apart (the bits of
/// `SmallGEMM.transposedPackedChunk`).
int serieslens_add_packed_transposed_product_f32(const float *panels, long panel_stride, const float *b, long ldb, float *c,
                                                 long ldc, long m, long n, long k);

/// c (m, n) = bias + a·b (bias a row of n, repeated) or, when `bias` is NULL, c += a·b, with a (m, k)
/// and b (k, n) rows lda, ldb and ldc apart (lda < k: overlapping windows), over the columns below the
/// last multiple of 16 (returned; the caller does the rest), in blocks of `block_rows` rows (a multiple
/// of 6): each entry summed over k in order from its start, one FMA per term, the bits of
/// `SmallGEMM.multiplyAddingBias` and `multiplyAdd` on the same columns.
long serieslens_row_product_f32(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                                const float *bias, float *c, long ldc, long block_rows);

/// Additive attention's scores over `rows` rows of `features` values: scores[r] = w₂·tanh(W₁x_r + b₁)
/// + b₂, with `weight_t` = W₁ᵀ (features, width), `bias` b₁ (width), `scorer` w₂ (width). The
/// projection is summed from b₁ over k in order (as `SmallGEMM.multiplyAddingBias`); tanh(…) is kept
/// in `squashed` (rows, width) for a backward pass when that is not NULL. Returns 0 and does
/// nothing unless width is a multiple of 32.
int serieslens_additive_scores_f32(const float *input, long rows, long features, const float *weight_t, long width,
                                   const float *bias, const float *scorer, float scorer_bias, float *squashed,
                                   float *scores);

/// Numerically stable softmax of each of `rows` rows of `columns` values, in place (the maximum is
/// subtracted before exponentiating, so no input overflows).
void serieslens_softmax_rows_f32(float *matrix, long rows, long columns);

/// σ(x) and tanh(x) over `count` values (input and output may be the same buffer).
void serieslens_sigmoid_f32(const float *input, float *output, long count);
void serieslens_tanh_f32(const float *input, float *output, long count);

/// scores[v·score_stride + t] = bias + ⟨rows[t], vector v⟩ for t < count and v < vector_count (row t
/// at rows + t·row_stride, vector v at vectors + v·vector_stride), each sum taken as the Swift
/// `RowProducts.rowDots(_:vectors:)` takes it, so either gives the same bits. Sixteen-lane builds
/// only, with width and vector_count multiples of 16 and 4 (returns 0 and does nothing otherwise).
int serieslens_row_dots_f32(const float *rows, long count, long width, long row_stride, const float *vectors,
                            long vector_count, long vector_stride, float bias, float *scores, long score_stride);

/// y_ij = shift_j + x_ij·scale_j (one FMA), then max(y_ij, 0) with `rectify` (NaN passes through),
/// over rows × columns row-major: an evaluation batch norm and its ReLU, as the Swift
/// `Normalization.applyChannelAffine`, so either gives the same bits. `output` may be `input`.
void serieslens_channel_affine_f32(const float *input, long rows, long columns, const float *scale, const float *shift,
                                   int rectify, float *output);

/// Self-attention of one (sample, head) with head size d (a multiple of 8, at most 32; the functions
/// return 0 and do nothing otherwise), fused by blocks of query rows so that the (Tq, Tk) matrices
/// stay in cache. Q (Tq, d), K and V (Tk, d) and the context (Tq, d) are row-major with the given row
/// strides (column blocks of wider activations). `scratch` holds
/// `serieslens_attention_scratch_floats(Tk, d)` floats.
///
/// Forward: P = softmax(scale · Q Kᵀ) written to `weights` (Tq, Tk), or kept only block by block
/// when `weights` is NULL; context = P V (overwritten).
int serieslens_attention_forward_f32(const float *query, long query_stride, const float *key, long key_stride,
                                     const float *value, long value_stride, long query_time, long key_time,
                                     long head_size, float scale, float *weights, float *context,
                                     long context_stride, float *scratch);
/// Backward, from ∂L/∂context and the forward's P: adds ∂Q += scale · ∂S K, ∂K += scale · ∂Sᵀ Q and
/// ∂V += Pᵀ ∂C, where ∂S = P ⊙ (∂C Vᵀ − rowsum(P ⊙ ∂C Vᵀ)); with `accumulate` 0 it writes them
/// instead (the same bits as adding to zeros).
int serieslens_attention_backward_f32(const float *context_gradient, long context_gradient_stride, const float *weights,
                                      const float *query, long query_stride, const float *key, long key_stride,
                                      const float *value, long value_stride, float *query_gradient,
                                      long query_gradient_stride, float *key_gradient, long key_gradient_stride,
                                      float *value_gradient, long value_gradient_stride, long query_time,
                                      long key_time, long head_size, float scale, float *scratch, int accumulate);
long serieslens_attention_scratch_floats(long key_time, long head_size);
int serieslens_attention_supports_head_size(long head_size);

/// Self-attention of one (sample, head) whose Q, K and V are affine in a one-channel series x with
/// terms shared by the batch (LowRankAttention.c): S = M + x·gᵀ + f·xᵀ, P = softmax rows of S,
/// context = P·Cv + (P·x)·avᵀ. `weights` receives E = e^{S − max} (P = E/ΣE) and `row_scales`
/// 1/ΣE, which the backward reads. Rows are indexed from the sample's first row (`first_row`
/// selects the block); `shared_scores` and `weights` point at the block's first row. Head sizes as
/// `serieslens_attention_supports_head_size` (0 returned otherwise).
int serieslens_lowrank_attention_forward_f32(const float *shared_scores, long shared_stride, const float *series,
                                             const float *key_terms, const float *query_terms, long first_row, long rows,
                                             long key_time, const float *values, const float *value_direction,
                                             long head_size, const float *shared_maxima, float key_bound,
                                             float series_bound, float *weights, float *row_scales,
                                             float *weighted_series, float *context, long context_stride);
/// Each row's maximum of a (rows × columns) matrix with the given row stride: the shared scores'
/// row maxima, which with key_bound = max|g| and series_bound = max|x| let the forward shift a row
/// of scores by a bound instead of its maximum (one pass instead of two; NULL `shared_maxima`
/// always finds the maximum).
void serieslens_row_maxima_f32(const float *matrix, long rows, long columns, long stride, float *maxima);
/// max_j |values_j| (0 for none).
float serieslens_max_magnitude_f32(const float *values, long count);
/// Cvᵀ in the 16-key panels the backward's ∂C·Cvᵀ reads (head_size × padded floats, padded = Tk
/// rounded up to 16).
void serieslens_lowrank_attention_value_panels_f32(const float *values, long key_time, long head_size, float *panels);
/// Backward over a block of query rows, from the forward's E and 1/ΣE and ∂C: with u = ∂C·av, ∂P = ∂C·Cvᵀ + u·xᵀ and
/// ∂S = P ⊙ (∂P − ⟨P, ∂P⟩) (unscaled), adds score_sums += ∂S (block rows), row_series[i] += (∂S·x)_i,
/// key_series += ∂Sᵀ·x, value_sums += Pᵀ·∂C, value_series += Σ_i (P·x)_i·∂C_i and, when
/// `input_gradient` is given, ∂x_i += (∂S·g)_i and ∂x_j += (∂Sᵀ·h)_j + (Pᵀ·u)_j with h = `key_side`.
/// Returns Σ_i x_i·(∂S·x)_i over the block. `scratch` holds rows × (padded + head_size) floats.
float serieslens_lowrank_attention_backward_f32(const float *weights, const float *context_gradient,
                                                long context_gradient_stride, const float *series,
                                                const float *row_scales, const float *weighted_series,
                                                const float *key_terms, const float *key_side, long first_row,
                                                long rows, long key_time,
                                                const float *value_panels, const float *value_direction, long head_size,
                                                float *score_sums, long score_stride, float *row_series,
                                                float *key_series, float *value_sums, long value_sums_stride,
                                                float *value_series, float *input_gradient, float *scratch);

// Winograd convolution's transforms (Winograd.c): input x̂ → V (Bᵀ, n × n), output M → y
// (start + Aᵀ, m × n; the last tile writes out_last rows, start = bias, y or 0) and output gradient
// ∂y → ∂M (A, n × m; the last tile reads in_last rows, the rest are zeros). Rows of `channels`
// floats, tiles `*_stride` apart, rows within a tile `*_row` apart.
void serieslens_winograd_input_f32(const float *in, long in_stride, long in_row, float *out, long out_stride, long out_row,
                                   long n, const float *coefficients, long tiles, long channels);
void serieslens_winograd_output_f32(const float *in, long in_stride, long in_row, float *out, long out_stride, long out_row,
                                    long n, long m, long out_last, const float *coefficients, long tiles, long channels,
                                    const float *bias, int accumulate);
void serieslens_winograd_output_gradient_f32(const float *in, long in_stride, long in_row, long in_last, float *out,
                                             long out_stride, long out_row, long n, long m, const float *coefficients,
                                             long tiles, long channels);
// U[i][r][s] = Σ_k g[i][k]·w[r·row_stride + s·column_stride + first_tap + k·tap_step] (n × rows × columns),
// and ∂W (O, C, K) += Σ_i g[i][k]·Σ_parts ∂U[i][c][o], g (n × taps).
void serieslens_winograd_filter_f32(const float *w, long rows, long columns, long row_stride, long column_stride,
                                    long first_tap, long tap_step, long taps, const float *g, long n, float *u);
void serieslens_winograd_filter_gradient_f32(const float *du, long parts, long outputs, long channels, long taps,
                                             const float *g, long n, float *dw);

#endif
