/*===- dlc/cuda_abi.h - Device functions of a CUDA model library ----------===*
 *
 * A model library built with `dlc compile --target cuda` (its descriptor
 * says device == DLC_DEVICE_CUDA, see model_abi.h) exports, besides the
 * model ABI, the functions below. They come from dlc's CUDA launch runtime
 * (runtime/cuda, the static archive libdlc_cuda_rt.a linked into the
 * library); docs/cuda.md describes it.
 *
 * Every pointer passed to the model's functions (params, opt_state, x, y,
 * y_pred, workspace, grads) must come from dlc_cuda_alloc. That memory is
 * CUDA managed memory: the host may read and write it directly once the
 * model function that used it has returned (each model function returns
 * when its work on the device is complete).
 *
 * libcuda.so.1 (the driver) is opened with dlopen on first use: a CUDA model
 * library loads on a machine without a GPU, and dlc_cuda_init then says why
 * it cannot run.
 *
 * Errors are sticky: the first failing driver, cuDNN or cuBLAS call is
 * recorded with its message and every later device operation does nothing.
 * Check dlc_cuda_last_error() after each call into the library; a float a
 * model function returned after an error is meaningless.
 *
 * All functions may be called from any thread; the library's device work
 * is ordered on one stream. While a thread captures a graph
 * (dlc_cuda_graph_capture), the calls of other threads wait for the end of
 * the capture, so their work never lands in the graph: the function being
 * captured must not wait for another thread that calls into the library.
 *===----------------------------------------------------------------------===*/
#ifndef DLC_CUDA_ABI_H
#define DLC_CUDA_ABI_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opens the driver, the first device's primary context and the library's
 * stream (cuDNN and cuBLAS start on their first use). Returns 0 when the device is ready; otherwise
 * nonzero with a one-line reason in message[0..size) (always terminated when
 * size > 0), such as "no CUDA driver: libcuda.so.1: cannot open shared object
 * file: No such file or directory" or "no CUDA device (cuInit:
 * CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected)". Calling it
 * again returns the same result. message may be NULL when size is 0. */
int dlc_cuda_init(char *message, size_t size);

/* `bytes` of managed memory (at least 256-byte aligned), from the library's
 * caching pool; NULL after an error or when out of memory (then
 * dlc_cuda_last_error() says why). The contents are undefined. The stream is
 * idle when it returns, so the host may write the memory at once. A request
 * of 0 bytes returns a valid, distinct pointer. */
void *dlc_cuda_alloc(size_t bytes);

/* Returns memory from dlc_cuda_alloc to the pool (NULL is ignored). */
void dlc_cuda_free(void *pointer);

/* Copies `bytes` between any two of host memory and dlc_cuda_alloc memory,
 * on the library's stream, and returns when the copy is complete: 0 on
 * success, -1 after an error (see dlc_cuda_last_error()). */
int dlc_cuda_memcpy(void *dst, const void *src, size_t bytes);

/* Waits for all work on the library's stream: 0, or -1 after an error. */
int dlc_cuda_synchronize(void);

/* CUDA graphs. A model library may export, for model M, the training step
 * the runtime captures in a graph (docs/cuda.md):
 *
 *   void M_train_step_graph(float *params, float *opt_state, const float *x,
 *                           const float *y, int64_t batch,
 *                           const int64_t *step, float *y_pred,
 *                           void *workspace, float *loss);
 *
 * It is M_train_step with the step read from, and the loss written to,
 * dlc_cuda_alloc memory, so a replay of its kernels trains on whatever step
 * the caller wrote before the launch. It reads and writes nothing from the
 * host and allocates nothing, so it can be captured. */
typedef struct dlc_cuda_graph dlc_cuda_graph;

/* Calls fn(arg) with the library's stream captured: the device work fn
 * enqueues is recorded, not run (dlc_cuda_synchronize returns at once) and
 * becomes *graph. Returns 0, or -1 with a one-line reason in
 * message[0..size) when the work cannot be captured (an error of a driver,
 * cuDNN or cuBLAS call during the capture, an allocation): such errors are
 * not sticky, the library goes on, and fn's work has not run; but when the
 * device itself failed (earlier work faulted), dlc_cuda_last_error says so
 * as after any other call. Run fn once
 * without capture first, so that cuDNN's algorithm search and the
 * runtime's scratch buffers are done. */
int dlc_cuda_graph_capture(void (*fn)(void *), void *arg,
                           dlc_cuda_graph **graph, char *message, size_t size);

/* Launches the captured work on the library's stream and returns without
 * waiting (dlc_cuda_synchronize waits): 0; 1 when the graph is stale (the
 * runtime's scratch buffers were reallocated since the capture: capture
 * again); -1 after an error. */
int dlc_cuda_graph_launch(dlc_cuda_graph *graph);

/* Releases a graph (NULL is ignored). */
void dlc_cuda_graph_destroy(dlc_cuda_graph *graph);

/* Enqueues a copy of `bytes` between any two of host memory and
 * dlc_cuda_alloc memory on the library's stream, after the work before it,
 * and returns at once (dlc_cuda_synchronize waits for it). During a capture
 * it becomes part of the graph: with page-locked host memory on the host
 * side, a graph then takes its inputs from and leaves its results in host
 * memory the host reads without touching managed memory. 0, or -1 after an
 * error. */
int dlc_cuda_copy_async(void *dst, const void *src, size_t bytes);

/* `bytes` of page-locked host memory, which dlc_cuda_upload copies from
 * while the device computes; NULL after an error. */
void *dlc_cuda_host_alloc(size_t bytes);
void dlc_cuda_host_free(void *pointer);

/* Starts copying `bytes` from host memory `src` (page-locked for the copy
 * to overlap) to dlc_cuda_alloc memory `dst` on the library's copy stream
 * and returns at once; `src` must stay unchanged until the copy is done.
 * dlc_cuda_upload_wait makes the work enqueued after it on the library's
 * stream wait for every upload started so far (the host does not wait).
 * On a device without concurrent managed access (the host may not touch
 * managed memory while the device works), the copy is made on the
 * library's stream and waited for before dlc_cuda_upload returns.
 * 0, or -1 after an error. */
int dlc_cuda_upload(void *dst, const void *src, size_t bytes);
int dlc_cuda_upload_wait(void);

/* The first error ("cuLaunchKernel: CUDA_ERROR_LAUNCH_FAILED: unspecified
 * launch failure", "cudnnConvolutionForward: CUDNN_STATUS_...", ...), or
 * NULL while none has occurred. The string lives as long as the library. */
const char *dlc_cuda_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* DLC_CUDA_ABI_H */
