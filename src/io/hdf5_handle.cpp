// HDF5 identifier RAII (see hdf5_handle.h).
#include "io/hdf5_handle.h"

namespace srm {

void H5Id::reset() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
  }
  id_ = -1;
}

H5Id unlocked_file_access() {
  H5Id fapl(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate(file access)");
  // H5Pset_file_locking exists from HDF5 1.10.7 (and 1.12.1) on. Older builds, still common on
  // clusters, lock only when built to; there HDF5_USE_FILE_LOCKING=FALSE in the environment
  // does the same (docs/archive.md).
#if H5_VERSION_GE(1, 10, 7) && !(H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 12 && H5_VERS_RELEASE < 1)
  h5_check(H5Pset_file_locking(fapl.get(), false, true), "H5Pset_file_locking");
#endif
  return fapl;
}

bool hdf5_library_thread_safe() {
  hbool_t thread_safe = 0;
  return H5is_library_threadsafe(&thread_safe) >= 0 && thread_safe;
}

}  // namespace srm
