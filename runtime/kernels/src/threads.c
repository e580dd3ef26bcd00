/* A lazily created, persistent pthread pool, and per-thread scratch. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define DLCK_MAX_THREADS 256

static atomic_long g_nthreads = 1;

/* Hand-off between the caller and the workers. A job is published by
 * bumping g_gen; workers that finished a job spin on g_gen for a short
 * while before sleeping on g_cv_work, and the caller spins on g_active
 * before sleeping on g_cv_done, so back-to-back kernel calls (tens per
 * training step) do not pay a futex wake-up each. Every sleep re-checks
 * its condition under g_mu, and every change that a sleeper waits for is
 * signalled under g_mu, so no wake-up is lost. */
static pthread_mutex_t g_call_mu = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_cv_done = PTHREAD_COND_INITIALIZER;
static int g_nworkers;
static pthread_t g_workers[DLCK_MAX_THREADS];
static atomic_int g_quit;
static long g_start_gen[DLCK_MAX_THREADS]; /* g_gen when worker i was made */
static atomic_long g_gen;
static int g_sleepers; /* workers waiting on g_cv_work (under g_mu) */
static int g_want;     /* workers with index < g_want take part */
static atomic_int g_active; /* workers not done with the job yet */
static dlck_task_fn g_fn;
static void *g_ctx;
static int64_t g_ntasks;
static atomic_llong g_next;

/* How long an idle thread spins before it sleeps: long enough to bridge
 * the generated code between two kernel calls, short enough not to keep a
 * core from other work (the batch-preparing thread) for long. */
#define DLCK_SPIN_NS 100000

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Idle threads spin only while the pool has no more threads than the
 * machine has CPUs (a spinning thread would otherwise hold a CPU that a
 * working one needs); after the first microseconds they yield between
 * checks, so other processes' threads still get the CPU. */
static long g_ncpus;
static atomic_int g_spin; /* pool threads <= CPUs (set by the caller) */
static int may_spin(void) { return atomic_load_explicit(&g_spin, memory_order_relaxed); }

static int spin_until(int (*done)(void *), void *arg) {
  if (!may_spin()) return 0;
  int64_t t0 = 0;
  for (unsigned i = 1;; ++i) {
    if (done(arg)) return 1;
    if ((i & 255) == 0) {
      int64_t t = now_ns();
      if (!t0)
        t0 = t;
      else if (t - t0 > DLCK_SPIN_NS)
        return 0;
      else if (t - t0 > DLCK_SPIN_NS / 8)
        sched_yield();
    } else {
      cpu_relax();
    }
  }
}

typedef struct {
  atomic_long *a;
  long v;
} gen_wait;
static int gen_changed(void *p) {
  const gen_wait *w = (const gen_wait *)p;
  return atomic_load_explicit(w->a, memory_order_acquire) != w->v;
}
static int all_done(void *p) {
  return atomic_load_explicit((atomic_int *)p, memory_order_acquire) == 0;
}

static void scratch_catch_up(void);

static void run_tasks(dlck_task_fn fn, void *ctx, int64_t ntasks) {
  for (;;) {
    int64_t t = atomic_fetch_add(&g_next, 1);
    if (t >= ntasks) break;
    fn(ctx, t);
  }
}

static void *worker_main(void *arg) {
  int idx = (int)(intptr_t)arg;
  pthread_mutex_lock(&g_mu);
  long seen = g_start_gen[idx];
  pthread_mutex_unlock(&g_mu);
  for (;;) {
    gen_wait w = {&g_gen, seen};
    if (!spin_until(gen_changed, &w)) {
      pthread_mutex_lock(&g_mu);
      ++g_sleepers;
      while (atomic_load(&g_gen) == seen && !atomic_load(&g_quit))
        pthread_cond_wait(&g_cv_work, &g_mu);
      --g_sleepers;
      pthread_mutex_unlock(&g_mu);
    }
    if (atomic_load(&g_quit)) break;
    /* The job's fields were written before g_gen was bumped (release);
     * the caller does not publish another one before every worker has
     * seen this one (the ones not taking part only check in). */
    seen = atomic_load_explicit(&g_gen, memory_order_acquire);
    scratch_catch_up();
    if (idx < g_want) run_tasks(g_fn, g_ctx, g_ntasks);
    if (atomic_fetch_sub_explicit(&g_active, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&g_mu);
      pthread_cond_signal(&g_cv_done);
      pthread_mutex_unlock(&g_mu);
    }
  }
  return NULL;
}

int64_t dlck_threads(void) { return atomic_load(&g_nthreads); }

DLC_K_API void dlc_k_set_num_threads(int64_t n) {
  if (n <= 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    n = c > 0 ? c : 1;
  }
  if (n > DLCK_MAX_THREADS) n = DLCK_MAX_THREADS;
  atomic_store(&g_nthreads, n);
}

DLC_K_API int64_t dlc_k_get_num_threads(void) { return atomic_load(&g_nthreads); }

void dlck_parallel(int64_t ntasks, dlck_task_fn fn, void *ctx) {
  if (ntasks <= 0) return;
  int64_t T = DLCK_MIN(dlck_threads(), ntasks);
  /* Serial when one thread suffices, or when another caller (or a nested
   * call) holds the pool: results are the same either way. */
  if (T <= 1 || pthread_mutex_trylock(&g_call_mu) != 0) {
    for (int64_t t = 0; t < ntasks; ++t) fn(ctx, t);
    return;
  }
  pthread_mutex_lock(&g_mu);
  if (!g_ncpus) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    g_ncpus = c > 0 ? c : 1;
  }
  while (g_nworkers < T - 1) {
    g_start_gen[g_nworkers] = atomic_load(&g_gen);
    if (pthread_create(&g_workers[g_nworkers], NULL, worker_main,
                       (void *)(intptr_t)g_nworkers) != 0)
      break;
    ++g_nworkers;
  }
  atomic_store(&g_spin, g_nworkers + 1 <= g_ncpus);
  int want = (int)DLCK_MIN(T - 1, (int64_t)g_nworkers);
  g_fn = fn;
  g_ctx = ctx;
  g_ntasks = ntasks;
  atomic_store(&g_next, 0);
  g_want = want;
  atomic_store(&g_active, g_nworkers);
  atomic_fetch_add_explicit(&g_gen, 1, memory_order_release);
  if (g_sleepers) pthread_cond_broadcast(&g_cv_work);
  pthread_mutex_unlock(&g_mu);

  scratch_catch_up();
  run_tasks(fn, ctx, ntasks);

  if (!spin_until(all_done, &g_active)) {
    pthread_mutex_lock(&g_mu);
    while (atomic_load(&g_active) > 0) pthread_cond_wait(&g_cv_done, &g_mu);
    pthread_mutex_unlock(&g_mu);
  }
  pthread_mutex_unlock(&g_call_mu);
}

/* dlc_k_parallel_for: T..4T near-equal chunks, each of >= 16K cost units. */
typedef struct {
  dlc_k_range_fn fn;
  void *ctx;
  int64_t n, ntasks;
} pfor_ctx;

static void pfor_task(void *vctx, int64_t t) {
  const pfor_ctx *c = (const pfor_ctx *)vctx;
  int64_t b = t * c->n / c->ntasks, e = (t + 1) * c->n / c->ntasks;
  if (b < e) c->fn(c->ctx, b, e);
}

DLC_K_API void dlc_k_parallel_for(dlc_k_range_fn fn, void *ctx, int64_t n, int64_t cost) {
  if (n <= 0) return;
  if (cost < 1) cost = 1;
  int64_t T = dlck_threads();
  double total = (double)n * (double)cost;
  if (T <= 1 || n < 2 || total < 65536.0) {
    fn(ctx, 0, n);
    return;
  }
  double chunks = total / 16384.0;
  int64_t ntasks = chunks < (double)(4 * T) ? (int64_t)chunks : 4 * T;
  ntasks = DLCK_MAX(DLCK_MIN(ntasks, n), 2);
  pfor_ctx c = {fn, ctx, n, ntasks};
  dlck_parallel(ntasks, pfor_task, &c);
}

/* Per-thread scratch. Worker threads live as long as the process; a
 * caller thread's buffers are freed by the key destructor when it exits.
 *
 * Each slot has a high-water mark over all threads. A thread that needs
 * more than its buffer grows it to at least the mark, and every thread
 * catches up with the marks before it takes part in a job (workers see
 * every job, taking part or not), so once the largest kernel call of a
 * step has run, no thread allocates again: a steady training step makes
 * no allocation, whichever thread runs which task. */
typedef struct {
  void *p[4];
  size_t n[4];
  long gen; /* g_scratch_gen when this thread last caught up */
} scratch_t;

static _Thread_local scratch_t tls_scratch;
static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static atomic_size_t g_scratch_max[4];
static atomic_long g_scratch_gen; /* bumped when a mark rises */

static void scratch_free(void *v) {
  scratch_t *s = (scratch_t *)v;
  for (int i = 0; i < 4; ++i) {
    free(s->p[i]);
    s->p[i] = NULL;
    s->n[i] = 0;
  }
}
static int g_key_made;
static void make_key(void) { g_key_made = pthread_key_create(&g_key, scratch_free) == 0; }

static void *scratch_grow(scratch_t *s, int slot, size_t n) {
  pthread_once(&g_key_once, make_key);
  pthread_setspecific(g_key, s);
  free(s->p[slot]);
  void *p = aligned_alloc(64, n);
  if (!p) abort();
  s->p[slot] = p;
  s->n[slot] = n;
  return p;
}

static void scratch_catch_up(void) {
  scratch_t *s = &tls_scratch;
  long gen = atomic_load_explicit(&g_scratch_gen, memory_order_acquire);
  if (s->gen == gen) return;
  s->gen = gen;
  for (int slot = 0; slot < 4; ++slot) {
    size_t m = atomic_load_explicit(&g_scratch_max[slot], memory_order_relaxed);
    if (s->n[slot] < m) scratch_grow(s, slot, m);
  }
}

/* When the library containing the kernels is unloaded (dlclose) or the
 * process exits, stop the workers so no thread is left running unmapped
 * code, and drop the key whose destructor lives here. */
__attribute__((destructor)) static void dlck_shutdown(void) {
  pthread_mutex_lock(&g_mu);
  atomic_store(&g_quit, 1);
  pthread_cond_broadcast(&g_cv_work);
  int n = g_nworkers;
  pthread_mutex_unlock(&g_mu);
  for (int i = 0; i < n; ++i) pthread_join(g_workers[i], NULL);
  g_nworkers = 0;
  if (g_key_made) {
    scratch_free(&tls_scratch);
    pthread_key_delete(g_key);
    g_key_made = 0;
  }
}

void *dlck_scratch(int slot, size_t bytes) {
  scratch_t *s = &tls_scratch;
  if (s->n[slot] >= bytes && s->p[slot]) return s->p[slot];
  size_t n = (bytes + bytes / 4 + 4095) & ~(size_t)4095;
  size_t m = atomic_load(&g_scratch_max[slot]);
  while (m < n && !atomic_compare_exchange_weak(&g_scratch_max[slot], &m, n)) {
  }
  if (m < n)
    atomic_fetch_add_explicit(&g_scratch_gen, 1, memory_order_release);
  return scratch_grow(s, slot, m > n ? m : n);
}
