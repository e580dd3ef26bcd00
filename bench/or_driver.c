/* bench/or_driver.c: times STEPS full-batch training steps of the OR gate
 * through the generated library's or_gate_train_step, the way an app that
 * links or.so would run them (no runtime, no logging).
 *
 *   or_driver STEPS REPEATS
 *
 * Each repeat starts from or_gate_init_params(seed 0) and a zeroed optimizer
 * state. Prints the start parameters ("param NAME v..."), one "time_s T"
 * line per repeat, then the final loss and the predictions for the 4 rows.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "or.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s STEPS REPEATS\n", argv[0]);
    return 2;
  }
  const long steps = atol(argv[1]), repeats = atol(argv[2]);
  enum { N = 4 };
  static const float x[N * OR_GATE_INPUT_FEATURES] = {0, 0, 0, 1, 1, 0, 1, 1};
  static const float y[N * OR_GATE_OUTPUT_FEATURES] = {0, 1, 1, 1};

  const dlc_model_desc *d = or_gate_describe();
  float *params = calloc(d->param_floats, sizeof(float));
  float *opt = calloc(d->opt_state_floats + 1, sizeof(float));
  float *pred = calloc(N * OR_GATE_OUTPUT_FEATURES, sizeof(float));
  void *ws = aligned_alloc(64, (dlc_workspace_bytes(d, N) + 64) / 64 * 64);
  if (!params || !opt || !pred || !ws) {
    fprintf(stderr, "or_driver: out of memory\n");
    return 1;
  }

  or_gate_init_params(params, 0);
  for (int64_t i = 0; i < d->num_params; ++i) {
    const dlc_param_desc *p = &d->params[i];
    printf("param %s", p->name);
    for (int64_t k = 0; k < p->size; ++k)
      printf(" %.9g", params[p->offset + k]);
    printf("\n");
  }
  printf("clip_norm %g\n", d->clip_norm);

  float loss = 0;
  for (long r = 0; r < repeats; ++r) {
    or_gate_init_params(params, 0);
    memset(opt, 0, (d->opt_state_floats + 1) * sizeof(float));
    double t0 = now();
    for (long s = 1; s <= steps; ++s)
      loss = or_gate_train_step(params, opt, x, y, N, s, pred, ws);
    double t1 = now();
    printf("time_s %.9f\n", t1 - t0);
  }
  or_gate_forward(params, x, pred, N, ws);
  printf("loss %.9g\npred", loss);
  for (int i = 0; i < N; ++i)
    printf(" %.6f", pred[i]);
  printf("\n");
  return 0;
}
