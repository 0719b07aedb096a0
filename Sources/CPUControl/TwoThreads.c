// One persistent second thread for the two-way splits (`Parallelism.onTwoThreads`). Waking a
// sleeping thread costs 75–150 µs on the VMs we run on (measured with DispatchQueue.concurrentPerform,
// whose pool threads sleep between splits), longer than many of the split kernels themselves. This
// worker spins for a while after each job, so the splits of a training step, milliseconds apart,
// find it awake; idle for longer, it sleeps on a condition variable.
#define _GNU_SOURCE
#include "CPUControl.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

// How long the worker polls for the next job before it sleeps: 2 ms with a core of its own; with one
// core for both threads (a small VM) a polling worker would only steal the caller's time, so it
// sleeps at once.
static uint64_t spin_nanoseconds = 2000000;

static pthread_once_t started = PTHREAD_ONCE_INIT;
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
// One split at a time: a second caller (two models training in one process) runs its parts itself.
static pthread_mutex_t dispatch_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic long posted = 0;     // generation of the last job posted
static _Atomic long finished = 0;   // generation of the last job the worker finished
static _Atomic int sleeping = 0;
static int worker_running = 0;
static void (*job)(void *context, long part);
static void *job_context;

static uint64_t nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static inline void relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static void *workerLoop(void *unused) {
    (void)unused;
    serieslens_enable_flush_to_zero();
    long seen = 0;
    for (;;) {
        uint64_t idleSince = nanoseconds();
        unsigned polls = 0;
        long generation;
        while ((generation = atomic_load(&posted)) == seen) {
            relax();
            // Read the clock every 256 polls only; a poll is a few nanoseconds.
            if (++polls % 256 == 0 && nanoseconds() - idleSince >= spin_nanoseconds) {
                pthread_mutex_lock(&sleep_lock);
                atomic_store(&sleeping, 1);
                while (atomic_load(&posted) == seen) pthread_cond_wait(&wake, &sleep_lock);
                atomic_store(&sleeping, 0);
                pthread_mutex_unlock(&sleep_lock);
                idleSince = nanoseconds();
            }
        }
        seen = generation;
        serieslens_set_parallel_worker(1);
        job(job_context, 1);
        serieslens_set_parallel_worker(0);
        atomic_store(&finished, generation);
    }
    return 0;
}

// The cores this process may run on (its affinity mask: `taskset` or a container's CPU set).
static long usableCores(void) {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
#endif
    return sysconf(_SC_NPROCESSORS_ONLN);
}

static void startWorker(void) {
    if (usableCores() < 2) spin_nanoseconds = 0;
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, 8u << 20);
    worker_running = pthread_create(&thread, &attributes, workerLoop, 0) == 0;
    pthread_attr_destroy(&attributes);
}

void serieslens_run_on_two_threads(void (*body)(void *context, long part), void *context) {
    pthread_once(&started, startWorker);
    if (!worker_running || pthread_mutex_trylock(&dispatch_lock) != 0) {
        // No worker, or another split in flight: both parts here, in order (same results).
        int wasWorker = serieslens_is_parallel_worker();
        serieslens_set_parallel_worker(1);
        body(context, 0);
        body(context, 1);
        serieslens_set_parallel_worker(wasWorker);
        return;
    }
    job = body;
    job_context = context;
    long generation = atomic_fetch_add(&posted, 1) + 1;
    if (atomic_load(&sleeping)) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_signal(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    int wasWorker = serieslens_is_parallel_worker();
    serieslens_set_parallel_worker(1);
    body(context, 0);
    serieslens_set_parallel_worker(wasWorker);
    // Poll for the worker's part; past ~1000 polls (tens of µs) also yield, in case the worker
    // shares this core.
    for (unsigned polls = 1; atomic_load(&finished) != generation; polls++) {
        relax();
        if (polls % 1024 == 0) sched_yield();
    }
    pthread_mutex_unlock(&dispatch_lock);
}
