#ifndef SERIESLENS_CPU_CONTROL_H
#define SERIESLENS_CPU_CONTROL_H

/// Sets flush-to-zero and denormals-are-zero in this thread's MXCSR (x86-64) or FPCR (arm64).
/// Denormal operands slow LSTM recurrences by 10x or more once gates saturate.
void serieslens_enable_flush_to_zero(void);

/// 1 when both flush-to-zero and denormals-are-zero are set for the calling thread, else 0.
int serieslens_flush_to_zero_enabled(void);

/// Bit set of the vector instruction sets this C translation unit was compiled for
/// (1: SSE2, 2: AVX2, 4: FMA, 8: AVX-512F). Lets a test notice a build that lost its target flags.
int serieslens_compiled_vector_features(void);

/// Marks the calling thread as a worker of a parallel region (1) or not (0), so that kernels it runs
/// do not split again: two threads are all this program uses.
void serieslens_set_parallel_worker(int worker);

/// 1 when the calling thread is a worker of a parallel region, else 0.
int serieslens_is_parallel_worker(void);

/// Runs body(context, 0) on the calling thread and body(context, 1) on a persistent second thread
/// (which spins briefly between jobs, so a split costs microseconds, not a thread wake-up), both
/// marked as parallel workers; returns when both are done. Flush-to-zero is set on the second
/// thread. While another split is in flight (or no thread could be started) both parts run here,
/// in order.
void serieslens_run_on_two_threads(void (*body)(void *context, long part), void *context);

#endif
