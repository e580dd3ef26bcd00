/* bench/train_driver.c: the dlc side of bench/train_speed.sh. Times a model
 * library's M_train_step / M_forward the way an application that dlopens
 * net.so would call them: no runtime, no logging, no data pipeline.
 *
 *   train_driver peak
 *       the single-core FMA peak (GFLOP/s) of this CPU at the widest vector
 *       width the compiler targets (-march=native), as bench/kernels'
 *       kernel_bench.c measures it: 12 independent FMA chains, best of 40
 *       runs, timed in process CPU time.
 *   train_driver info NET.so
 *       the model's name, input shape, clip norm, parameter count.
 *   train_driver train|forward NET.so THREADS BATCH WARMUP STEPS REPEATS
 *       dlc_k_set_num_threads(THREADS) (looked up in NET.so with dlsym),
 *       WARMUP untimed calls, then REPEATS x STEPS timed calls on one batch of
 *       random data (inputs in [0, 1), one-hot labels); prints one
 *       "time_s T" line per repeat (wall time of STEPS calls), then
 *       "maxrss_kb K" (getrusage: the process's peak resident set) and the
 *       last loss.
 *
 * Like the dlc CLI (runtime/cli/CliSupport.cpp keepFreedMemory), freed
 * memory is kept for reuse: M_MMAP_THRESHOLD and M_TRIM_THRESHOLD = 1 GiB. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "dlc/model_abi.h"

#if defined(__AVX512F__)
#define VW 16
#define ISA "avx512"
#elif defined(__AVX2__)
#define VW 8
#define ISA "avx2"
#else
#define VW 4
#define ISA "sse"
#endif
typedef float vf __attribute__((vector_size(VW * 4)));

static double now(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Same loop as bench/kernels/kernel_bench.c peak_gflops(). */
static double peak_gflops(void) {
  vf acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = (vf){0} + (float)i * 1e-3f;
  volatile float mv = 0.999999f, av = 1e-7f;
  vf m = (vf){0} + mv, a = (vf){0} + av;
  const long iters = 2000000;
  double best = 0;
  for (int rep = 0; rep < 40; ++rep) {
    double t0 = now(CLOCK_PROCESS_CPUTIME_ID);
    for (long it = 0; it < iters; ++it) {
#pragma clang loop unroll(full)
      for (int i = 0; i < 12; ++i) acc[i] = acc[i] * m + a;
      __asm__ volatile("" : "+x"(m));
    }
    double t = now(CLOCK_PROCESS_CPUTIME_ID) - t0;
    double g = 2.0 * VW * 12 * iters / t * 1e-9;
    if (g > best) best = g;
  }
  float s = 0;
  for (int i = 0; i < 12; ++i)
    for (int j = 0; j < VW; ++j) s += acc[i][j];
  if (s == 12345.0f) printf("!");
  return best;
}

static const dlc_model_desc *open_model(const char *path, void **handle) {
  *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!*handle) {
    fprintf(stderr, "train_driver: %s\n", dlerror());
    exit(2);
  }
  dlc_models_fn models;
  void *sym = dlsym(*handle, "dlc_models");
  memcpy(&models, &sym, sizeof sym);
  if (!models || !models()[0]) {
    fprintf(stderr, "train_driver: %s has no dlc_models\n", path);
    exit(2);
  }
  const dlc_model_desc *d = models()[0];
  if (d->abi_version != DLC_ABI_VERSION) {
    fprintf(stderr, "train_driver: ABI version %lld, expected %d\n",
            (long long)d->abi_version, DLC_ABI_VERSION);
    exit(2);
  }
  return d;
}

static int64_t features(const int64_t *shape, int64_t rank) {
  int64_t n = 1;
  for (int64_t i = 1; i < rank; ++i) n *= shape[i];
  return n;
}

static void *xalloc(size_t bytes) {
  void *p = aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
  if (!p) {
    fprintf(stderr, "train_driver: out of memory (%zu bytes)\n", bytes);
    exit(2);
  }
  return p;
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "peak")) {
    printf("isa %s\npeak_gflops %.3f\n", ISA, peak_gflops());
    return 0;
  }
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  void *handle;
  if (argc == 3 && !strcmp(argv[1], "info")) {
    const dlc_model_desc *d = open_model(argv[2], &handle);
    printf("name %s\ninput", d->name);
    for (int64_t i = 1; i < d->input_rank; ++i)
      printf(" %lld", (long long)d->input_shape[i]);
    printf("\noutput");
    for (int64_t i = 1; i < d->output_rank; ++i)
      printf(" %lld", (long long)d->output_shape[i]);
    printf("\nclip_norm %g\nparam_floats %lld\noptimizer %lld\n", d->clip_norm,
           (long long)d->param_floats, (long long)d->optimizer);
    return 0;
  }
  if (argc != 8 || (strcmp(argv[1], "train") && strcmp(argv[1], "forward"))) {
    fprintf(stderr,
            "usage: %s peak | info NET.so | train|forward NET.so THREADS BATCH "
            "WARMUP STEPS REPEATS\n",
            argv[0]);
    return 2;
  }
  const int train = !strcmp(argv[1], "train");
  const dlc_model_desc *d = open_model(argv[2], &handle);
  const long threads = atol(argv[3]), batch = atol(argv[4]),
             warmup = atol(argv[5]), steps = atol(argv[6]),
             repeats = atol(argv[7]);
  void (*set_threads)(int64_t);
  void *sym = dlsym(handle, "dlc_k_set_num_threads");
  memcpy(&set_threads, &sym, sizeof sym);
  if (set_threads)
    set_threads(threads);
  else if (threads != 1)
    fprintf(stderr, "train_driver: %s exports no dlc_k_set_num_threads; "
                    "running on one thread\n", argv[2]);

  const int64_t in = features(d->input_shape, d->input_rank);
  const int64_t out = features(d->output_shape, d->output_rank);
  float *params = xalloc(d->param_floats * sizeof(float));
  float *opt = xalloc((d->opt_state_floats + 1) * sizeof(float));
  float *x = xalloc(batch * in * sizeof(float));
  float *y = xalloc(batch * out * sizeof(float));
  float *pred = xalloc(batch * out * sizeof(float));
  void *ws = xalloc(dlc_workspace_bytes(d, batch));
  d->init_params(params, 0);
  memset(opt, 0, (d->opt_state_floats + 1) * sizeof(float));
  srand(1);
  for (int64_t i = 0; i < batch * in; ++i) x[i] = (float)(rand() / (RAND_MAX + 1.0));
  memset(y, 0, batch * out * sizeof(float));
  for (int64_t b = 0; b < batch; ++b) y[b * out + rand() % out] = 1.0f;

  int64_t step = 0;
  float loss = 0;
#define CALL()                                                          \
  do {                                                                  \
    if (train)                                                          \
      loss = d->train_step(params, opt, x, y, batch, ++step, pred, ws); \
    else                                                                \
      d->forward(params, x, pred, batch, ws);                           \
  } while (0)
  for (long i = 0; i < warmup; ++i) CALL();
  for (long r = 0; r < repeats; ++r) {
    double t0 = now(CLOCK_MONOTONIC);
    for (long i = 0; i < steps; ++i) CALL();
    printf("time_s %.9f\n", now(CLOCK_MONOTONIC) - t0);
    fflush(stdout);
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("maxrss_kb %ld\nloss %.6g\n", ru.ru_maxrss, loss);
  return 0;
}
