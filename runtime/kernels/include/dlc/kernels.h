/* dlc CPU kernel library: the fast kernels that generated model libraries
 * call for GEMMs, convolutions and pooling.
 *
 * All tensors are dense row-major float32. Activations are NHWC, filters
 * HWCF (w[kh][kw][c][f]). Every integer argument is int64_t (the compiler
 * passes i64). Dimension names: N batch; H W C input; KH KW F filter;
 * OH OW output; SH SW strides; PT PL zero padding at top/left (bottom/right
 * padding is implied by OH, OW).
 *
 * Results are deterministic: bit-identical from run to run and for every
 * thread count (work is split over output tiles, and where a reduction is
 * split -- conv2d_bwd_filter's sum over pixels -- into chunks fixed by the
 * shape alone, whose partial sums are added in a fixed order). Functions
 * may be called concurrently from different threads.
 *
 * Built three times from the same sources: dlc_kernels_avx512,
 * dlc_kernels_avx2 and dlc_kernels_generic (static, PIC, libc + pthreads
 * only). Link exactly one of them.
 */
#ifndef DLC_KERNELS_H
#define DLC_KERNELS_H

#include <stdint.h>

#if defined(__GNUC__)
#define DLC_K_API __attribute__((visibility("default")))
#else
#define DLC_K_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* C[M][N] = op(A) op(B) (+ C when accumulate != 0).
 * transA == 0: A stored [M][K] (row stride lda); else A stored [K][M].
 * transB == 0: B stored [K][N] (row stride ldb); else B stored [N][K]. */
DLC_K_API void dlc_k_sgemm(int64_t M, int64_t N, int64_t K,
                           const float *A, int64_t lda, int64_t transA,
                           const float *B, int64_t ldb, int64_t transB,
                           float *C, int64_t ldc, int64_t accumulate);

/* The GEMM above (overwriting C) with a dense layer's epilogue:
 * C[i][j] = act(op(A) op(B) [i][j] + bias[j]), act = identity (act 0) or
 * relu (act 1; NaN stays NaN), bit-identical to dlc_k_sgemm followed by
 * the bias add and the activation. bias [N]. The CPU target keeps the two
 * apart (the epilogue runs in the compiler's fused elementwise loop); the
 * CUDA lowering checked on the host (`--target=cuda-host`) calls this in
 * place of dlc_cu_sgemm_bias_act. */
DLC_K_API void dlc_k_sgemm_bias_act(int64_t M, int64_t N, int64_t K,
                                    const float *A, int64_t lda,
                                    int64_t transA, const float *B,
                                    int64_t ldb, int64_t transB,
                                    const float *bias, float *C, int64_t ldc,
                                    int64_t act);

/* y[n,oh,ow,f] = sum_{kh,kw,c} x[n, oh*SH+kh-PT, ow*SW+kw-PL, c] * w[kh,kw,c,f]
 * (out-of-image x = 0). y [N,OH,OW,F] is overwritten. */
DLC_K_API void dlc_k_conv2d_fwd(const float *x, const float *w, float *y,
                                int64_t N, int64_t H, int64_t W, int64_t C,
                                int64_t KH, int64_t KW, int64_t F,
                                int64_t OH, int64_t OW, int64_t SH, int64_t SW,
                                int64_t PT, int64_t PL);

/* The convolution above with its layer's epilogue fused in:
 * y = act(conv(x, w) + bias[f]), act = identity (act 0) or relu (act 1),
 * bit-identical to dlc_k_conv2d_fwd followed by the bias add and the
 * activation, without the extra pass over y. bias [F]. */
DLC_K_API void dlc_k_conv2d_fwd_bias_act(const float *x, const float *w,
                                         const float *bias, float *y,
                                         int64_t N, int64_t H, int64_t W,
                                         int64_t C, int64_t KH, int64_t KW,
                                         int64_t F, int64_t OH, int64_t OW,
                                         int64_t SH, int64_t SW, int64_t PT,
                                         int64_t PL, int64_t act);

/* dx = d(sum y*dy)/dx for the convolution above; dx [N,H,W,C] overwritten. */
DLC_K_API void dlc_k_conv2d_bwd_data(const float *dy, const float *w, float *dx,
                                     int64_t N, int64_t H, int64_t W, int64_t C,
                                     int64_t KH, int64_t KW, int64_t F,
                                     int64_t OH, int64_t OW, int64_t SH, int64_t SW,
                                     int64_t PT, int64_t PL);

/* dw = d(sum y*dy)/dw; dw [KH,KW,C,F] overwritten. */
DLC_K_API void dlc_k_conv2d_bwd_filter(const float *x, const float *dy, float *dw,
                                       int64_t N, int64_t H, int64_t W, int64_t C,
                                       int64_t KH, int64_t KW, int64_t F,
                                       int64_t OH, int64_t OW, int64_t SH, int64_t SW,
                                       int64_t PT, int64_t PL);

/* kind 0 = max, 1 = average. Window: rows oh*SH-PT .. +KH-1, cols
 * ow*SW-PL .. +KW-1, clipped to the image. Padded positions never win a max
 * and are not counted in an average. An (unusual) window with no in-image
 * element gives 0. y [N,OH,OW,C] overwritten. */
DLC_K_API void dlc_k_pool2d_fwd(int64_t kind, const float *x, float *y,
                                int64_t N, int64_t H, int64_t W, int64_t C,
                                int64_t KH, int64_t KW, int64_t OH, int64_t OW,
                                int64_t SH, int64_t SW, int64_t PT, int64_t PL);

/* dx [N,H,W,C] overwritten. max: each dy goes to the FIRST maximal in-image
 * element of its window in (kh, kw) scan order (overlapping windows
 * accumulate). avg: dy/count to each in-image element. y (the forward
 * output) is accepted for API symmetry; the max routing is recomputed from x.
 * kind | 2: dx is then masked, dx = x > 0 ? dx : 0 (the gradient through
 * the ReLU whose output x is pooled), bit-identical to a separate pass. */
DLC_K_API void dlc_k_pool2d_bwd(int64_t kind, const float *x, const float *y,
                                const float *dy, float *dx,
                                int64_t N, int64_t H, int64_t W, int64_t C,
                                int64_t KH, int64_t KW, int64_t OH, int64_t OW,
                                int64_t SH, int64_t SW, int64_t PT, int64_t PL);

/* Runs fn(ctx, begin, end) over contiguous chunks that cover [0, n) once,
 * on the thread pool (the caller takes part). `cost` estimates the work of
 * one iteration (e.g. elements touched): below ~64K in total, or with one
 * thread, it is a single call fn(ctx, 0, n). Chunks depend on n, cost and
 * the thread count, so fn must write disjoint outputs per iteration (a
 * parallel loop); results then do not depend on the split. Generated code
 * calls this for the outer parallel loop of large elementwise ops. */
typedef void (*dlc_k_range_fn)(void *ctx, int64_t begin, int64_t end);
DLC_K_API void dlc_k_parallel_for(dlc_k_range_fn fn, void *ctx, int64_t n,
                                  int64_t cost);

/* n <= 0: all online CPUs. Default 1. */
DLC_K_API void dlc_k_set_num_threads(int64_t n);
DLC_K_API int64_t dlc_k_get_num_threads(void);

#ifdef __cplusplus
}
#endif

#endif /* DLC_KERNELS_H */
