// The archive's /longrun table (see longrun_table.h).
#include "io/longrun_table.h"

#include <cstddef>

#include "io/hdf5_append.h"
#include "io/hdf5_handle.h"

namespace srm {
namespace {

constexpr const char* kTable = "longrun";

H5Id row_type() {
  H5Id type(H5Tcreate(H5T_COMPOUND, sizeof(LongrunRow)), "H5Tcreate");
#define SRM_FIELD(f, t) h5_check(H5Tinsert(type.get(), #f, HOFFSET(LongrunRow, f), t), "H5Tinsert " #f)
  SRM_FIELD(iteration, H5T_NATIVE_INT64);
  SRM_FIELD(chains, H5T_NATIVE_INT64);
  SRM_FIELD(steps, H5T_NATIVE_INT64);
  SRM_FIELD(data_energy, H5T_NATIVE_DOUBLE);
  SRM_FIELD(short_run_energy, H5T_NATIVE_DOUBLE);
  SRM_FIELD(long_run_energy, H5T_NATIVE_DOUBLE);
  SRM_FIELD(long_run_grad_norm, H5T_NATIVE_DOUBLE);
  SRM_FIELD(long_run_abs_max, H5T_NATIVE_DOUBLE);
#undef SRM_FIELD
  return type;
}

}  // namespace

void append_longrun(hid_t file, const LongrunRow& row) {
  const H5Id type = row_type();
  append_rows(file, kTable, type.get(), type.get(), {}, &row, 1, 64, false);
}

std::vector<LongrunRow> read_longrun_rows(hid_t file) {
  return read_table_rows<LongrunRow>(file, kTable, row_type().get());
}

void trim_longrun_rows(hid_t file, int64_t iteration) {
  keep_leading_rows(file, kTable, read_longrun_rows(file),
                    [iteration](const LongrunRow& row) { return row.iteration <= iteration; });
}

}  // namespace srm
