// Includes the template named by LANE_TEMPLATE once per vector width: eight lanes (f8) always and,
// with AVX-512, sixteen (f16). Inside, V is the vector type, LANES its width, VLOAD, VSTORE, VSPLAT
// and VFMA its operations, and LANE_NAME(name) the width's name for a function (name8, name16).
// Templates compute every output element with the same operations in the same order at either
// width, so a machine with AVX-512 gives the same bits as one without.
#define V f8
#define LANES 8
#define VLOAD load8
#define VSTORE store8
#define VSPLAT SPLAT
#define VFMA fma8
#define LANE_NAME(name) name##8
#include LANE_TEMPLATE
#undef V
#undef LANES
#undef VLOAD
#undef VSTORE
#undef VSPLAT
#undef VFMA
#undef LANE_NAME

#if defined(SERIESLENS_SIXTEEN_LANES)
#define V f16
#define LANES 16
#define VLOAD load16
#define VSTORE store16
#define VSPLAT SPLAT16
#define VFMA __builtin_elementwise_fma
#define LANE_NAME(name) name##16
#include LANE_TEMPLATE
#undef V
#undef LANES
#undef VLOAD
#undef VSTORE
#undef VSPLAT
#undef VFMA
#undef LANE_NAME
#endif

#undef LANE_TEMPLATE
