// libhdf5 for ddl-swift. HDF5's type and property-list identifiers are macros over
// globals that Swift 6 rejects; each one used by the project is wrapped here.
#ifndef DDL_CHDF5_SHIM_H
#define DDL_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t ddl_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t ddl_h5s_all(void) { return H5S_ALL; }
static inline unsigned ddl_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned ddl_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned ddl_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned ddl_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline hid_t ddl_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t ddl_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t ddl_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t ddl_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t ddl_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t ddl_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t ddl_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline size_t ddl_h5t_variable(void) { return H5T_VARIABLE; }

static inline int ddl_h5_index_name(void) { return H5_INDEX_NAME; }
static inline int ddl_h5_iter_inc(void) { return H5_ITER_INC; }

/// Silences libhdf5's automatic error printing; errors surface as Swift errors instead.
static inline void ddl_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

#endif
