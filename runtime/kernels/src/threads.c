/* A lazily created, persistent pthread pool, and per-thread scratch. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#define DLCK_MAX_THREADS 256

static atomic_long g_nthreads = 1;

static pthread_mutex_t g_call_mu = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_cv_done = PTHREAD_COND_INITIALIZER;
static int g_nworkers;
static pthread_t g_workers[DLCK_MAX_THREADS];
static int g_quit;
static long g_start_gen[DLCK_MAX_THREADS]; /* g_gen when worker i was made */
static long g_gen;
static int g_want;   /* workers with index < g_want take part */
static int g_active; /* taking-part workers not finished yet */
static dlck_task_fn g_fn;
static void *g_ctx;
static int64_t g_ntasks;
static atomic_llong g_next;

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
  for (;;) {
    while (g_gen == seen && !g_quit) pthread_cond_wait(&g_cv_work, &g_mu);
    if (g_quit) break;
    seen = g_gen;
    if (idx >= g_want) continue;
    dlck_task_fn fn = g_fn;
    void *ctx = g_ctx;
    int64_t n = g_ntasks;
    pthread_mutex_unlock(&g_mu);
    run_tasks(fn, ctx, n);
    pthread_mutex_lock(&g_mu);
    if (--g_active == 0) pthread_cond_signal(&g_cv_done);
  }
  pthread_mutex_unlock(&g_mu);
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
  while (g_nworkers < T - 1) {
    g_start_gen[g_nworkers] = g_gen;
    if (pthread_create(&g_workers[g_nworkers], NULL, worker_main,
                       (void *)(intptr_t)g_nworkers) != 0)
      break;
    ++g_nworkers;
  }
  int want = (int)DLCK_MIN(T - 1, (int64_t)g_nworkers);
  g_fn = fn;
  g_ctx = ctx;
  g_ntasks = ntasks;
  atomic_store(&g_next, 0);
  g_want = want;
  g_active = want;
  ++g_gen;
  pthread_cond_broadcast(&g_cv_work);
  pthread_mutex_unlock(&g_mu);

  run_tasks(fn, ctx, ntasks);

  pthread_mutex_lock(&g_mu);
  while (g_active > 0) pthread_cond_wait(&g_cv_done, &g_mu);
  pthread_mutex_unlock(&g_mu);
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
 * caller thread's buffers are freed by the key destructor when it exits. */
typedef struct {
  void *p[4];
  size_t n[4];
} scratch_t;

static _Thread_local scratch_t tls_scratch;
static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;

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

/* When the library containing the kernels is unloaded (dlclose) or the
 * process exits, stop the workers so no thread is left running unmapped
 * code, and drop the key whose destructor lives here. */
__attribute__((destructor)) static void dlck_shutdown(void) {
  pthread_mutex_lock(&g_mu);
  g_quit = 1;
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
  pthread_once(&g_key_once, make_key);
  pthread_setspecific(g_key, s);
  free(s->p[slot]);
  size_t n = (bytes + bytes / 4 + 4095) & ~(size_t)4095;
  void *p = aligned_alloc(64, n);
  if (!p) abort();
  s->p[slot] = p;
  s->n[slot] = n;
  return p;
}
