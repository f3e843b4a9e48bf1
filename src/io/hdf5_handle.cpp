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
  h5_check(H5Pset_file_locking(fapl.get(), false, true), "H5Pset_file_locking");
  return fapl;
}

bool hdf5_library_thread_safe() {
  hbool_t thread_safe = 0;
  return H5is_library_threadsafe(&thread_safe) >= 0 && thread_safe;
}

}  // namespace srm
