// Row-major BLAS entry points for ddl-swift, wrapping OpenBLAS's CBLAS.
// The enums of cblas.h are hidden behind plain flags so Swift sees stable C types.
#ifndef DDL_COPENBLAS_SHIM_H
#define DDL_COPENBLAS_SHIM_H
#include <cblas.h>

/// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major; op transposes when the flag is non-zero.
static inline void ddl_sgemm(int transA, int transB, int m, int n, int k, float alpha,
                             const float *a, int lda, const float *b, int ldb,
                             float beta, float *c, int ldc) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/// Double-precision twin of ddl_sgemm.
static inline void ddl_dgemm(int transA, int transB, int m, int n, int k, double alpha,
                             const double *a, int lda, const double *b, int ldb,
                             double beta, double *c, int ldc) {
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/// The thread limit chosen for large products (0 = OpenBLAS's default, read on first use),
/// and the count last set, so that switching costs nothing when it does not change.
static int ddl_blas_limit_value = 0;
static int ddl_blas_current = 0;

/// The largest number of threads a product may use.
static inline int ddl_blas_limit(void) {
    if (ddl_blas_limit_value == 0) ddl_blas_limit_value = openblas_get_num_threads();
    return ddl_blas_limit_value;
}

/// Sets the largest number of threads a product may use.
static inline void ddl_blas_set_limit(int n) {
    ddl_blas_limit_value = n < 1 ? 1 : n;
    ddl_blas_current = 0;
}

/// Runs the next products on all allowed threads (`large` non-zero) or on one.
static inline void ddl_blas_fit(int large) {
    int limit = ddl_blas_limit();
    int want = large ? limit : 1;
    if (want != ddl_blas_current) {
        openblas_set_num_threads(want);
        ddl_blas_current = want;
    }
}

/// The kernel family OpenBLAS chose for this CPU (or was told by OPENBLAS_CORETYPE).
static inline const char *ddl_blas_core(void) { return openblas_get_corename(); }

#endif
