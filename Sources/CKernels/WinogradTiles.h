// Winograd's written-out transforms for one vector width (a template: ForEachWidth.h), LANES
// channels at a time. Every operation is per channel, so both widths give the same bits.

#undef IN
#undef OUT
#define IN(l) VLOAD(source + (l) * in_row + c)
#define OUT(i, v) VSTORE(target + (i) * out_row + c, (v))

// Bᵀ·d for the points 0, ±1, ±2, ∞ (F(4, 3)).
static inline void LANE_NAME(input6_)(const float *source, long in_row, float *target, long out_row, long c)
{
    V d0 = IN(0), d1 = IN(1), d2 = IN(2), d3 = IN(3), d4 = IN(4), d5 = IN(5);
    OUT(0, VFMA(VSPLAT(4.0f), d0, VFMA(VSPLAT(-5.0f), d2, d4)));
    V even = VFMA(VSPLAT(-4.0f), d2, d4), odd = VFMA(VSPLAT(-4.0f), d1, d3);
    OUT(1, even + odd);
    OUT(2, even - odd);
    even = d4 - d2;
    odd = VSPLAT(2.0f) * (d3 - d1);
    OUT(3, even + odd);
    OUT(4, even - odd);
    OUT(5, VFMA(VSPLAT(4.0f), d1, VFMA(VSPLAT(-5.0f), d3, d5)));
}

// Bᵀ·d for the points 0, ±1, ±2, ±½, ∞ (F(4, 5)).
static inline void LANE_NAME(input8_)(const float *source, long in_row, float *target, long out_row, long c)
{
    V d0 = IN(0), d1 = IN(1), d2 = IN(2), d3 = IN(3), d4 = IN(4), d5 = IN(5), d6 = IN(6), d7 = IN(7);
    OUT(0, VFMA(VSPLAT(5.25f), d2 - d4, d6 - d0));
    V even = VFMA(VSPLAT(-4.25f), d4, d2 + d6), odd = VFMA(VSPLAT(-4.25f), d3, d1 + d5);
    OUT(1, even + odd);
    OUT(2, even - odd);
    even = VFMA(VSPLAT(0.25f), d2, VFMA(VSPLAT(-1.25f), d4, d6));
    odd = VFMA(VSPLAT(0.5f), d1, VFMA(VSPLAT(-2.5f), d3, VSPLAT(2.0f) * d5));
    OUT(3, even + odd);
    OUT(4, even - odd);
    even = VFMA(VSPLAT(4.0f), d2, VFMA(VSPLAT(-5.0f), d4, d6));
    odd = VFMA(VSPLAT(2.0f), d1, VFMA(VSPLAT(-2.5f), d3, VSPLAT(0.5f) * d5));
    OUT(5, even + odd);
    OUT(6, even - odd);
    OUT(7, VFMA(VSPLAT(5.25f), d3 - d5, d7 - d1));
}

// y = start + Aᵀ·M for n = 6 or 8 and m ≤ 6 (called with m = 4): y_j = [j = 0]·M_0 + Σ_pairs a^j·(M_a ± M_−a) (+ for even j,
// − for odd) + [j = m − 1]·M_∞. Only the first `writes` rows are stored.
static inline __attribute__((always_inline)) void LANE_NAME(output_pairs)(
    const float *source, long in_row, long n, long m, float *target, long out_row, long writes, long c,
    const float *bias, int accumulate)
{
    V ys[6];
    for (long j = 0; j < m; j++) ys[j] = j == 0 ? IN(0) : VSPLAT(0.0f);
    for (long pair = 0; pair < (n - 2) / 2; pair++) {
        V plus = IN(1 + 2 * pair), minus = IN(2 + 2 * pair), sum = plus + minus, difference = plus - minus;
        float power = 1.0f;
        for (long j = 0; j < m; j++) {
            ys[j] = VFMA(VSPLAT(power), j % 2 == 0 ? sum : difference, ys[j]);
            power *= pair_points[pair];
        }
    }
    ys[m - 1] += IN(n - 1);
    // Indexed by the constant j < m, not up to the run-time `writes`: ys stays in registers (it went
    // through the stack).
    UNROLLED for (long j = 0; j < m; j++) {
        if (j >= writes) break;
        V start = bias ? VLOAD(bias + c) : accumulate ? VLOAD(target + j * out_row + c) : VSPLAT(0.0f);
        OUT(j, start + ys[j]);
    }
}

// ∂M = A·∂y for n = 6 or 8 and m ≤ 6 (called with m = 4), the transpose: ∂M_0 = g_0, ∂M_±a = Σ_even a^j·g_j ± Σ_odd a^j·g_j,
// ∂M_∞ = g_{m−1}; rows of ∂y past `reads` are zeros.
static inline __attribute__((always_inline)) void LANE_NAME(output_gradient_pairs)(
    const float *source, long in_row, long reads, float *target, long out_row, long n, long m, long c)
{
    V g[6];
    for (long j = 0; j < m; j++) g[j] = j < reads ? IN(j) : VSPLAT(0.0f);
    OUT(0, g[0]);
    for (long pair = 0; pair < (n - 2) / 2; pair++) {
        V even = VSPLAT(0.0f), odd = VSPLAT(0.0f);
        float power = 1.0f;
        for (long j = 0; j < m; j++) {
            if (j % 2 == 0) even = VFMA(VSPLAT(power), g[j], even);
            else odd = VFMA(VSPLAT(power), g[j], odd);
            power *= pair_points[pair];
        }
        OUT(1 + 2 * pair, even + odd);
        OUT(2 + 2 * pair, even - odd);
    }
    OUT(n - 1, g[m - 1]);
}

