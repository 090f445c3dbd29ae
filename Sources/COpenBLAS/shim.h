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

/// Sets the number of threads OpenBLAS uses for its products.
static inline void ddl_blas_set_threads(int n) { openblas_set_num_threads(n); }

/// The number of threads OpenBLAS currently uses.
static inline int ddl_blas_threads(void) { return openblas_get_num_threads(); }

#endif
