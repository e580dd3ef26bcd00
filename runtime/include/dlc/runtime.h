/*===- dlc/runtime.h - C API of the dlc runtime (libdlcrt) ----------------===*
 *
 * libdlcrt loads a model library built by `dlc compile` (see model_abi.h),
 * owns its parameters and optimizer state, reads data sets, runs the training
 * loop with TFLearn's semantics and console log, predicts, and writes and
 * reads checkpoints. It depends on libc, libstdc++, libm, libdl, protobuf-lite,
 * zlib, libjpeg and libpng (the last three for the data readers).
 *
 * Conventions:
 *  - Every fallible function returns a dlc_status. On failure the reason is
 *    one line, naming the location (file:line:column for CSV, file and byte
 *    offset for checkpoints), retrievable with dlc_last_error() on the same
 *    thread until the next failing call. No C++ exception crosses this API.
 *  - Objects are opaque and created by dlc_*_open/create/load functions which
 *    store the new object in their last argument; free them with the
 *    matching dlc_*_close/free (NULL is accepted).
 *  - A dlc_model must outlive the trainers created from it.
 *  - Objects are not thread-safe; distinct objects may be used concurrently.
 *
 * TFLearn's smoothed loss and accuracy (what the console prints as `loss`,
 * `total loss` and `acc`) are reproduced exactly, not approximately. TFLearn
 * keeps them with tf.train.ExponentialMovingAverage(0.9,
 * num_updates=training_step) whose shadow starts at 0 (no zero-debiasing):
 *
 *     decay_k = min(0.9, k / (9 + k))            k = 1, 2, ... (the step)
 *     avg_k   = decay_k * avg_{k-1} + (1 - decay_k) * x_k,    avg_0 = 0
 *
 * and the value printed at step k is avg_{k-1}: the summary is read in the
 * same session.run that updates the average, before the update lands. So
 * step 1 prints `loss: 0.00000` (and no `total loss`, which TFLearn omits
 * when it is 0), step 2 prints 0.9 * x_1, and the decay reaches 0.9 at step
 * 81. Real TFLearn logs show exactly this: a 1-sample run printing acc
 * 0.0000, 0.0000, 0.8182 (= 9/11) at steps 1-3. dlc_ema_update() is that
 * update; the trainer keeps avg in checkpoints so resumed logs continue it.
 *===----------------------------------------------------------------------===*/
#ifndef DLC_RUNTIME_H
#define DLC_RUNTIME_H

#include "dlc/model_abi.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(DLC_RT_BUILDING)
#define DLC_API __attribute__((visibility("default")))
#else
#define DLC_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*===-------------------------- Status and errors -------------------------===*/

typedef enum dlc_status {
  DLC_OK = 0,
  DLC_INTERRUPTED = 1,          /* not an error: training stopped on request
                                   after a complete step; the state is
                                   consistent and can be saved */
  DLC_ERR_INVALID_ARGUMENT = 2, /* a NULL pointer, a negative size, ... */
  DLC_ERR_IO = 3,               /* a file cannot be opened, read or written */
  DLC_ERR_FORMAT = 4,           /* malformed CSV or checkpoint contents */
  DLC_ERR_MODEL = 5,            /* not a dlc model library, bad descriptor,
                                   no such model in the library */
  DLC_ERR_ABI = 6,              /* built for another DLC_ABI_VERSION */
  DLC_ERR_MISMATCH = 7,         /* data or checkpoint does not fit the model */
  DLC_ERR_OUT_OF_MEMORY = 8,
  DLC_ERR_INTERNAL = 9,
  DLC_ERR_DEVICE = 10,          /* the model runs on a device (CUDA) that is
                                   not available, or a device operation
                                   failed (the message says which) */
  DLC_ERR_DIVERGED = 11         /* a step's loss, or a parameter a save
                                   would write, is NaN or infinite: training
                                   stops, and nothing non-finite is saved */
} dlc_status;

/* The last failure's message on this thread ("" if none). One line. */
DLC_API const char *dlc_last_error(void);
/* "DLC_OK", "DLC_ERR_IO", ... */
DLC_API const char *dlc_status_name(dlc_status status);

/*===------------------------------- Models -------------------------------===*/

typedef struct dlc_model dlc_model;

/* dlopen()s `path` (RTLD_NOW | RTLD_LOCAL) and takes the first model listed
 * by its `dlc_models` entry point. */
DLC_API dlc_status dlc_model_open(const char *path, dlc_model **out);
/* Same, picking the model called `name` (NULL: the first one). */
DLC_API dlc_status dlc_model_open_named(const char *path, const char *name,
                                       dlc_model **out);
/* For apps linking a model library directly: dlc_model_from_desc(
 * or_gate_describe(), &m). The descriptor must outlive the model. */
DLC_API dlc_status dlc_model_from_desc(const dlc_model_desc *desc,
                                       dlc_model **out);
/* Trainers created from the model must be freed before it is closed (they
 * call into its library). */
DLC_API void dlc_model_close(dlc_model *model);

DLC_API const dlc_model_desc *dlc_model_get_desc(const dlc_model *model);
/* Floats per example: product of input_shape[1..] / output_shape[1..]. */
DLC_API int64_t dlc_model_input_width(const dlc_model *model);
DLC_API int64_t dlc_model_output_width(const dlc_model *model);
/* Threads the model's kernels (convolutions, pooling, large products) use:
 * n <= 0 means all online CPUs. Results are bit-identical for any count.
 * Applies to every model loaded from the same library; a library without
 * kernel calls ignores it. The default is 1. */
DLC_API dlc_status dlc_model_set_threads(dlc_model *model, int64_t n);
DLC_API int64_t dlc_model_get_threads(const dlc_model *model);

/* Which accuracy the trainer reports as `acc` (TFLearn's fit(show_metric=
 * True) shows its default metric): 1 for classifiers (output width > 1,
 * categorical_crossentropy or softmax_categorical_crossentropy: argmax of
 * y_pred == argmax of y), 2 for binary_crossentropy (binary accuracy:
 * y_pred > 0.5 == y > 0.5, over every output; TFLearn's binary_acc tests
 * logits > 0), 0 otherwise (mean_square: dlc shows none, TFLearn would
 * show one of the two). */
DLC_API int dlc_model_has_accuracy(const dlc_model *model);
/* The optimizer as TFLearn prints it: "SGD", "Momentum", "Nesterov", "Adam",
 * "RMSProp", "AdaGrad". */
DLC_API const char *dlc_optimizer_display_name(int64_t optimizer);

/*===------------------------------ Data sets -----------------------------===*/

/* n examples; row i is x[i * input_width ...] and y[i * target_width ...]. */
typedef struct dlc_dataset dlc_dataset;

enum dlc_csv_flags {
  DLC_CSV_DEFAULT = 0,
  /* Rows may hold inputs only (for prediction); the first data row decides
   * and every other row must have the same width. */
  DLC_CSV_TARGETS_OPTIONAL = 1
};

/* Reads rows of comma-separated numbers, each the input features followed by
 * the target values. Blank lines and lines starting with '#' are skipped, and
 * so is a header: the first other line if none of its fields is a number. */
DLC_API dlc_status dlc_dataset_load_csv(const char *path, int64_t input_width,
                                        int64_t target_width, unsigned flags,
                                        dlc_dataset **out);
/* Copies n rows; y may be NULL when target_width is 0. */
DLC_API dlc_status dlc_dataset_from_arrays(const float *x, const float *y,
                                           int64_t n, int64_t input_width,
                                           int64_t target_width,
                                           dlc_dataset **out);
DLC_API void dlc_dataset_free(dlc_dataset *data);
DLC_API int64_t dlc_dataset_size(const dlc_dataset *data);
DLC_API int64_t dlc_dataset_input_width(const dlc_dataset *data);
/* 0 for a CSV read with DLC_CSV_TARGETS_OPTIONAL whose rows have no target. */
DLC_API int64_t dlc_dataset_target_width(const dlc_dataset *data);
DLC_API const float *dlc_dataset_x(const dlc_dataset *data);
DLC_API const float *dlc_dataset_y(const dlc_dataset *data);

/* Image and array data sets (docs/data.md). Each reader produces x rows of
 * float32 HWC pixels scaled to [0, 1] (byte / 255, as TFLearn's loaders) and
 * one-hot y rows as wide as the class count. Errors name the file and, for
 * binary contents, the byte offset ("FILE: offset N: ...").
 *
 * IDX files (MNIST, Fashion-MNIST), raw or gzip-compressed: idx3 ubyte
 * images (magic 0x00000803) and idx1 ubyte labels (0x00000801). num_classes
 * 0 means 10. */
DLC_API dlc_status dlc_dataset_load_idx(const char *images_path,
                                        const char *labels_path,
                                        int64_t num_classes,
                                        dlc_dataset **out);
/* CIFAR-10 binary batches, read in order: records of 1 label byte and
 * 32x32 R, G, B planes. 32x32x3, 10 classes. */
DLC_API dlc_status dlc_dataset_load_cifar10(const char *const *paths,
                                            int64_t n_paths,
                                            dlc_dataset **out);
/* DIR/<class>/<image>: classes are the sub-folder names in byte order (label
 * = index), images the *.jpg, *.jpeg and *.png files of each, in name order.
 * All must share the first image's height, width and channels (1 for gray,
 * 3 for colour; alpha is dropped). Decoded on all CPUs, once: loading the
 * same unchanged folder again in this process reuses the decoded pixels. */
DLC_API dlc_status dlc_dataset_load_image_folder(const char *dir,
                                                 dlc_dataset **out);
/* NumPy .npy (format 1.0, 2.0, 3.0; C order; '<f4', '<f8' or '|u1'): x of
 * shape [n, ...], values kept as stored (no scaling); y either integer
 * labels [n] ('|u1', '<i4', '<i8'), made one-hot with num_classes (0: the
 * largest label + 1), or [n, k] used as is; with num_classes 1 (a model of
 * one output) y of shape [n] is the targets, as [n, 1]. Rank-4 x is an
 * image [n, H, W, C]. */
DLC_API dlc_status dlc_dataset_load_npy(const char *x_path, const char *y_path,
                                        int64_t num_classes,
                                        dlc_dataset **out);
/* TFLearn's validation_set=FRACTION: n - floor(n * (1 - fraction)) examples
 * drawn at random become *val, the others *train (copies, each part in the
 * order of `data`, which is unchanged). The draw is the same for the same
 * n on every call (a fixed seed), so runs on one data set, and resumed
 * runs, validate on the same examples. DLC_ERR_INVALID_ARGUMENT when
 * fraction is not in (0, 1) or either part would be empty. */
DLC_API dlc_status dlc_dataset_split(const dlc_dataset *data, double fraction,
                                     dlc_dataset **train, dlc_dataset **val);
/* Height, width, channels of image data sets: 1 with hwc[] set, or 0 with
 * hwc[] zeroed when the rows are not images (CSV, arrays). */
DLC_API int dlc_dataset_image_shape(const dlc_dataset *data, int64_t hwc[3]);
/* The class count of a labelled data set (the one-hot width); 0 if unknown
 * (CSV, arrays). */
DLC_API int64_t dlc_dataset_num_classes(const dlc_dataset *data);
/* Image folders: the name of class `index`; NULL otherwise. */
DLC_API const char *dlc_dataset_class_name(const dlc_dataset *data,
                                           int64_t index);

/*===------------------------- Randomness, metrics ------------------------===*/

/* xoshiro256** seeded through splitmix64: the shuffling generator. */
typedef struct dlc_rng {
  uint64_t s[4];
} dlc_rng;

DLC_API void dlc_rng_seed(dlc_rng *rng, uint64_t seed);
DLC_API uint64_t dlc_rng_next(dlc_rng *rng);
/* Unbiased uniform integer in [0, bound), bound >= 1. */
DLC_API uint64_t dlc_rng_below(dlc_rng *rng, uint64_t bound);
/* Fisher-Yates shuffle of idx[0..n). The trainer shuffles 0..n-1 with this at
 * the start of every epoch. */
DLC_API void dlc_rng_shuffle(dlc_rng *rng, int64_t *idx, int64_t n);

/* TFLearn's moving average (see the top of this file): the average after
 * folding in value x at step `step` (>= 1). */
DLC_API double dlc_ema_decay(int64_t step);
DLC_API double dlc_ema_update(double avg, double x, int64_t step);

/* Fraction of rows whose argmax of y_pred equals the argmax of y (first
 * maximum wins, as numpy/TensorFlow argmax). */
DLC_API double dlc_batch_accuracy(const float *y_pred, const float *y,
                                  int64_t rows, int64_t width);
/* Fraction of the rows x width outputs with (y_pred > 0.5) == (y > 0.5). */
DLC_API double dlc_batch_binary_accuracy(const float *y_pred, const float *y,
                                         int64_t rows, int64_t width);

/*===--------------- Preprocessing and augmentation (data pipeline) --------===*/

/* TFLearn's ImagePreprocessing (docs/data-pipeline.md). Applied, in this
 * order, to training batches, validation and dlc_trainer_evaluate() sets and
 * dlc_trainer_predict() inputs: samplewise center, samplewise std,
 * featurewise center, featurewise std. Nonzero means on. */
typedef struct dlc_preprocess_options {
  int featurewise_zero_center; /* subtract the training set's mean, fitted
                                  (in double) when training starts, not
                                  refitted on resume: kept in checkpoints */
  int featurewise_stdnorm;     /* x /= (std of the training set + 1e-8) */
  int samplewise_zero_center;  /* subtract each sample's own mean */
  int samplewise_stdnorm;      /* x /= (std of the sample + 1e-8) */
  int per_channel;             /* featurewise statistics per channel C of an
                                  image model [?, H, W, C]; 0 (TFLearn's
                                  default): one scalar over all features */
} dlc_preprocess_options;

/* TFLearn's ImageAugmentation, for image models (input [?, H, W, C]):
 * applied to training batches only, after preprocessing, in this order.
 * Each image's random choices depend only on (the run's key, the global
 * step, the row in the batch): see dlc_augment_draw(). */
typedef struct dlc_augment_options {
  int flip_leftright;      /* mirror W with probability 1/2 */
  int flip_updown;         /* mirror H with probability 1/2 */
  double max_rotation_deg; /* > 0: with probability 1/2 rotate by an angle
                              uniform in [-max, max] degrees about the
                              centre, bilinear, zeros outside */
  int64_t crop_h, crop_w;  /* > 0: zero-pad crop_pad on every side, then take
                              a random crop_h x crop_w window (must be H x W) */
  int64_t crop_pad;
  double max_blur_sigma;   /* > 0: with probability 1/2 a gaussian blur of
                              sigma uniform in [0, max] (separable, radius
                              ceil(4 sigma), edge-clamped) */
} dlc_augment_options;

/* Parse the CLI's lists into `out` (zeroed first):
 *   "featurewise_zero_center,featurewise_stdnorm,samplewise_zero_center,
 *    samplewise_stdnorm,per_channel" (any subset)
 *   "flip_leftright,flip_updown,rotation=25,crop=32x32:4,blur=3"
 * DLC_ERR_INVALID_ARGUMENT with a one-line reason on a bad item. */
DLC_API dlc_status dlc_preprocess_options_parse(const char *text,
                                                dlc_preprocess_options *out);
DLC_API dlc_status dlc_augment_options_parse(const char *text,
                                             dlc_augment_options *out);
/* Whether the options fit the model (per_channel and augmentation need an
 * image model, the crop must be H x W, ...); either pointer may be NULL. */
DLC_API dlc_status dlc_pipeline_check(const dlc_model *model,
                                      const dlc_preprocess_options *prep,
                                      const dlc_augment_options *aug);

/* One image's random choices, drawn from a counter-based hash of
 * (key, step, row): the same arguments always give the same draw. */
typedef struct dlc_augment_draw {
  int flip_leftright, flip_updown;
  double rotation_deg;     /* 0: not rotated */
  int64_t crop_y, crop_x;  /* window origin in the padded image, 0..2*pad */
  double blur_sigma;       /* 0: not blurred */
} dlc_augment_draw;

DLC_API void dlc_augment_draw_for(const dlc_augment_options *options,
                                  uint64_t key, int64_t step, int64_t row,
                                  dlc_augment_draw *out);
/* Applies a draw to one h x w x c image in place (flip, flip, rotation,
 * crop, blur); `scratch` holds at least h * w * c floats. */
DLC_API dlc_status dlc_augment_image(const dlc_augment_options *options,
                                     const dlc_augment_draw *draw, int64_t h,
                                     int64_t w, int64_t c, float *image,
                                     float *scratch);

/*===------------------------------- Training -----------------------------===*/

/* Parameters, optimizer state, workspace and training position of a model. */
typedef struct dlc_trainer dlc_trainer;

/* What the trainer reports after every step (also what the console shows). */
typedef struct dlc_step_info {
  int64_t step;          /* global step, from 1, over all epochs */
  int64_t epoch;         /* the epoch this step belongs to, from 1 */
  int64_t iter;          /* samples done in this epoch, this batch included */
  int64_t samples;       /* training set size */
  int64_t batch;         /* rows in this batch (the last one may be short) */
  double loss;           /* this step's loss as returned by train_step */
  double loss_avg;       /* TFLearn's printed moving average (see above) */
  double acc;            /* this batch's accuracy, when has_acc */
  double acc_avg;        /* TFLearn's printed moving average of acc */
  double val_loss;       /* exact means over the validation set, computed */
  double val_acc;        /*   at an epoch end when has_val */
  double epoch_seconds;  /* time spent in this epoch's steps so far */
  int has_acc;
  int has_val;
  int epoch_end;         /* this step completed the epoch */
} dlc_step_info;

typedef struct dlc_train_options {
  int64_t epochs;        /* train until this many epochs are complete in
                            total (a resumed trainer continues its count) */
  int64_t batch_size;
  int shuffle;           /* nonzero: reshuffle the training set each epoch */
  const char *run_id;    /* for the log header; NULL: the model name */
  const char *log_dir;   /* for the log header; NULL: "(none)" */
  FILE *log;             /* TFLearn-style console log; NULL: silent */
  int64_t print_every;   /* print every N-th step, the last one and each
                            step with validation figures (epoch ends,
                            snapshot steps), whose lines stay on a terminal */
  int quiet;             /* print only epoch ends (every print_every-th
                            epoch and the last) and a final summary line */
  /* Checked before the first step and after every step; nonzero stops
   * training (DLC_INTERRUPTED). A SIGINT handler may set it. */
  const volatile sig_atomic_t *stop;
  /* Called after every step; returning nonzero stops training too. */
  int (*on_step)(const dlc_step_info *info, void *user);
  void *user;

  /* TensorBoard event files (docs/tensorboard.md), written to `event_dir`
   * (the run's directory, LOGDIR/RUN_ID; created if missing); NULL: none. */
  const char *event_dir;
  /* TFLearn's levels: 0 loss and accuracy, 1 + gradient histograms, 2 +
   * weight histograms, 3 + each layer's activation histogram and sparsity
   * (the model's M_activations on the step's batch; a library without it
   * is refused at level 3). */
  int tensorboard_verbose;
  /* Histograms every N-th step (<= 1: every step, as TFLearn). */
  int64_t histogram_every;

  /* Snapshots (docs/checkpoint-format.md, "Checkpoint directories"), written
   * to `checkpoint_dir` (created if missing); NULL: none. Refused before the
   * first step (DLC_ERR_MISMATCH) where it holds another run's checkpoints
   * or later snapshots of this run, or another process writes there
   * (docs/checkpoint-format.md, "Checkpoint directories"). */
  const char *checkpoint_dir;
  int snapshot_epoch;       /* snapshot at every epoch end */
  int64_t snapshot_step;    /* and every N steps (0: never); validation runs
                               at these steps too, as in TFLearn */
  int64_t max_checkpoints;  /* keep the newest N snapshots (0: all) */

  /* A progress line (steps/s, samples/s, ETA) under the TFLearn lines when
   * `log` is a terminal: -1 on a terminal only, 0 never, 1 always. */
  int progress;

  /* Data pipeline (docs/data-pipeline.md): TFLearn's ImagePreprocessing and
   * ImageAugmentation, and the background thread that prepares the next
   * batch while the current step trains. All off by dlc_train_options_init
   * except prefetch. */
  dlc_preprocess_options preprocess; /* training, validation, evaluate and
                                        predict inputs; kept in checkpoints */
  dlc_augment_options augment;       /* training batches only */
  int prefetch;  /* nonzero (the default): assemble batch k+1 (gather,
                    preprocess, augment) on a background thread while step k
                    trains; 0: on the calling thread. Same results either way,
                    bit for bit. */
} dlc_train_options;

typedef struct dlc_train_result {
  int64_t steps;         /* steps run by this call */
  int64_t global_step;   /* the trainer's step counter afterwards */
  int64_t epoch;         /* completed epochs afterwards */
  int64_t iter;          /* samples done in an unfinished (interrupted) epoch */
  double last_loss;      /* raw loss of the last step */
  double loss_avg;       /* moving average including the last step */
  double acc_avg;        /* idem for accuracy, when has_acc */
  double val_loss;       /* of the last validation, when has_val */
  double val_acc;
  double seconds;        /* wall time of this call */
  int has_acc;
  int has_val;
  int interrupted;
  double log_seconds;    /* of `seconds`, the time spent writing event files
                            and snapshots */
} dlc_train_result;

/* epochs 10, batch_size 64, shuffle on, print_every 1, snapshot_epoch 1,
 * progress -1, the rest 0/NULL. */
DLC_API void dlc_train_options_init(dlc_train_options *options);

/* Allocates zeroed params and optimizer state (call dlc_trainer_init or
 * dlc_trainer_load next, or write the parameters; shuffling is seeded with
 * 0 until then). Buffers are 64-byte aligned; the workspace and the
 * y_pred buffer grow to the largest batch used. */
DLC_API dlc_status dlc_trainer_create(const dlc_model *model,
                                      dlc_trainer **out);
DLC_API void dlc_trainer_free(dlc_trainer *trainer);

/* desc->init_params(params, seed), zeroes the optimizer state, resets the
 * step/epoch counters and the moving averages, seeds the shuffling
 * generator with `seed`. */
DLC_API dlc_status dlc_trainer_init(dlc_trainer *trainer, uint64_t seed);

DLC_API float *dlc_trainer_params(dlc_trainer *trainer);
DLC_API float *dlc_trainer_opt_state(dlc_trainer *trainer);
DLC_API int64_t dlc_trainer_global_step(const dlc_trainer *trainer);
DLC_API int64_t dlc_trainer_epoch(const dlc_trainer *trainer);

/* For a CUDA model, one line on how its training steps ran (docs/cuda.md):
 * "CUDA graphs: 2 captured; of 2000 steps, 1998 replayed, 2 run directly",
 * "CUDA graphs: off (DLC_CUDA_GRAPHS=0)", "CUDA graphs: off after a failed
 * capture (...)", ... NULL for a CPU model. The string stays valid until
 * the next call with this trainer. */
DLC_API const char *dlc_trainer_device_summary(dlc_trainer *trainer);

/* Trains on `train` (targets required) until options->epochs epochs are
 * complete; `val` (may be NULL) is evaluated at epoch ends. Returns DLC_OK,
 * DLC_INTERRUPTED or an error. `result` may be NULL. */
DLC_API dlc_status dlc_trainer_train(dlc_trainer *trainer,
                                     const dlc_dataset *train,
                                     const dlc_dataset *val,
                                     const dlc_train_options *options,
                                     dlc_train_result *result);

/* Exact means over `data` with eval_step, batch_size rows at a time. acc is
 * set only for models with accuracy; either pointer may be NULL. */
DLC_API dlc_status dlc_trainer_evaluate(dlc_trainer *trainer,
                                        const dlc_dataset *data,
                                        int64_t batch_size, double *loss,
                                        double *acc);

/* Forward pass: y[rows * output_width] from x[rows * input_width]. */
DLC_API dlc_status dlc_trainer_predict(dlc_trainer *trainer, const float *x,
                                       int64_t rows, float *y);

/* The trainer's preprocessing (fitted by dlc_trainer_train or loaded from a
 * checkpoint): the options, and the featurewise mean and std per feature
 * (input_width floats each; NULL when that statistic is off). predict and
 * evaluate apply it themselves. */
DLC_API void dlc_trainer_get_preprocess(const dlc_trainer *trainer,
                                        dlc_preprocess_options *out);
DLC_API const float *dlc_trainer_preprocess_mean(const dlc_trainer *trainer);
DLC_API const float *dlc_trainer_preprocess_std(const dlc_trainer *trainer);
/* Applies the trainer's preprocessing to x[rows * input_width] in place. */
DLC_API dlc_status dlc_trainer_preprocess(const dlc_trainer *trainer,
                                          float *x, int64_t rows);

/*===----------------------------- Checkpoints ----------------------------===*/

/* Format: docs/checkpoint-format.md. Saving writes a new temporary file
 * beside `path` (`path.tmp.<random hex>`, never shared by two writers), syncs
 * it, renames it over `path` and syncs the directory: `path` always holds
 * either the previous or the new complete checkpoint (a symbolic link's
 * target is replaced, the link kept; see dlc_output_file_target). Loading
 * validates everything before changing the trainer. */
DLC_API dlc_status dlc_trainer_save(const dlc_trainer *trainer,
                                    const char *path);
DLC_API dlc_status dlc_trainer_load(dlc_trainer *trainer, const char *path);

/* Where a file saved atomically to `path` goes (dlc_trainer_save, `dlc
 * report -o`): `path` itself, or the file a symbolic link at `path` points
 * to (the link is kept). DLC_ERR_IO, with the reason, when that is neither
 * absent nor a regular file (a directory, a device, a FIFO), a link leads
 * nowhere, or its directory is missing or not writable: checked before
 * work whose result would go there. `target` may be NULL. */
DLC_API dlc_status dlc_output_file_target(const char *path, char *target,
                                          size_t target_size);

/* CRC-32 (IEEE 802.3, as zlib's crc32): crc = dlc_crc32(crc, p, n), from 0. */
DLC_API uint32_t dlc_crc32(uint32_t crc, const void *data, size_t size);

/* Checkpoint directories: snapshots DIR/<model>-<step>.ckpt and the best
 * one by validation accuracy (then loss; loss alone for models without
 * accuracy), DIR/<model>-best.ckpt. Saves the trainer as the
 * snapshot of its current step, then removes the oldest snapshots beyond
 * `max_keep` (0: keep all). The path written goes to path_out (may be NULL,
 * truncated to path_size). A directory holds one run's snapshots (the run
 * id of docs/checkpoint-format.md): this call, and dlc_trainer_train with a
 * checkpoint_dir, fail with DLC_ERR_MISMATCH where the directory holds
 * another run's checkpoints, later snapshots of this run, or another
 * writer's lock. */
DLC_API dlc_status dlc_trainer_save_snapshot(const dlc_trainer *trainer,
                                             const char *dir, int64_t max_keep,
                                             char *path_out, size_t path_size);

/* Why a snapshot was passed over: "DIR/m-300.ckpt: checksum mismatch ...". */
typedef void (*dlc_notice_fn)(const char *message, void *user);

/* Loads the newest snapshot of DIR that is valid for the trainer's model;
 * each newer one that fails to load is reported to `notice` (may be NULL)
 * and skipped. DLC_ERR_IO when DIR holds no snapshot of the model, else the
 * error of the oldest one when none loads. The path loaded goes to path_out
 * (may be NULL). */
DLC_API dlc_status dlc_trainer_load_latest(dlc_trainer *trainer,
                                           const char *dir,
                                           dlc_notice_fn notice, void *user,
                                           char *path_out, size_t path_size);

/*===----------------------- TensorBoard event files ----------------------===*/

/* Format: docs/tensorboard.md. Records are TFRecords (u64 length, masked
 * CRC-32C of the length, the serialized Event, masked CRC-32C of it). */
typedef struct dlc_event_writer dlc_event_writer;

/* Creates DIR (and its parents) and a new file
 * DIR/events.out.tfevents.<10-digit seconds>.<host> (".N" is appended when
 * that name exists) whose first record is the file_version event. */
DLC_API dlc_status dlc_event_writer_open(const char *dir,
                                         dlc_event_writer **out);
/* Flushes, syncs and closes; NULL is accepted (DLC_OK). */
DLC_API dlc_status dlc_event_writer_close(dlc_event_writer *writer);
DLC_API const char *dlc_event_writer_path(const dlc_event_writer *writer);

/* Values of the next event. */
DLC_API dlc_status dlc_event_writer_add_scalar(dlc_event_writer *writer,
                                               const char *tag, float value);
/* A histogram of values[0..n) with TensorFlow's default buckets. */
DLC_API dlc_status dlc_event_writer_add_histogram(dlc_event_writer *writer,
                                                  const char *tag,
                                                  const float *values,
                                                  int64_t n);
/* Writes the values added since the last event as one Event (a Summary) at
 * `step`, stamped `wall_time` (seconds since the epoch; <= 0: now), and
 * hands it to the OS: a process killed afterwards loses none of it. */
DLC_API dlc_status dlc_event_writer_write(dlc_event_writer *writer,
                                          int64_t step, double wall_time);
/* Writes a SessionLog START event at `step`: TensorBoard (and the reader's
 * users, such as `dlc report`) then drop what earlier events logged for
 * steps >= `step`. */
DLC_API dlc_status dlc_event_writer_session_start(dlc_event_writer *writer,
                                                  int64_t step,
                                                  double wall_time);

/* CRC-32C (Castagnoli), from 0: dlc_crc32c(0, "123456789", 9) = 0xE3069283.
 * TFRecord stores ((crc >> 15) | (crc << 17)) + 0xA282EAD8 of it. */
DLC_API uint32_t dlc_crc32c(uint32_t crc, const void *data, size_t size);

enum dlc_event_kind {
  DLC_EVENT_OTHER = 0,         /* a kind dlc does not read (graph, ...) */
  DLC_EVENT_FILE_VERSION = 1,  /* file_version */
  DLC_EVENT_SUMMARY = 2,       /* values */
  DLC_EVENT_SESSION_LOG = 3    /* session_status */
};
enum dlc_session_status {
  DLC_SESSION_UNSPECIFIED = 0,
  DLC_SESSION_START = 1,
  DLC_SESSION_STOP = 2,
  DLC_SESSION_CHECKPOINT = 3
};

typedef struct dlc_histogram {
  double min, max, num, sum, sum_squares;
  int64_t buckets;
  const double *bucket_limit;  /* [buckets] */
  const double *bucket;        /* [buckets] counts */
} dlc_histogram;

typedef struct dlc_summary_value {
  const char *tag;
  int is_histogram;            /* 0: a scalar, `value` */
  float value;
  dlc_histogram histogram;
} dlc_summary_value;

/* One event; pointers are valid during the callback only. */
typedef struct dlc_event {
  int64_t offset;              /* of its record in the file */
  double wall_time;
  int64_t step;
  int kind;                    /* enum dlc_event_kind */
  const char *file_version;    /* "" unless DLC_EVENT_FILE_VERSION */
  int session_status;          /* enum dlc_session_status */
  int64_t num_values;
  const dlc_summary_value *values;
} dlc_event;

/* Returning nonzero stops the reading (DLC_INTERRUPTED). */
typedef int (*dlc_event_fn)(const dlc_event *event, void *user);
/* A bad record: its offset and a one-line message naming file and offset. */
typedef void (*dlc_event_problem_fn)(int64_t offset, const char *message,
                                     void *user);

/* Reads an event file, checking the framing and both CRCs of every record
 * and parsing its Event. Good events go to `on_event` in file order; bad
 * records go to `on_problem` (either may be NULL): a record whose payload
 * CRC or contents are wrong is skipped, and reading goes on with the next;
 * a wrong length CRC or a record cut short (a writer killed mid-record)
 * ends the reading, since nothing after it can be framed. Returns DLC_OK
 * when every record was good, DLC_ERR_FORMAT when some were not (the first
 * problem also in dlc_last_error), DLC_ERR_IO when the file cannot be read,
 * DLC_INTERRUPTED when on_event stopped it. */
DLC_API dlc_status dlc_event_file_read(const char *path,
                                       dlc_event_fn on_event,
                                       dlc_event_problem_fn on_problem,
                                       void *user);

#ifdef __cplusplus
}
#endif

#endif /* DLC_RUNTIME_H */
