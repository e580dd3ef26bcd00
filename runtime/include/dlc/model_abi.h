/*===- dlc/model_abi.h - C ABI of a model library built by dlc ------------===*
 *
 * A library produced by `dlc compile net.mlir -o net.so` exports, for a model
 * named M (the symbol of `net.model @M`):
 *
 *   const dlc_model_desc *M_describe(void);
 *   void  M_init_params(float *params, uint64_t seed);
 *   void  M_forward(const float *params, const float *x, float *y,
 *                   int64_t batch, void *workspace);
 *   float M_gradient(const float *params, const float *x, const float *y,
 *                    int64_t batch, float *grads, void *workspace);
 *   float M_train_step(float *params, float *opt_state, const float *x,
 *                      const float *y, int64_t batch, int64_t step,
 *                      float *y_pred, void *workspace);
 *   float M_eval_step(const float *params, const float *x, const float *y,
 *                     int64_t batch, float *y_pred, void *workspace);
 *   void  M_activations(const float *params, const float *x, int64_t batch,
 *                       float *acts, void *workspace);   (see below)
 *
 * and one well-known entry point, `dlc_models`, listing the descriptors of
 * every model in the library (used by the runtime after dlopen).
 *
 * All memory is owned by the caller. Tensors are dense, row-major float32.
 * `params` is one flat buffer of desc->param_floats floats holding every
 * parameter at its `offset`; `opt_state` holds desc->opt_state_floats floats
 * (zero it before the first step); `workspace` holds at least
 * dlc_workspace_bytes(desc, batch) bytes. `step` counts from 1. The returned
 * float is the mean loss over the batch: M_gradient's includes the L2 terms
 * (the objective of its gradients); M_train_step's and M_eval_step's do not
 * (TFLearn's console loss and validation loss), though the training step's
 * gradients include them.
 * No function keeps state between calls.
 *===----------------------------------------------------------------------===*/
#ifndef DLC_MODEL_ABI_H
#define DLC_MODEL_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DLC_ABI_VERSION 3
#define DLC_MAX_RANK 6

enum dlc_init_kind {
  DLC_INIT_ZEROS = 0,
  DLC_INIT_TRUNCATED_NORMAL = 1, /* mean init_a, stddev init_b, |z| <= 2 */
  DLC_INIT_NORMAL = 2,           /* mean init_a, stddev init_b */
  DLC_INIT_UNIFORM = 3,          /* U(init_a, init_b) */
  DLC_INIT_UNIFORM_SCALING = 4,  /* U(-sqrt(3/fan_in), +sqrt(3/fan_in)) */
  DLC_INIT_XAVIER = 5,           /* U(-sqrt(6/(fan_in+fan_out)), ...) */
  DLC_INIT_CONSTANT = 6          /* every element init_a */
};

/* Where the library's functions run and where their pointers point. */
enum dlc_device_kind {
  DLC_DEVICE_CPU = 0,  /* host memory, any allocator */
  DLC_DEVICE_CUDA = 1  /* CUDA memory from the library's dlc_cuda_alloc
                          (see dlc/cuda_abi.h): params, opt_state, x, y,
                          y_pred and workspace alike */
};

enum dlc_optimizer_kind {
  DLC_OPT_SGD = 0,
  DLC_OPT_MOMENTUM = 1,
  DLC_OPT_ADAM = 2,
  DLC_OPT_NESTEROV = 3,
  DLC_OPT_RMSPROP = 4,
  DLC_OPT_ADAGRAD = 5
};

enum dlc_loss_kind {
  DLC_LOSS_MEAN_SQUARE = 0,
  DLC_LOSS_BINARY_CROSSENTROPY = 1,
  DLC_LOSS_CATEGORICAL_CROSSENTROPY = 2,
  /* 3 is internal (sigmoid on logits); the prediction is the logits: */
  DLC_LOSS_SOFTMAX_CATEGORICAL_CROSSENTROPY = 4
};

typedef struct dlc_param_desc {
  const char *name;              /* "fc1/W", "fc1/b" */
  int64_t rank;
  int64_t shape[DLC_MAX_RANK];
  int64_t offset;                /* first element in the params buffer */
  int64_t size;                  /* number of elements */
  int64_t init;                  /* enum dlc_init_kind */
  double init_a, init_b;         /* see enum dlc_init_kind */
  double weight_decay;           /* L2 factor, 0 when not regularized */
} dlc_param_desc;

/* One layer output that M_activations writes: the output of a layer TFLearn
 * summarizes at tensorboard_verbose 3 (fully_connected, conv_2d,
 * max_pool_2d, avg_pool_2d), computed as M_forward computes it. `acts` holds
 * desc->activation_floats * batch floats; this activation is the row-major
 * [batch, shape[1], ...] block at acts + offset * batch. */
typedef struct dlc_activation_desc {
  const char *name;              /* TensorFlow's name of the op computing it:
                                    "FullyConnected/Relu", "MaxPool2D/MaxPool" */
  int64_t rank;
  int64_t shape[DLC_MAX_RANK];   /* shape[0] == -1: the batch */
  int64_t offset;                /* per example, in floats */
  int64_t size;                  /* floats per example */
} dlc_activation_desc;

typedef struct dlc_model_desc dlc_model_desc;

typedef void (*dlc_init_params_fn)(float *params, uint64_t seed);
typedef void (*dlc_forward_fn)(const float *params, const float *x, float *y,
                               int64_t batch, void *workspace);
typedef float (*dlc_gradient_fn)(const float *params, const float *x,
                                 const float *y, int64_t batch, float *grads,
                                 void *workspace);
typedef float (*dlc_train_step_fn)(float *params, float *opt_state,
                                   const float *x, const float *y,
                                   int64_t batch, int64_t step, float *y_pred,
                                   void *workspace);
typedef float (*dlc_eval_step_fn)(const float *params, const float *x,
                                  const float *y, int64_t batch, float *y_pred,
                                  void *workspace);
typedef void (*dlc_activations_fn)(const float *params, const float *x,
                                   int64_t batch, float *acts,
                                   void *workspace);

struct dlc_model_desc {
  int64_t abi_version;           /* DLC_ABI_VERSION */
  const char *name;              /* model symbol, also the symbol prefix */
  int64_t input_rank;            /* input_shape[0] == -1: the batch */
  int64_t input_shape[DLC_MAX_RANK];
  int64_t output_rank;
  int64_t output_shape[DLC_MAX_RANK];
  int64_t num_params;
  const dlc_param_desc *params;
  int64_t param_floats;          /* size of the params buffer, in floats */
  int64_t opt_state_floats;      /* size of the optimizer state, in floats */
  int64_t workspace_fixed_bytes; /* workspace = fixed + per_example * batch */
  int64_t workspace_per_example_bytes;
  int64_t optimizer;             /* enum dlc_optimizer_kind */
  int64_t loss;                  /* enum dlc_loss_kind */
  double learning_rate;
  double momentum;               /* momentum optimizer */
  double beta1, beta2, epsilon;  /* adam (epsilon also rmsprop) */
  double clip_norm;              /* global-norm clipping, 0 = off */
  uint64_t fingerprint;          /* hash of the network: shapes, layers,
                                    activations, initialisers, loss and
                                    optimizer (not its learning rate) */
  dlc_init_params_fn init_params;
  dlc_forward_fn forward;
  dlc_gradient_fn gradient;
  dlc_train_step_fn train_step;
  dlc_eval_step_fn eval_step;
  int64_t device;                /* enum dlc_device_kind */
  /* The layer outputs M_activations writes, appended within ABI version 2:
     zeros and nulls when the model has none (and in a descriptor written in
     C that leaves them out of its initializer). Libraries older than them
     are of ABI version 2, which the runtime refuses. */
  int64_t num_activations;       /* 0: the library has no M_activations */
  const dlc_activation_desc *activation_descs;
  int64_t activation_floats;     /* acts = activation_floats * batch floats */
  dlc_activations_fn activations; /* M_activations, null when none */
};

/* The well-known entry point: a null-terminated array of descriptors. */
typedef const dlc_model_desc *const *(*dlc_models_fn)(void);

static inline int64_t dlc_workspace_bytes(const dlc_model_desc *d,
                                          int64_t batch) {
  return d->workspace_fixed_bytes + d->workspace_per_example_bytes * batch;
}

#ifdef __cplusplus
}
#endif

#endif /* DLC_MODEL_ABI_H */
