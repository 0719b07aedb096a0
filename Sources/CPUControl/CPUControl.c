#include "CPUControl.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#include <pmmintrin.h>

void serieslens_enable_flush_to_zero(void) {
    _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
    _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
}

int serieslens_flush_to_zero_enabled(void) {
    return _MM_GET_FLUSH_ZERO_MODE() == _MM_FLUSH_ZERO_ON
        && _MM_GET_DENORMALS_ZERO_MODE() == _MM_DENORMALS_ZERO_ON;
}
#elif defined(__aarch64__)
#include <stdint.h>

void serieslens_enable_flush_to_zero(void) {
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    fpcr |= (1ull << 24);  // FZ
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
}

int serieslens_flush_to_zero_enabled(void) {
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    return (fpcr >> 24) & 1;
}
#else
void serieslens_enable_flush_to_zero(void) {}
int serieslens_flush_to_zero_enabled(void) { return 0; }
#endif

int serieslens_compiled_vector_features(void) {
    int features = 0;
#if defined(__SSE2__)
    features |= 1;
#endif
#if defined(__AVX2__)
    features |= 2;
#endif
#if defined(__FMA__)
    features |= 4;
#endif
#if defined(__AVX512F__)
    features |= 8;
#endif
    return features;
}

static _Thread_local int parallel_worker = 0;

void serieslens_set_parallel_worker(int worker) { parallel_worker = worker; }

int serieslens_is_parallel_worker(void) { return parallel_worker; }
