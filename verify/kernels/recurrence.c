/* The bilinear recurrence with block-diagonal per-symbol matrices, forward and adjoint backward,
 * as plain loops (compiled and loaded by verify/kernels/native.py; no Python or torch headers).
 *
 * No function here checks its arguments: native.py checks every one of them (shapes, sizes against
 * each other, dtypes, contiguity, token and label ranges) before a pointer is passed.  The exported
 * functions are declared once, in native.C_API, from which the ctypes declarations are made; this
 * file is compared with those prototypes (names, return and parameter types, parameter names, the
 * instances of the macros) before it is built, so change both together.
 *
 * Every level with one-hot input except CP is block-diagonal per symbol: FULL (one H x H block),
 * BLOCK (H/B blocks of B x B), RDIAG and PDIAG (1 x 1).  The table T (D, nb, B, B) holds the blocks
 * of A_k, row-major; Tt is the same with each block transposed.  B = 0 means complex pairs (CDIAG,
 * ROT): the table (D, nb, 2) holds (a, b) of each block [[a, -b], [b, a]], for T and Tt alike, and
 * the weight gradient is that of (a, b): (d0 x0 + d1 x1, d1 x0 - d0 x1).
 *
 * Forward, time-major, for t = 0 .. L-1 and each row i (symbol k = tok[t, i]):
 *   y = A_k x_{t-1} (+ shift[t, i]);  s = max(||y||, 1e-30);  x_t = y / s when normalising, else y.
 * X (L+1, n, H) receives x_0 .. x_L (x_0 given), S (L, n) the sizes s.
 *
 * Backward (the adjoint recurrence), for t = L-1 .. 0, with G the running state gradient:
 *   G += g[t];  dy = (G - x_t (<x_t, G> - c_t)) / s_t   (normalising)
 *               dy = G + x_t c_t / s_t^2               (otherwise);
 *   dY[t] = dy;  gT_k += dy x_{t-1}^T (blockwise);  G = A_k^T dy.
 * G0 (n, H) receives the final G (the gradient of x_0).
 *
 * logits_*: the forward for evaluation, keeping only the current states and writing the readout
 * R x_t of every step (the states of a long sequence are never held).
 *
 * The cross-entropy of the readout (xent_*): from log-probabilities held transposed (K, rows) (torch's
 * vectorised log_softmax), the summed loss over the labelled rows (label >= 0); then, on the
 * probabilities, (p - onehot) * scale in place.
 *
 * in_range: the range check of an int64 array, for the argument checks of native.py.
 *
 * The tables of two levels, formed from their parameters once per step (modern.py; each one autograd
 * node in verify/kernels/house.py and verify/kernels/sinkhorn.py): house_* / house_backward_* (HOUSE's
 * product of Householder factors as rank-1 updates, and its backward written out), sinkhorn_* /
 * sinkhorn_backward_* (MONO's log-space Sinkhorn normalisation, its first half-step by exponentials
 * and the later ones by division where that is exact up to rounding, and autograd's chain rule
 * written out) and hard_permutation_* (the greedy assignment in rounds).
 *
 * The inner loops run over contiguous memory (axpy form) in tiles of at most TILE rows held in
 * registers, with the block size a compile-time constant for B = 1, 2, 4, 8 (the common levels),
 * so the compiler vectorises and unrolls them; reductions use `omp simd` (-fopenmp-simd), which
 * changes only the order of the additions.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define TINY 1e-30
/* MONO's Sinkhorn: the smallest sum (and the inverse of the largest growth) at which a half-step
 * is taken from the previous one's exponentials (sinkhorn_*) */
#define SINKHORN_FLOOR 1e-20

#define TILE 32
#define INLINE static inline __attribute__((always_inline))

/* logf for a normal positive float, branch-free so that loops over it vectorise: x = m 2^e with m in
 * [sqrt(1/2), sqrt(2)), log x = e log 2 + log1p(m - 1) by Cephes' logf polynomial (relative error
 * about 1e-7, that of logf within a few units in the last place).  Used by the per-block gains. */
INLINE float logf_simd(float x)
{
    union { float f; uint32_t i; } u = { x };
    int32_t e = (int32_t) ((u.i >> 23) & 0xff) - 126;
    u.i = (u.i & 0x007fffffu) | 0x3f000000u;                 /* m in [0.5, 1) */
    float m = u.f;
    const int small = m < 0.70710678f;
    e -= small;
    m = small ? m + m - 1.0f : m - 1.0f;
    const float z = m * m;
    float y = 7.0376836292e-2f;
    y = y * m - 1.1514610310e-1f;
    y = y * m + 1.1676998740e-1f;
    y = y * m - 1.2420140846e-1f;
    y = y * m + 1.4249322787e-1f;
    y = y * m - 1.6668057665e-1f;
    y = y * m + 2.0000714765e-1f;
    y = y * m - 2.4999993993e-1f;
    y = y * m + 3.3333331174e-1f;
    y = y * m * z;
    const float fe = (float) e;
    y += -2.12194440e-4f * fe;
    y += -0.5f * z;
    return m + y + 0.693359375f * fe;
}

/* expf for a float, branch-free so that loops over it vectorise: x = n log 2 + r, |r| <= log(2)/2,
 * e^x = 2^n e^r by Cephes' expf polynomial (relative error about 2e-7, that of expf within a few
 * units in the last place); 0 below -87.3 (where expf gives denormals), +inf above 88, NaN stays NaN.
 * Used by MONO's Sinkhorn normalisation, whose arguments are <= 0. */
INLINE float expf_simd(float x)
{
    const float hi = 88.0f, lo = -87.33654f;
    float v = x > hi ? hi : x;
    v = v < lo ? lo : v;
    const float n = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f;   /* rounded (1.5 2^23) */
    const float r = (v - n * 0.693359375f) + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    union { uint32_t i; float f; } u = { (uint32_t) ((int32_t) n + 127) << 23 };
    const float out = p * u.f;
    return x < lo ? 0.0f : x > hi ? INFINITY : out;
}

#define DEFINE_KERNELS(REAL, SUFFIX)                                                              \
INLINE void mv_##SUFFIX(const REAL *restrict Tt, const REAL *restrict x, REAL *restrict y,        \
                        int64_t nb, const int64_t B)                                              \
{   /* y = blockdiag(T) x from the transposed blocks: y_b[r] = sum_c x_b[c] Tt_b[c, r] */         \
    for (int64_t j = 0; j < nb; j++) {                                                            \
        const REAL *restrict t = Tt + j * B * B;                                                  \
        const REAL *restrict xb = x + j * B;                                                      \
        for (int64_t r0 = 0; r0 < B; r0 += TILE) {                                                \
            const int64_t m = B - r0 < TILE ? B - r0 : TILE;                                      \
            REAL acc[TILE] = {0};                                                                 \
            if (m == TILE) {                                                                      \
                for (int64_t c = 0; c < B; c++) {                                                 \
                    const REAL xc = xb[c];                                                        \
                    const REAL *restrict row = t + c * B + r0;                                    \
                    for (int64_t r = 0; r < TILE; r++) acc[r] += row[r] * xc;                     \
                }                                                                                 \
            } else {                                                                              \
                for (int64_t c = 0; c < B; c++) {                                                 \
                    const REAL xc = xb[c];                                                        \
                    const REAL *restrict row = t + c * B + r0;                                    \
                    for (int64_t r = 0; r < m; r++) acc[r] += row[r] * xc;                        \
                }                                                                                 \
            }                                                                                     \
            for (int64_t r = 0; r < m; r++) y[j * B + r0 + r] = acc[r];                           \
        }                                                                                         \
    }                                                                                             \
}                                                                                                 \
                                                                                                  \
INLINE void adj_##SUFFIX(const REAL *restrict T, const REAL *restrict dy, const REAL *restrict x,  \
                         REAL *restrict gprev, REAL *restrict gT, int64_t nb, const int64_t B)    \
{   /* gprev = blockdiag(T)^T dy;  gT += dy x^T blockwise */                                      \
    for (int64_t j = 0; j < nb; j++) {                                                            \
        const REAL *restrict t = T + j * B * B;                                                   \
        REAL *restrict g = gT + j * B * B;                                                        \
        const REAL *restrict db = dy + j * B, *restrict xb = x + j * B;                           \
        for (int64_t c0 = 0; c0 < B; c0 += TILE) {                                                \
            const int64_t m = B - c0 < TILE ? B - c0 : TILE;                                      \
            REAL acc[TILE] = {0};                                                                 \
            if (m == TILE) {                                                                      \
                REAL xt[TILE];                                                                    \
                for (int64_t c = 0; c < TILE; c++) xt[c] = xb[c0 + c];                            \
                for (int64_t r = 0; r < B; r++) {                                                 \
                    const REAL d = db[r];                                                         \
                    const REAL *restrict row = t + r * B + c0;                                    \
                    REAL *restrict grow = g + r * B + c0;                                         \
                    for (int64_t c = 0; c < TILE; c++) {                                          \
                        acc[c] += row[c] * d;                                                     \
                        grow[c] += d * xt[c];                                                     \
                    }                                                                             \
                }                                                                                 \
            } else {                                                                              \
                for (int64_t r = 0; r < B; r++) {                                                 \
                    const REAL d = db[r];                                                         \
                    const REAL *restrict row = t + r * B + c0;                                    \
                    REAL *restrict grow = g + r * B + c0;                                         \
                    for (int64_t c = 0; c < m; c++) {                                             \
                        acc[c] += row[c] * d;                                                     \
                        grow[c] += d * xb[c0 + c];                                                \
                    }                                                                             \
                }                                                                                 \
            }                                                                                     \
            for (int64_t c = 0; c < m; c++) gprev[j * B + c0 + c] = acc[c];                       \
        }                                                                                         \
    }                                                                                             \
}                                                                                                 \
                                                                                                  \
static void matvec_##SUFFIX(const REAL *restrict Tt, const REAL *restrict x, REAL *restrict y,    \
                            int64_t nb, int64_t B)                                                \
{                                                                                                 \
    switch (B) {                                                                                  \
    case 0:                         /* complex pairs: y = (a + ib)(x0 + i x1), Tt = (a, b) */     \
        for (int64_t j = 0; j < nb; j++) {                                                        \
            const REAL a = Tt[2 * j], b = Tt[2 * j + 1], x0 = x[2 * j], x1 = x[2 * j + 1];        \
            y[2 * j] = a * x0 - b * x1;                                                           \
            y[2 * j + 1] = b * x0 + a * x1;                                                       \
        }                                                                                         \
        break;                                                                                    \
    case 1: for (int64_t j = 0; j < nb; j++) y[j] = Tt[j] * x[j]; break;                          \
    case 2:                                                                                       \
        for (int64_t j = 0; j < nb; j++) {                                                        \
            const REAL a = x[2 * j], b = x[2 * j + 1];                                            \
            y[2 * j] = Tt[4 * j] * a + Tt[4 * j + 2] * b;                                         \
            y[2 * j + 1] = Tt[4 * j + 1] * a + Tt[4 * j + 3] * b;                                 \
        }                                                                                         \
        break;                                                                                    \
    case 4: mv_##SUFFIX(Tt, x, y, nb, 4); break;                                                  \
    case 8: mv_##SUFFIX(Tt, x, y, nb, 8); break;                                                  \
    default: mv_##SUFFIX(Tt, x, y, nb, B);                                                        \
    }                                                                                             \
}                                                                                                 \
                                                                                                  \
static void adjoint_##SUFFIX(const REAL *restrict T, const REAL *restrict dy,                     \
                             const REAL *restrict x, REAL *restrict gprev, REAL *restrict gT,     \
                             int64_t nb, int64_t B)                                               \
{                                                                                                 \
    switch (B) {                                                                                  \
    case 0:                         /* complex pairs: gprev = conj(a + ib) dy, g(a, b) += ... */  \
        for (int64_t j = 0; j < nb; j++) {                                                        \
            const REAL a = T[2 * j], b = T[2 * j + 1], d0 = dy[2 * j], d1 = dy[2 * j + 1];        \
            const REAL x0 = x[2 * j], x1 = x[2 * j + 1];                                          \
            gprev[2 * j] = a * d0 + b * d1;                                                       \
            gprev[2 * j + 1] = a * d1 - b * d0;                                                   \
            gT[2 * j] += d0 * x0 + d1 * x1;                                                       \
            gT[2 * j + 1] += d1 * x0 - d0 * x1;                                                   \
        }                                                                                         \
        break;                                                                                    \
    case 1:                                                                                       \
        for (int64_t j = 0; j < nb; j++) { gprev[j] = T[j] * dy[j]; gT[j] += dy[j] * x[j]; }      \
        break;                                                                                    \
    case 2:                                                                                       \
        for (int64_t j = 0; j < nb; j++) {                                                        \
            const REAL d0 = dy[2 * j], d1 = dy[2 * j + 1], x0 = x[2 * j], x1 = x[2 * j + 1];      \
            gprev[2 * j] = T[4 * j] * d0 + T[4 * j + 2] * d1;                                     \
            gprev[2 * j + 1] = T[4 * j + 1] * d0 + T[4 * j + 3] * d1;                             \
            gT[4 * j] += d0 * x0; gT[4 * j + 1] += d0 * x1;                                       \
            gT[4 * j + 2] += d1 * x0; gT[4 * j + 3] += d1 * x1;                                   \
        }                                                                                         \
        break;                                                                                    \
    case 4: adj_##SUFFIX(T, dy, x, gprev, gT, nb, 4); break;                                      \
    case 8: adj_##SUFFIX(T, dy, x, gprev, gT, nb, 8); break;                                      \
    default: adj_##SUFFIX(T, dy, x, gprev, gT, nb, B);                                            \
    }                                                                                             \
}                                                                                                 \
                                                                                                  \
INLINE REAL floored_norm_##SUFFIX(REAL ss)                                                        \
{   /* max(sqrt(ss), TINY) for a squared norm ss (a NaN stays NaN, as in clamp_min) */            \
    REAL s = (REAL) sqrt((double) ss);                                                            \
    if (s < (REAL) TINY) s = (REAL) TINY;                                                         \
    return s;                                                                                     \
}                                                                                                 \
                                                                                                  \
INLINE void scale_##SUFFIX(REAL *restrict y, REAL s, int64_t H)                                   \
{   /* y /= s, as one reciprocal and H products */                                                \
    const REAL inv = (REAL) 1 / s;                                                                \
    for (int64_t h = 0; h < H; h++) y[h] *= inv;                                                  \
}                                                                                                 \
                                                                                                  \
INLINE REAL step_##SUFFIX(const REAL *restrict Tt_k, const REAL *restrict x, REAL *restrict y,   \
                          const REAL *restrict shift, int64_t nb, int64_t B, int64_t H)          \
{   /* y = A_k x (+ shift); returns max(||y||, TINY) (a NaN stays NaN, as in clamp_min) */       \
    matvec_##SUFFIX(Tt_k, x, y, nb, B);                                                           \
    if (shift)                                                                                    \
        for (int64_t h = 0; h < H; h++) y[h] += shift[h];                                         \
    REAL ss = 0;                                                                                  \
    _Pragma("omp simd reduction(+:ss)")                                                           \
    for (int64_t h = 0; h < H; h++) ss += y[h] * y[h];                                            \
    return floored_norm_##SUFFIX(ss);                                                             \
}                                                                                                 \
                                                                                                  \
void forward_##SUFFIX(int64_t n, int64_t L, int64_t D, int64_t nb, int64_t B,                     \
                      const int64_t *restrict tok, const REAL *restrict Tt,                       \
                      const REAL *restrict shift, int norm, REAL *restrict X, REAL *restrict S)   \
{                                                                                                 \
    const int64_t H = B ? nb * B : 2 * nb, bs = B ? nb * B * B : 2 * nb;                          \
    (void) D;                                                                                     \
    for (int64_t t = 0; t < L; t++) {                                                             \
        for (int64_t i = 0; i < n; i++) {                                                         \
            const int64_t k = tok[t * n + i];                                                     \
            REAL *restrict y = X + ((t + 1) * n + i) * H;                                         \
            const REAL s = step_##SUFFIX(Tt + k * bs, X + (t * n + i) * H, y,                     \
                                         shift ? shift + (t * n + i) * H : NULL, nb, B, H);       \
            S[t * n + i] = s;                                                                     \
            if (norm) scale_##SUFFIX(y, s, H);                                                    \
        }                                                                                         \
    }                                                                                             \
}                                                                                                 \
                                                                                                  \
void logits_##SUFFIX(int64_t n, int64_t L, int64_t D, int64_t nb, int64_t B,                      \
                     const int64_t *restrict tok, const REAL *restrict Tt,                        \
                     const REAL *restrict shift, int norm, const REAL *restrict R, int64_t K,     \
                     REAL *restrict x, REAL *restrict Z, REAL *restrict y)                        \
{   /* the forward without storing the states: x (n, H) start states in, last states out;     */ \
    /* Z (L, n, K) receives the readout R x_t (R: K x H); y: scratch of H entries */              \
    const int64_t H = B ? nb * B : 2 * nb, bs = B ? nb * B * B : 2 * nb;                          \
    (void) D;                                                                                     \
    for (int64_t t = 0; t < L; t++) {                                                             \
        for (int64_t i = 0; i < n; i++) {                                                         \
            const int64_t k = tok[t * n + i];                                                     \
            REAL *restrict xi = x + i * H;                                                        \
            const REAL s = step_##SUFFIX(Tt + k * bs, xi, y,                                      \
                                         shift ? shift + (t * n + i) * H : NULL, nb, B, H);       \
            const REAL scale = norm ? (REAL) 1 / s : (REAL) 1;                                    \
            for (int64_t h = 0; h < H; h++) xi[h] = y[h] * scale;                                 \
            REAL *restrict z = Z + (t * n + i) * K;                                               \
            for (int64_t q = 0; q < K; q++) {                                                     \
                const REAL *restrict Rq = R + q * H;                                              \
                REAL acc = 0;                                                                     \
                _Pragma("omp simd reduction(+:acc)")                                              \
                for (int64_t h = 0; h < H; h++) acc += Rq[h] * xi[h];                             \
                z[q] = acc;                                                                       \
            }                                                                                     \
        }                                                                                         \
    }                                                                                             \
}                                                                                                 \
                                                                                                  \
INLINE void through_norm_##SUFFIX(REAL *restrict Gi, const REAL *restrict gi,                     \
                                  const REAL *restrict x, REAL c, REAL inv, int norm, int64_t H,  \
                                  REAL *restrict dy)                                              \
{   /* one row of the adjoint through the step's normalisation: Gi += gi (the state's gradient),  */\
    /* then dy = (Gi - x (x.Gi - c)) / s when normalising (x = y / s, s = ||y||), else            */\
    /* dy = Gi + x c / s^2 (c: the gradient of the log-gain; inv = 1 / s)                         */\
    for (int64_t h = 0; h < H; h++) Gi[h] += gi[h];                                               \
    if (norm) {                                                                                   \
        REAL dot = 0;                                                                             \
        _Pragma("omp simd reduction(+:dot)")                                                      \
        for (int64_t h = 0; h < H; h++) dot += x[h] * Gi[h];                                      \
        const REAL coef = dot - c;                                                                \
        for (int64_t h = 0; h < H; h++) dy[h] = (Gi[h] - x[h] * coef) * inv;                      \
    } else {                                                                                      \
        const REAL coef = c * inv * inv;                                                          \
        for (int64_t h = 0; h < H; h++) dy[h] = Gi[h] + x[h] * coef;                              \
    }                                                                                             \
}                                                                                                 \
                                                                                                  \
void backward_##SUFFIX(int64_t n, int64_t L, int64_t D, int64_t nb, int64_t B,                    \
                       const int64_t *restrict tok, const REAL *restrict T,                       \
                       const REAL *restrict X, const REAL *restrict S, const REAL *restrict g,    \
                       const REAL *restrict c, int norm, REAL *restrict dY, REAL *restrict gT,    \
                       REAL *restrict G, REAL *restrict tmp)                                      \
{   /* G (n, H) must hold zeros on entry; gT (D, nb, B, B) is accumulated into */                 \
    const int64_t H = B ? nb * B : 2 * nb, bs = B ? nb * B * B : 2 * nb;                          \
    (void) D;                                                                                     \
    for (int64_t t = L - 1; t >= 0; t--) {                                                        \
        for (int64_t i = 0; i < n; i++) {                                                         \
            const int64_t k = tok[t * n + i], r = t * n + i;                                      \
            REAL *restrict Gi = G + i * H;                                                        \
            const REAL *restrict gi = g + r * H, *restrict x = X + (r + n) * H;                   \
            const REAL *restrict xp = X + r * H;                                                  \
            REAL *restrict dy = dY + r * H;                                                       \
            const REAL inv = (REAL) 1 / S[r];                                                     \
            through_norm_##SUFFIX(Gi, gi, x, c[r], inv, norm, H, dy);                             \
            adjoint_##SUFFIX(T + k * bs, dy, xp, tmp, gT + k * bs, nb, B);                        \
            memcpy(Gi, tmp, (size_t) H * sizeof(REAL));                                           \
        }                                                                                         \
    }                                                                                             \
}

/* Rows grouped by symbol (FULL: one H x H block, nb = 1), the matrix products by a BLAS GEMM whose
 * address the caller passes (`gemm`: a row-major CBLAS ?gemm with 64-bit integers, such as numpy's
 * OpenBLAS scipy_cblas_sgemm64_ / scipy_cblas_dgemm64_).  At each step the rows are sorted by symbol
 * (a stable counting sort), gathered, and every symbol's rows are multiplied by its matrix in one
 * product [m x H] x [H x H]; the per-row work (shift, norm, adjoint coefficients) stays as above.
 * The weight gradient is left to the end: one product per symbol over all its tokens,
 * gT_k = dY_k^T X_k (m about L n / D rows: an efficient GEMM), written whole (gT need not be zeroed
 * first).  Same results as forward_##SUFFIX, logits_##SUFFIX and backward_##SUFFIX up to the order of
 * the additions. */
#define ROW_MAJOR 101
#define NO_TRANS 111
#define TRANS 112

static void group_rows(int64_t n, const int64_t *restrict tok, int64_t D, int64_t *restrict first,
                       int64_t *restrict order)
{   /* order (n): the rows sorted by symbol (stable); first (D + 1): symbol k at order[first[k] .. first[k+1]) */
    for (int64_t k = 0; k <= D; k++) first[k] = 0;
    for (int64_t i = 0; i < n; i++) first[tok[i] + 1]++;
    for (int64_t k = 0; k < D; k++) first[k + 1] += first[k];
    for (int64_t i = 0; i < n; i++) order[first[tok[i]]++] = i;
    for (int64_t k = D; k > 0; k--) first[k] = first[k - 1];
    first[0] = 0;
}

#define DEFINE_GROUPED(REAL, SUFFIX)                                                              \
typedef void (*gemm_##SUFFIX##_t)(int, int, int, int64_t, int64_t, int64_t, REAL, const REAL *,   \
                                  int64_t, const REAL *, int64_t, REAL, REAL *, int64_t);         \
                                                                                                  \
INLINE REAL settle_##SUFFIX(const REAL *restrict src, REAL *restrict y, const REAL *restrict shift, \
                            int64_t H)                                                            \
{   /* y = src (+ shift); returns max(||y||, TINY) as step_##SUFFIX */                           \
    REAL ss = 0;                                                                                  \
    if (shift) {                                                                                  \
        _Pragma("omp simd reduction(+:ss)")                                                       \
        for (int64_t h = 0; h < H; h++) { y[h] = src[h] + shift[h]; ss += y[h] * y[h]; }          \
    } else {                                                                                      \
        _Pragma("omp simd reduction(+:ss)")                                                       \
        for (int64_t h = 0; h < H; h++) { y[h] = src[h]; ss += y[h] * y[h]; }                     \
    }                                                                                             \
    return floored_norm_##SUFFIX(ss);                                                             \
}                                                                                                 \
                                                                                                  \
static void products_##SUFFIX(const void *gemm, int64_t D, int64_t H, const int64_t *restrict first, \
                              const REAL *restrict A, const REAL *restrict M, REAL *restrict out) \
{   /* out[rows of k] = A[rows of k] M_k for every symbol k (M: D matrices H x H, row-major) */    \
    const gemm_##SUFFIX##_t mm = (gemm_##SUFFIX##_t) gemm;                                        \
    for (int64_t k = 0; k < D; k++) {                                                             \
        const int64_t m = first[k + 1] - first[k];                                                \
        if (m)                                                                                    \
            mm(ROW_MAJOR, NO_TRANS, NO_TRANS, m, H, H, (REAL) 1, A + first[k] * H, H,             \
               M + k * H * H, H, (REAL) 0, out + first[k] * H, H);                                \
    }                                                                                             \
}                                                                                                 \
                                                                                                  \
void forward_grouped_##SUFFIX(int64_t n, int64_t L, int64_t D, int64_t H, const int64_t *restrict tok, \
                              const REAL *restrict T, const REAL *restrict shift, int norm,       \
                              REAL *restrict X, REAL *restrict S, REAL *restrict work,            \
                              int64_t *restrict index, const void *gemm)                          \
{   /* forward_##SUFFIX for nb = 1, B = H from the blocks T themselves (no transposed copy of the  */ \
    /* table, which costs as much as a step's products at H = 256): the gathered states held as   */ \
    /* columns, Y^T = A_k X^T; work: 2 n H entries, index: n + D + 1 */                           \
    const gemm_##SUFFIX##_t mm = (gemm_##SUFFIX##_t) gemm;                                        \
    REAL *restrict xc = work, *restrict yc = work + n * H;        /* (H, n): column j, row order[j] */ \
    int64_t *restrict order = index, *restrict first = index + n;                                 \
    for (int64_t t = 0; t < L; t++) {                                                             \
        group_rows(n, tok + t * n, D, first, order);                                              \
        for (int64_t j = 0; j < n; j++) {                                                         \
            const REAL *restrict x = X + (t * n + order[j]) * H;                                  \
            for (int64_t h = 0; h < H; h++) xc[h * n + j] = x[h];                                 \
        }                                                                                         \
        for (int64_t k = 0; k < D; k++) {                                                         \
            const int64_t m = first[k + 1] - first[k];                                            \
            if (m)                                                                                \
                mm(ROW_MAJOR, NO_TRANS, NO_TRANS, H, m, H, (REAL) 1, T + k * H * H, H,            \
                   xc + first[k], n, (REAL) 0, yc + first[k], n);                                 \
        }                                                                                         \
        for (int64_t j = 0; j < n; j++) {                                                         \
            const int64_t r = t * n + order[j];                                                   \
            REAL *restrict y = X + (r + n) * H;                                                   \
            const REAL *restrict sh = shift ? shift + r * H : NULL;                               \
            REAL ss = 0;                                                                          \
            for (int64_t h = 0; h < H; h++) {                                                     \
                const REAL v = yc[h * n + j] + (sh ? sh[h] : (REAL) 0);                           \
                y[h] = v;                                                                         \
                ss += v * v;                                                                      \
            }                                                                                     \
            const REAL s = floored_norm_##SUFFIX(ss);                                             \
            S[r] = s;                                                                             \
            if (norm) scale_##SUFFIX(y, s, H);                                                    \
        }                                                                                         \
    }                                                                                             \
}                                                                                                 \
                                                                                                  \
void logits_grouped_##SUFFIX(int64_t n, int64_t L, int64_t D, int64_t H, const int64_t *restrict tok, \
                             const REAL *restrict Tt, const REAL *restrict shift, int norm,       \
                             const REAL *restrict R, int64_t K, REAL *restrict x, REAL *restrict Z, \
                             REAL *restrict work, int64_t *restrict index, const void *gemm)      \
{   /* logits_##SUFFIX for nb = 1, B = H, the readout of each step one product; work: 2 n H */    \
    /* entries, index: n + D + 1 */                                                               \
    const gemm_##SUFFIX##_t mm = (gemm_##SUFFIX##_t) gemm;                                        \
    REAL *restrict xg = work, *restrict yg = work + n * H;                                        \
    int64_t *restrict order = index, *restrict first = index + n;                                 \
    for (int64_t t = 0; t < L; t++) {                                                             \
        group_rows(n, tok + t * n, D, first, order);                                              \
        for (int64_t j = 0; j < n; j++)                                                           \
            memcpy(xg + j * H, x + order[j] * H, (size_t) H * sizeof(REAL));                      \
        products_##SUFFIX(gemm, D, H, first, xg, Tt, yg);                                         \
        for (int64_t j = 0; j < n; j++) {                                                         \
            const int64_t i = order[j];                                                           \
            REAL *restrict xi = x + i * H;                                                        \
            const REAL s = settle_##SUFFIX(yg + j * H, xi, shift ? shift + (t * n + i) * H : NULL, H); \
            if (norm) scale_##SUFFIX(xi, s, H);                                                   \
        }                                                                                         \
        if (K)                                                                                    \
            mm(ROW_MAJOR, NO_TRANS, TRANS, n, K, H, (REAL) 1, x, H, R, H, (REAL) 0, Z + t * n * K, K); \
    }                                                                                             \
}                                                                                                 \
                                                                                                  \
void backward_grouped_##SUFFIX(int64_t n, int64_t L, int64_t D, int64_t H, const int64_t *restrict tok, \
                               const REAL *restrict T, const REAL *restrict X, const REAL *restrict S, \
                               const REAL *restrict g, const REAL *restrict c, int norm,          \
                               REAL *restrict dY, REAL *restrict gT, REAL *restrict G,            \
                               REAL *restrict work, int64_t *restrict index, const void *gemm)    \
{   /* backward_##SUFFIX for nb = 1, B = H; work: 2 L n H entries (at least 2 n H), index: L n + */ \
    /* D + 1 (at least n + D + 1) */                                                              \
    const gemm_##SUFFIX##_t mm = (gemm_##SUFFIX##_t) gemm;                                        \
    REAL *dg = work, *gg = work + n * H;                  /* work: reused below, not restrict */                                        \
    int64_t *restrict order = index, *restrict first = index + n;                                 \
    for (int64_t t = L - 1; t >= 0; t--) {                                                        \
        group_rows(n, tok + t * n, D, first, order);                                              \
        for (int64_t j = 0; j < n; j++) {                                                         \
            const int64_t i = order[j], r = t * n + i;                                            \
            REAL *restrict Gi = G + i * H;                                                        \
            const REAL *restrict gi = g + r * H, *restrict x = X + (r + n) * H;                   \
            REAL *restrict dy = dY + r * H;                                                       \
            const REAL inv = (REAL) 1 / S[r];                                                     \
            through_norm_##SUFFIX(Gi, gi, x, c[r], inv, norm, H, dy);                             \
            memcpy(dg + j * H, dy, (size_t) H * sizeof(REAL));                                    \
        }                                                                                         \
        products_##SUFFIX(gemm, D, H, first, dg, T, gg);          /* G = A_k^T dy, as rows */     \
        for (int64_t j = 0; j < n; j++)                                                           \
            memcpy(G + order[j] * H, gg + j * H, (size_t) H * sizeof(REAL));                      \
    }                                                                                             \
    const int64_t N = L * n;                       /* gT_k = sum over the tokens of k of dy x^T */  \
    REAL *dk = work, *xk = work + N * H;                                        \
    group_rows(N, tok, D, index + N, index);                                                      \
    for (int64_t j = 0; j < N; j++) {                                                             \
        memcpy(dk + j * H, dY + index[j] * H, (size_t) H * sizeof(REAL));                         \
        memcpy(xk + j * H, X + index[j] * H, (size_t) H * sizeof(REAL));                          \
    }                                                                                             \
    for (int64_t k = 0; k < D; k++) {     /* gT_k written, not added to: zero for an unread symbol */ \
        const int64_t a = index[N + k], m = index[N + k + 1] - a;                                  \
        if (m)                                                                                     \
            mm(ROW_MAJOR, TRANS, NO_TRANS, H, H, m, (REAL) 1, dk + a * H, H, xk + a * H, H,        \
               (REAL) 0, gT + k * H * H, H);                                                       \
        else                                                                                       \
            memset(gT + k * H * H, 0, (size_t) (H * H) * sizeof(REAL));                            \
    }                                                                                              \
}

#define DEFINE_XENT(REAL, SUFFIX)                                                                 \
double xent_forward_##SUFFIX(int64_t rows, int64_t K, const REAL *restrict lp,                    \
                             const int64_t *restrict y, int64_t *restrict count)                  \
{   /* lp (K, rows): log-probabilities; returns -sum lp[y_r, r] over the rows with y_r >= 0 and */ \
    /* sets *count to their number, or returns NAN with *count = -1 - r at a label outside [-1, K) */ \
    double total = 0;                                                                             \
    int64_t m = 0;                                                                                \
    for (int64_t r = 0; r < rows; r++) {                                                          \
        if (y[r] < -1 || y[r] >= K) { *count = -1 - r; return NAN; }                              \
        if (y[r] >= 0) { total -= (double) lp[y[r] * rows + r]; m++; }                            \
    }                                                                                             \
    *count = m;                                                                                   \
    return total;                                                                                 \
}                                                                                                 \
                                                                                                  \
void xent_backward_##SUFFIX(int64_t rows, int64_t K, REAL *restrict p, const int64_t *restrict y, \
                            double scale)                                                         \
{   /* p (K, rows): probabilities in, (p - onehot(y)) * scale out; rows with y < 0 get zero */    \
    const REAL sc = (REAL) scale;                                                                 \
    for (int64_t k = 0; k < K; k++) {                                                             \
        REAL *restrict row = p + k * rows;                                                        \
        for (int64_t r = 0; r < rows; r++)                                                        \
            row[r] = y[r] >= 0 ? (row[r] - (REAL) (y[r] == k)) * sc : (REAL) 0;                   \
    }                                                                                             \
}

#define DEFINE_BLOCK_GAINS(REAL, SUFFIX)                                                          \
INLINE REAL blocklog_##SUFFIX(REAL v)                                                             \
{   /* log v (v a normal positive number): libm's log in double; in float the vectorisable logf */ \
    return sizeof(REAL) == sizeof(float) ? (REAL) logf_simd((float) v) : (REAL) log((double) v);  \
}                                                                                                 \
                                                                                                  \
INLINE void block_gains_grad_##SUFFIX(int64_t L, int64_t N, int64_t n, int64_t nb, int64_t w,     \
                                      const REAL *restrict X, const REAL *restrict Q,             \
                                      const REAL *restrict b, int norm,                           \
                                      REAL *restrict G, REAL *restrict GL, REAL *restrict v)      \
{   /* the gradient of sum b^2 / 2 (Q, b as block_gains leaves them): GL (L, N) = sum_j b[t-1, j] */\
    /* (t >= 1 and i < n, else 0); G (L, n, H) = v_j x_t^j Q[t, j], v_j = b[t-1, j] - b[t, j]      */\
    /* (absent terms 0), minus (sum_j v_j) x_t / ||x_t||^2 when not normalising: the gradient of  */\
    /* r[t, j] (v: scratch of nb entries)                                                         */\
    const int64_t H = nb * w;                                                                     \
    const REAL tiny = sizeof(REAL) == sizeof(float) ? (REAL) FLT_MIN : (REAL) DBL_MIN;            \
    for (int64_t t = 0; t < L; t++) {                                                             \
        for (int64_t i = 0; i < n; i++) {                                                         \
            const REAL *restrict x = X + (t * N + i) * H, *restrict q = Q + (t * n + i) * nb;     \
            REAL *restrict gr = G + (t * n + i) * H;                                              \
            REAL vsum = 0, bsum = 0;     /* one loop per case of the absent terms: vectorised  */ \
            const REAL *restrict before = t > 0 ? b + ((t - 1) * n + i) * nb : b;  /* read: t > 0 */ \
            const REAL *restrict after = t < L - 1 ? b + (t * n + i) * nb : b;     /* t < L - 1 */  \
            if (t > 0 && t < L - 1) {                                                             \
                _Pragma("omp simd reduction(+:vsum, bsum)")                                       \
                for (int64_t j = 0; j < nb; j++) {                                                \
                    const REAL vj = before[j] - after[j];                                         \
                    bsum += before[j]; vsum += vj; v[j] = vj * q[j];                              \
                }                                                                                 \
            } else if (t > 0) {                                                                   \
                _Pragma("omp simd reduction(+:bsum)")                                             \
                for (int64_t j = 0; j < nb; j++) { bsum += before[j]; v[j] = before[j] * q[j]; }  \
                vsum = bsum;                                                                      \
            } else if (t < L - 1) {                                                               \
                _Pragma("omp simd reduction(+:vsum)")                                             \
                for (int64_t j = 0; j < nb; j++) { vsum -= after[j]; v[j] = -after[j] * q[j]; }   \
            } else {                                                                              \
                for (int64_t j = 0; j < nb; j++) v[j] = 0;                                        \
            }                                                                                     \
            if (w == 2) {                                                                         \
                _Pragma("omp simd")                                                               \
                for (int64_t j = 0; j < nb; j++) {                                                \
                    gr[2 * j] = v[j] * x[2 * j];                                                  \
                    gr[2 * j + 1] = v[j] * x[2 * j + 1];                                          \
                }                                                                                 \
            } else if (w == 4) {                                                                  \
                _Pragma("omp simd")                                                               \
                for (int64_t j = 0; j < nb; j++)                                                  \
                    for (int64_t c = 0; c < 4; c++) gr[4 * j + c] = v[j] * x[4 * j + c];          \
            } else {                                                                              \
                for (int64_t j = 0; j < nb; j++)                                                  \
                    for (int64_t c = 0; c < w; c++) gr[j * w + c] = v[j] * x[j * w + c];          \
            }                                                                                     \
            GL[t * N + i] = bsum;                                                                 \
            if (!norm) {                                                                          \
                REAL total = 0;                                                                   \
                for (int64_t j = 0; j < nb; j++) {      /* the floored squared norms, as forward */\
                    REAL ss = 0;                                                                  \
                    for (int64_t c = 0; c < w; c++) ss += x[j * w + c] * x[j * w + c];            \
                    total += ss < tiny ? tiny : ss;                                               \
                }                                                                                 \
                const REAL f = vsum / total;                                                      \
                for (int64_t h = 0; h < H; h++) gr[h] -= f * x[h];                                \
            }                                                                                     \
        }                                                                                         \
        for (int64_t i = n; i < N; i++) GL[t * N + i] = 0;                                        \
    }                                                                                             \
}                                                                                                 \
                                                                                                  \
double block_gains_##SUFFIX(int64_t L, int64_t N, int64_t n, int64_t nb, int64_t w,               \
                            const REAL *restrict X, const REAL *restrict S, int norm,             \
                            REAL *restrict work, REAL *restrict b,                                \
                            REAL *restrict G, REAL *restrict GL)                                  \
{   /* X (L, N, nb * w): the states x_1 .. x_L, of which rows 0 .. n-1 are read; S (L, N): their */\
    /* sizes s_t as forward leaves them, whence the total log-gains lg[t] = log s_t, minus       */\
    /* log s_{t-1} when not normalising (t >= 1: the only ones read).  work (2, L, n, nb): Q, P. */\
    /* Q (L, n, nb) receives 1 / ||x_t^j||^2 (0 where the squared norm is at */                   \
    /* most the smallest normal number, the floor of the logarithm: no gradient), P (L, n, nb) */ \
    /* r[t, j] = log ||x_t^j|| - log ||x_t|| (the last term only when not normalising), b (L-1, */\
    /* n, nb) the per-block log-gains lg[t] + r[t, j] - r[t-1, j] minus their mean; returns the */\
    /* sum of the squared deviations.  One pass over the rows: the squared block norms (pairs */  \
    /* read as pairs), their inverses and logarithms, b as soon as r[t-1] is there; then the  */  \
    /* mean removed, and G (L, n, H), GL (L, N) the gradient of sum b^2 / 2 with respect to the  */\
    /* states and the log-gains (block_gains_grad; GL zero beyond the first n sequences): the    */\
    /* training's backward only scales them.                                                     */\
    const int64_t H = nb * w, M = (L - 1) * n * nb;                                               \
    REAL *restrict Q = work, *restrict P = work + L * n * nb;                                     \
    const REAL tiny = sizeof(REAL) == sizeof(float) ? (REAL) FLT_MIN : (REAL) DBL_MIN;            \
    double sum = 0;                                                                               \
    for (int64_t t = 0; t < L; t++) {                                                             \
        for (int64_t i = 0; i < n; i++) {                                                         \
            const REAL *restrict x = X + (t * N + i) * H;                                         \
            REAL *restrict q = Q + (t * n + i) * nb, *restrict lq = P + (t * n + i) * nb;         \
            if (w == 2) {                                                                         \
                _Pragma("omp simd")                                                               \
                for (int64_t j = 0; j < nb; j++) {                                                \
                    const REAL ss = x[2 * j] * x[2 * j] + x[2 * j + 1] * x[2 * j + 1];            \
                    lq[j] = ss < tiny ? tiny : ss;                                                \
                }                                                                                 \
            } else if (w == 4) {     /* BLOCK's B = 4 (bench's): written out, so gcc vectorises */ \
                _Pragma("omp simd")                                                               \
                for (int64_t j = 0; j < nb; j++) {                                                \
                    const REAL *restrict y = x + 4 * j;                                           \
                    const REAL ss = y[0] * y[0] + y[1] * y[1] + y[2] * y[2] + y[3] * y[3];        \
                    lq[j] = ss < tiny ? tiny : ss;                                                \
                }                                                                                 \
            } else {                                                                              \
                for (int64_t j = 0; j < nb; j++) {                                                \
                    REAL ss = 0;                                                                  \
                    for (int64_t c = 0; c < w; c++) ss += x[j * w + c] * x[j * w + c];            \
                    lq[j] = ss < tiny ? tiny : ss;                                                \
                }                                                                                 \
            }                                                                                     \
            /* separate loops: gcc vectorises each of them, not the loop that does all three */   \
            _Pragma("omp simd")                                                                   \
            for (int64_t j = 0; j < nb; j++) q[j] = lq[j] > tiny ? (REAL) 1 / lq[j] : (REAL) 0;   \
            REAL lt = 0;                                                                          \
            if (!norm) {                                                                          \
                REAL total = 0;                                                                   \
                for (int64_t j = 0; j < nb; j++) total += lq[j];                                  \
                lt = (REAL) 0.5 * blocklog_##SUFFIX(total);                                       \
            }                                                                                     \
            _Pragma("omp simd")                                                                   \
            for (int64_t j = 0; j < nb; j++) lq[j] = (REAL) 0.5 * blocklog_##SUFFIX(lq[j]) - lt;  \
            if (t == 0) continue;                                                                 \
            const REAL *restrict p0 = lq - n * nb;                                                \
            REAL *restrict br = b + ((t - 1) * n + i) * nb;                                       \
            const REAL g = blocklog_##SUFFIX(S[t * N + i])                                       \
                           - (norm ? (REAL) 0 : blocklog_##SUFFIX(S[(t - 1) * N + i]));           \
            REAL part = 0;                                                                        \
            _Pragma("omp simd reduction(+:part)")                                                 \
            for (int64_t j = 0; j < nb; j++) {                                                    \
                br[j] = g + lq[j] - p0[j];                                                        \
                part += br[j];                                                                    \
            }                                                                                     \
            sum += part;                                                                          \
        }                                                                                         \
    }                                                                                             \
    if (M == 0) {                                                                                 \
        for (int64_t k = 0; k < L * N; k++) GL[k] = 0;                                            \
        return 0;                                                                                 \
    }                                                                                             \
    const REAL mean = (REAL) (sum / (double) M);                                                  \
    REAL part = 0;                                                                                \
    _Pragma("omp simd reduction(+:part)")                                                         \
    for (int64_t k = 0; k < M; k++) {                                                             \
        b[k] -= mean;                                                                             \
        part += b[k] * b[k];                                                                      \
    }                                                                                             \
    block_gains_grad_##SUFFIX(L, N, n, nb, w, X, Q, b, norm, G, GL, P);   /* P: scratch now */    \
    return (double) part;                                                                         \
}

#define DEFINE_SINKHORN(REAL, SUFFIX)                                                              \
INLINE REAL sexp_##SUFFIX(REAL v)                                                                  \
{   /* e^v: the vectorisable expf_simd in float, libm's exp in double */                           \
    return sizeof(REAL) == sizeof(float) ? (REAL) expf_simd((float) v) : (REAL) exp((double) v);   \
}                                                                                                  \
                                                                                                   \
INLINE REAL slog_##SUFFIX(REAL v)                                                                  \
{   /* log v: in float the vectorisable logf_simd for a normal finite v (a sum of exponentials, */ \
    /* at least 1 here), libm's logf otherwise; libm's log in double                          */   \
    if (sizeof(REAL) == sizeof(float))                                                             \
        return (REAL) (v >= FLT_MIN && v <= FLT_MAX ? logf_simd((float) v) : logf((float) v));     \
    return (REAL) log((double) v);                                                                 \
}                                                                                                  \
                                                                                                   \
INLINE REAL shift_of_##SUFFIX(REAL m)                                                              \
{   /* the shift of a log-sum-exp whose largest term is m: m, or 0 when m is infinite (as torch) */ \
    return isinf(m) ? (REAL) 0 : m;                                                                \
}                                                                                                  \
                                                                                                   \
static void rows_##SUFFIX(REAL *restrict s, REAL *restrict p, int64_t H, REAL *restrict m,         \
                          REAL *restrict sum)                                                      \
{   /* s -= logsumexp(s, dim=-1) in place (H x H, row-major); p = exp of the result; m, sum:    */ \
    /* scratch of H entries. In passes over all rows (the rows' reductions independent of each  */ \
    /* other, the logarithms of all rows in one vectorised loop)                                */ \
    for (int64_t i = 0; i < H; i++) {                                                              \
        const REAL *restrict si = s + i * H;                                                       \
        REAL top = -INFINITY;                                                                      \
        _Pragma("omp simd reduction(max:top)")                                                     \
        for (int64_t j = 0; j < H; j++) top = si[j] > top ? si[j] : top;                           \
        m[i] = shift_of_##SUFFIX(top);                                                             \
    }                                                                                              \
    for (int64_t i = 0; i < H; i++) {                                                              \
        const REAL *restrict si = s + i * H;                                                       \
        REAL *restrict pi = p + i * H;                                                             \
        const REAL c = m[i];                                                                       \
        REAL total = 0;                                                                            \
        _Pragma("omp simd reduction(+:total)")                                                     \
        for (int64_t j = 0; j < H; j++) { pi[j] = sexp_##SUFFIX(si[j] - c); total += pi[j]; }      \
        sum[i] = total;                                                                            \
    }                                                                                              \
    for (int64_t i = 0; i < H; i++) { m[i] += slog_##SUFFIX(sum[i]); sum[i] = (REAL) 1 / sum[i]; } \
    for (int64_t i = 0; i < H; i++) {                                                              \
        REAL *restrict si = s + i * H, *restrict pi = p + i * H;                                   \
        const REAL lse = m[i], inv = sum[i];                                                       \
        for (int64_t j = 0; j < H; j++) { si[j] -= lse; pi[j] *= inv; }                            \
    }                                                                                              \
}                                                                                                  \
                                                                                                   \
static void columns_##SUFFIX(REAL *restrict s, REAL *restrict p, int64_t H, REAL *restrict m,      \
                             REAL *restrict sum)                                                   \
{   /* s -= logsumexp(s, dim=-2) in place; p = exp of the result; m, sum: scratch of H entries */  \
    for (int64_t j = 0; j < H; j++) { m[j] = -INFINITY; sum[j] = 0; }                              \
    for (int64_t i = 0; i < H; i++)                                                                \
        for (int64_t j = 0; j < H; j++) m[j] = s[i * H + j] > m[j] ? s[i * H + j] : m[j];          \
    for (int64_t j = 0; j < H; j++) m[j] = shift_of_##SUFFIX(m[j]);                                \
    for (int64_t i = 0; i < H; i++) {                                                              \
        REAL *restrict si = s + i * H, *restrict pi = p + i * H;                                   \
        _Pragma("omp simd")                                                                        \
        for (int64_t j = 0; j < H; j++) { pi[j] = sexp_##SUFFIX(si[j] - m[j]); sum[j] += pi[j]; }  \
    }                                                                                              \
    for (int64_t j = 0; j < H; j++) { m[j] += slog_##SUFFIX(sum[j]); sum[j] = (REAL) 1 / sum[j]; }     \
    for (int64_t i = 0; i < H; i++) {                                                              \
        REAL *restrict si = s + i * H, *restrict pi = p + i * H;                                   \
        for (int64_t j = 0; j < H; j++) { si[j] -= m[j]; pi[j] *= sum[j]; }                        \
    }                                                                                              \
}                                                                                                  \
                                                                                                   \
static int scaled_##SUFFIX(REAL *restrict p, int64_t H, int rows, REAL *restrict inv,              \
                           double *restrict gain)                                                  \
{   /* in place: p (the exp of a log-space half-step) becomes the exp of the next, its rows (rows)   */ \
    /* or columns divided by their sums (exp(s - lse(s)) = exp(s) / sum exp(s)), without an        */ \
    /* exponential; inv (H) receives the reciprocal sums. Returns 0 (p unusable) where a sum lies   */ \
    /* outside [SINKHORN_FLOOR, 1 / SINKHORN_FLOOR]; *gain is multiplied by the largest reciprocal   */ \
    /* sum (how much an entry lost to underflow before may have grown since)                        */ \
    REAL least = INFINITY, most = 0;                                                               \
    if (rows) {                                                                                    \
        for (int64_t i = 0; i < H; i++) {                                                          \
            REAL total = 0;                                                                        \
            _Pragma("omp simd reduction(+:total)")                                                 \
            for (int64_t j = 0; j < H; j++) total += p[i * H + j];                                 \
            inv[i] = total;                                                                        \
        }                                                                                          \
    } else {                                                                                       \
        for (int64_t j = 0; j < H; j++) inv[j] = 0;                                                \
        for (int64_t i = 0; i < H; i++)                                                            \
            for (int64_t j = 0; j < H; j++) inv[j] += p[i * H + j];                                \
    }                                                                                              \
    for (int64_t e = 0; e < H; e++) {                                                              \
        least = inv[e] < least ? inv[e] : least;                                                   \
        most = inv[e] > most ? inv[e] : most;                                                      \
    }                                                                                              \
    if (!(least >= (REAL) SINKHORN_FLOOR) || !(most <= (REAL) (1 / SINKHORN_FLOOR))) return 0;     \
    *gain /= (double) least;                                                                       \
    for (int64_t e = 0; e < H; e++) inv[e] = (REAL) 1 / inv[e];                                    \
    if (rows) {                                                                                    \
        for (int64_t i = 0; i < H; i++)                                                            \
            for (int64_t j = 0; j < H; j++) p[i * H + j] *= inv[i];                                \
    } else {                                                                                       \
        for (int64_t i = 0; i < H; i++)                                                            \
            for (int64_t j = 0; j < H; j++) p[i * H + j] *= inv[j];                                \
    }                                                                                              \
    return 1;                                                                                      \
}                                                                                                  \
                                                                                                   \
void sinkhorn_##SUFFIX(int64_t D, int64_t H, int64_t steps, const REAL *restrict logits,           \
                       REAL *restrict S, REAL *restrict P, REAL *restrict V, REAL *restrict work)  \
{   /* S (D, H, H) = exp of `steps` alternating row and column normalisations of the logits in log */ \
    /* space (rows first), and what the backward needs: the exp of every half-step's result (the  */ \
    /* softmax of that half-step), p_h. The first half-step takes the exponentials (p_0 into      */ \
    /* P[k, 0]); every later one is p_{h-1} divided by its sums (scaled_##SUFFIX: the same        */ \
    /* numbers up to rounding, 16 times fewer exponentials), so p_h = p_0 * r_h[i] * c_h[j] with   */ \
    /* the products r_h, c_h of the reciprocal sums (V[k, h], h >= 1), and V[k, 0, 0] = 1. Where    */ \
    /* that could differ from the log-space steps by more than rounding — a sum outside            */ \
    /* [1e-20, 1e20], or the reciprocal sums multiplying past 1e20 (what underflowed could have    */ \
    /* grown to matter) — the matrix is normalised again in log space, every half-step by its      */ \
    /* exponentials, P[k, h] = p_h and V[k, 0, 0] = 0. P: (D, 2 steps, H, H), V: (D, 2 steps, H);   */ \
    /* work: 2 H entries; steps >= 1                                                              */ \
    const int64_t HH = H * H;                                                                      \
    for (int64_t k = 0; k < D; k++) {                                                              \
        REAL *restrict s = S + k * HH, *restrict Pk = P + k * 2 * steps * HH;                      \
        REAL *restrict Vk = V + k * 2 * steps * H;                                                 \
        memcpy(s, logits + k * HH, (size_t) HH * sizeof(REAL));                                    \
        rows_##SUFFIX(s, Pk, H, work, work + H);                                                   \
        memcpy(s, Pk, (size_t) HH * sizeof(REAL));                                                 \
        double gain = 1;                                                                           \
        int fast = 1;                                                                              \
        for (int64_t h = 1; h < 2 * steps && fast; h++)                                            \
            fast = scaled_##SUFFIX(s, H, h % 2 == 0, Vk + h * H, &gain);                           \
        for (int64_t j = 0; j < H; j++) Vk[j] = 0;                                                 \
        if (fast && gain <= 1 / SINKHORN_FLOOR) {                                                  \
            Vk[0] = 1;                                                                             \
            continue;                                                                              \
        }                                                                                          \
        memcpy(s, logits + k * HH, (size_t) HH * sizeof(REAL));                                    \
        for (int64_t h = 0; h < 2 * steps; h++) {                                                  \
            if (h % 2 == 0) rows_##SUFFIX(s, Pk + h * HH, H, work, work + H);                      \
            else columns_##SUFFIX(s, Pk + h * HH, H, work, work + H);                              \
        }                                                                                          \
        memcpy(s, Pk + (2 * steps - 1) * HH, (size_t) HH * sizeof(REAL));                          \
    }                                                                                              \
}                                                                                                  \
                                                                                                   \
void sinkhorn_backward_##SUFFIX(int64_t D, int64_t H, int64_t steps, const REAL *restrict P,       \
                                const REAL *restrict V, REAL *restrict g, REAL *restrict work)     \
{   /* in place: g (D, H, H), the gradient of S in, that of the logits out: the chain rule of      */ \
    /* sinkhorn_##SUFFIX backwards — through the exp, g *= S; through s - logsumexp(s, dim), with  */ \
    /* p_h that half-step's exp (stored, or p_0 r_h[i] c_h[j]), g -= p_h * sum(g, dim); work:      */ \
    /* (4 steps + 1) H entries                                                                    */ \
    const int64_t HH = H * H, n = 2 * steps;                                                       \
    REAL *restrict R = work, *restrict C = work + n * H, *restrict sum = work + 2 * n * H;         \
    for (int64_t k = 0; k < D; k++) {                                                              \
        REAL *restrict gk = g + k * HH;                                                            \
        const REAL *restrict Pk = P + k * n * HH, *restrict Vk = V + k * n * H;                    \
        const int fast = Vk[0] == (REAL) 1;                                                        \
        if (fast) {                          /* r_h, c_h: the products of the reciprocal sums */   \
            for (int64_t e = 0; e < H; e++) { R[e] = 1; C[e] = 1; }                                \
            for (int64_t h = 1; h < n; h++) {                                                      \
                const REAL *restrict v = Vk + h * H;                                               \
                REAL *restrict r = R + h * H, *restrict c = C + h * H;                             \
                for (int64_t e = 0; e < H; e++) {                                                  \
                    r[e] = h % 2 == 0 ? r[e - H] * v[e] : r[e - H];                                \
                    c[e] = h % 2 == 1 ? c[e - H] * v[e] : c[e - H];                                \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        for (int64_t h = n - 1; h >= 0; h--) {                                                     \
            const REAL *restrict p = fast ? Pk : Pk + h * HH;                                      \
            const REAL *restrict r = R + h * H, *restrict c = C + h * H;                           \
            if (h == n - 1) {                                        /* through the final exp */   \
                for (int64_t i = 0; i < H; i++)                                                    \
                    for (int64_t j = 0; j < H; j++)                                                \
                        gk[i * H + j] *= fast ? p[i * H + j] * r[i] * c[j] : p[i * H + j];         \
            }                                                                                      \
            if (h % 2 == 0) {                                                                      \
                for (int64_t i = 0; i < H; i++) {                                                  \
                    REAL *restrict gi = gk + i * H;                                                \
                    const REAL *restrict pi = p + i * H;                                           \
                    REAL total = 0;                                                                \
                    _Pragma("omp simd reduction(+:total)")                                         \
                    for (int64_t j = 0; j < H; j++) total += gi[j];                                \
                    if (fast) {                                                                    \
                        const REAL f = total * r[i];                                               \
                        for (int64_t j = 0; j < H; j++) gi[j] -= pi[j] * f * c[j];                 \
                    } else {                                                                       \
                        for (int64_t j = 0; j < H; j++) gi[j] -= pi[j] * total;                    \
                    }                                                                              \
                }                                                                                  \
            } else {                                                                               \
                for (int64_t j = 0; j < H; j++) sum[j] = 0;                                        \
                for (int64_t i = 0; i < H; i++)                                                    \
                    for (int64_t j = 0; j < H; j++) sum[j] += gk[i * H + j];                       \
                if (fast)                                                                          \
                    for (int64_t j = 0; j < H; j++) sum[j] *= c[j];                                \
                for (int64_t i = 0; i < H; i++) {                                                  \
                    const REAL f = fast ? r[i] : (REAL) 1;                                         \
                    for (int64_t j = 0; j < H; j++) gk[i * H + j] -= p[i * H + j] * f * sum[j];    \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
}                                                                                                  \
                                                                                                   \
int hard_permutation_##SUFFIX(int64_t D, int64_t H, const REAL *restrict scores, REAL *restrict P, \
                              REAL *restrict s, int64_t *restrict index)                           \
{   /* P (D, H, H): the greedy assignment of every matrix of scores (D, H, H) in rounds, as      */ \
    /* modern.hard_permutation: every free row i whose largest remaining entry (first of equals) */ \
    /* lies in column j = across[i] whose largest remaining entry (first of equals) is in row i  */ \
    /* is taken (P[i, j] = 1) and row i and column j are struck (-inf); until every row is.      */ \
    /* Returns 0, writing nothing, when a score is not finite; s: (H + 1) H scratch, index: 4 H */ \
    const int64_t HH = H * H;                                                                      \
    for (int64_t e = 0; e < D * HH; e++)                                                           \
        if (!isfinite(scores[e])) return 0;                                                        \
    memset(P, 0, (size_t) (D * HH) * sizeof(REAL));                                                \
    int64_t *restrict across = index, *restrict down = index + H, *restrict free_ = index + 2 * H, \
            *restrict take = index + 3 * H;                                                        \
    REAL *restrict top = s + HH;                                                                   \
    for (int64_t k = 0; k < D; k++) {                                                              \
        memcpy(s, scores + k * HH, (size_t) HH * sizeof(REAL));                                    \
        REAL *restrict Pk = P + k * HH;                                                            \
        for (int64_t i = 0; i < H; i++) free_[i] = 1;                                              \
        int64_t left = H;                                                                          \
        while (left > 0) {                                                                         \
            for (int64_t i = 0; i < H; i++) {   /* each free row's largest entry, the first of equals */ \
                if (!free_[i]) continue;                                                           \
                const REAL *restrict si = s + i * H;                                               \
                REAL best = -INFINITY;                                                             \
                _Pragma("omp simd reduction(max:best)")                                            \
                for (int64_t j = 0; j < H; j++) best = si[j] > best ? si[j] : best;                \
                int64_t a = 0;                                                                     \
                while (si[a] != best) a++;                                                         \
                across[i] = a;                                                                     \
            }                                                                                      \
            for (int64_t j = 0; j < H; j++) { top[j] = s[j]; down[j] = 0; }   /* each column's */  \
            for (int64_t i = 1; i < H; i++) {                                                      \
                const REAL *restrict si = s + i * H;                                               \
                for (int64_t j = 0; j < H; j++) {                                                  \
                    const int up = si[j] > top[j];                                                 \
                    top[j] = up ? si[j] : top[j];                                                  \
                    down[j] = up ? i : down[j];                                                    \
                }                                                                                  \
            }                                                                                      \
            int64_t m = 0;                                                                         \
            for (int64_t i = 0; i < H; i++)                                                        \
                if (free_[i] && down[across[i]] == i) take[m++] = i;                               \
            for (int64_t q = 0; q < m; q++) {                                                      \
                const int64_t i = take[q], j = across[i];                                          \
                Pk[i * H + j] = 1;                                                                 \
                for (int64_t c = 0; c < H; c++) s[i * H + c] = -INFINITY;                          \
                for (int64_t r = 0; r < H; r++) s[r * H + j] = -INFINITY;                          \
                free_[i] = 0;                                                                      \
            }                                                                                      \
            left -= m;                                                                             \
        }                                                                                          \
    }                                                                                              \
    return 1;                                                                                      \
}

#define DEFINE_HOUSE(REAL, SUFFIX)                                                                 \
void house_##SUFFIX(int64_t D, int64_t nh, int64_t H, const REAL *restrict keys, const REAL *restrict b, \
                    REAL *restrict A, REAL *restrict K, REAL *restrict beta, REAL *restrict hist,  \
                    REAL *restrict work)                                                           \
{   /* HOUSE's table (modern.HouseRNN.transitions): A (D, H, H) = F_nh ... F_1 per symbol, with   */ \
    /* F_j = I - beta_j k_j k_j^T, k_j = keys_j / max(||keys_j||, TINY), beta_j = 2 sigmoid(b_j)  */ \
    /* (keys (D, nh, H), b (D, nh)), each factor a rank-1 update A -= beta k (k^T A). K (D, nh, H) */ \
    /* and beta (D, nh) receive k and beta, hist (D, nh - 1, H, H) the products F_j ... F_1 before */ \
    /* the factors 2 .. nh (what the backward needs); work: H entries                             */ \
    const int64_t HH = H * H;                                                                      \
    for (int64_t s = 0; s < D; s++) {                                                              \
        REAL *restrict a = A + s * HH;                                                             \
        for (int64_t e = 0; e < HH; e++) a[e] = 0;                                                 \
        for (int64_t r = 0; r < H; r++) a[r * H + r] = 1;                                          \
        for (int64_t j = 0; j < nh; j++) {                                                         \
            const REAL *restrict key = keys + (s * nh + j) * H;                                    \
            REAL *restrict k = K + (s * nh + j) * H;                                               \
            REAL ss = 0;                                                                           \
            _Pragma("omp simd reduction(+:ss)")                                                    \
            for (int64_t h = 0; h < H; h++) ss += key[h] * key[h];                                 \
            const REAL n = floored_norm_##SUFFIX(ss);                                              \
            for (int64_t h = 0; h < H; h++) k[h] = key[h] / n;                                     \
            const REAL bt = (REAL) 2 / ((REAL) 1 + (REAL) exp(-(double) b[s * nh + j]));           \
            beta[s * nh + j] = bt;                                                                 \
            if (j > 0) memcpy(hist + (s * (nh - 1) + j - 1) * HH, a, (size_t) HH * sizeof(REAL));  \
            for (int64_t c = 0; c < H; c++) work[c] = 0;                 /* work = k^T a */        \
            for (int64_t r = 0; r < H; r++)                                                        \
                for (int64_t c = 0; c < H; c++) work[c] += k[r] * a[r * H + c];                    \
            for (int64_t r = 0; r < H; r++) {                            /* a -= beta k work */    \
                const REAL f = bt * k[r];                                                          \
                for (int64_t c = 0; c < H; c++) a[r * H + c] -= f * work[c];                       \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
}                                                                                                  \
                                                                                                   \
void house_backward_##SUFFIX(int64_t D, int64_t nh, int64_t H, const REAL *restrict keys,          \
                             const REAL *restrict K, const REAL *restrict beta,                    \
                             const REAL *restrict hist, REAL *restrict G, REAL *restrict gkeys,    \
                             REAL *restrict gb, REAL *restrict work)                               \
{   /* the gradients of keys (D, nh, H) and b (D, nh) from that of A, G (D, H, H; used as scratch), */ \
    /* through house_##SUFFIX's factors in reverse: with a the product before factor j and G the */ \
    /* gradient after it, u = a^T k, v = G^T k: d beta = -u.v, d k = -beta (G u + a v), and G     */ \
    /* becomes F_j G = G - beta k v^T; then through the unit norm (dkey = (dk - k (k.dk)) / n     */ \
    /* where ||key|| >= TINY, else dk / TINY) and beta = 2 sigmoid(b) (d b = d beta beta (1 -     */ \
    /* beta / 2)); work: 3 H entries                                                               */ \
    const int64_t HH = H * H;                                                                      \
    REAL *restrict u = work, *restrict v = work + H, *restrict dk = work + 2 * H;                  \
    for (int64_t s = 0; s < D; s++) {                                                              \
        REAL *restrict g = G + s * HH;                                                             \
        for (int64_t j = nh - 1; j >= 0; j--) {                                                    \
            const REAL *restrict k = K + (s * nh + j) * H;                                         \
            const REAL *restrict a = j > 0 ? hist + (s * (nh - 1) + j - 1) * HH : NULL;            \
            const REAL bt = beta[s * nh + j];                                                      \
            for (int64_t c = 0; c < H; c++) { u[c] = a ? 0 : k[c]; v[c] = 0; }                     \
            for (int64_t r = 0; r < H; r++) {                                                      \
                const REAL kr = k[r];                                                              \
                if (a)                                                                             \
                    for (int64_t c = 0; c < H; c++) u[c] += kr * a[r * H + c];                     \
                for (int64_t c = 0; c < H; c++) v[c] += kr * g[r * H + c];                         \
            }                                                                                      \
            REAL uv = 0;                                                                           \
            for (int64_t c = 0; c < H; c++) uv += u[c] * v[c];                                     \
            for (int64_t r = 0; r < H; r++) {                                                      \
                REAL gu = 0, av = 0;                                                               \
                _Pragma("omp simd reduction(+:gu)")                                                \
                for (int64_t c = 0; c < H; c++) gu += g[r * H + c] * u[c];                         \
                if (a) {                                                                           \
                    _Pragma("omp simd reduction(+:av)")                                            \
                    for (int64_t c = 0; c < H; c++) av += a[r * H + c] * v[c];                     \
                } else {                                                                           \
                    av = v[r];                                                                     \
                }                                                                                  \
                dk[r] = -bt * (gu + av);                                                           \
            }                                                                                      \
            if (j > 0)                                                                             \
                for (int64_t r = 0; r < H; r++) {                                                  \
                    const REAL f = bt * k[r];                                                      \
                    for (int64_t c = 0; c < H; c++) g[r * H + c] -= f * v[c];                      \
                }                                                                                  \
            const REAL *restrict key = keys + (s * nh + j) * H;                                    \
            REAL *restrict gk = gkeys + (s * nh + j) * H;                                          \
            REAL ss = 0, kd = 0;                                                                   \
            for (int64_t h = 0; h < H; h++) { ss += key[h] * key[h]; kd += k[h] * dk[h]; }         \
            const REAL norm = (REAL) sqrt((double) ss);                                            \
            if (norm >= (REAL) TINY)                                                               \
                for (int64_t h = 0; h < H; h++) gk[h] = (dk[h] - k[h] * kd) / norm;                \
            else                                                                                   \
                for (int64_t h = 0; h < H; h++) gk[h] = dk[h] / (REAL) TINY;                       \
            gb[s * nh + j] = -uv * bt * ((REAL) 1 - bt / (REAL) 2);                                \
        }                                                                                          \
    }                                                                                              \
}

DEFINE_KERNELS(float, f32)
DEFINE_KERNELS(double, f64)
DEFINE_XENT(float, f32)
DEFINE_XENT(double, f64)
DEFINE_BLOCK_GAINS(float, f32)
DEFINE_BLOCK_GAINS(double, f64)
DEFINE_GROUPED(float, f32)
DEFINE_GROUPED(double, f64)
DEFINE_SINKHORN(float, f32)
DEFINE_SINKHORN(double, f64)
DEFINE_HOUSE(float, f32)
DEFINE_HOUSE(double, f64)

/* Whether every entry of x[0 .. n) lies in [lo, hi): the range check of tokens and labels in
 * verify/kernels/native.py (which has checked that x is a contiguous int64 array of n entries). */
int in_range(int64_t n, const int64_t *restrict x, int64_t lo, int64_t hi)
{
    int64_t bad = 0;
    for (int64_t r = 0; r < n; r++) bad |= (x[r] < lo) | (x[r] >= hi);
    return !bad;
}

/* the interface version: verify/kernels/native.py refuses a library whose version differs */
int recurrence_version(void) { return 11; }
