// The archive's /eval table (see evaluation_table.h).
#include "io/evaluation_table.h"

#include <cstddef>

#include "io/hdf5_append.h"
#include "io/hdf5_handle.h"
#include "io/hdf5_objects.h"

namespace srm {
namespace {

constexpr const char* kTable = "eval";

H5Id row_type() {
  H5Id type(H5Tcreate(H5T_COMPOUND, sizeof(EvaluationRow)), "H5Tcreate");
#define SRM_FIELD(f, t) h5_check(H5Tinsert(type.get(), #f, HOFFSET(EvaluationRow, f), t), "H5Tinsert " #f)
  SRM_FIELD(iteration, H5T_NATIVE_INT64);
  SRM_FIELD(n, H5T_NATIVE_INT64);
  SRM_FIELD(fid, H5T_NATIVE_DOUBLE);
  SRM_FIELD(kid, H5T_NATIVE_DOUBLE);
  SRM_FIELD(kid_std, H5T_NATIVE_DOUBLE);
#undef SRM_FIELD
  return type;
}

}  // namespace

void append_evaluation(hid_t file, const EvaluationRecord& record) {
  const H5Id type = row_type();
  append_rows(file, kTable, type.get(), type.get(), {}, &record.row, 1, 64, false);
  const H5Id table(H5Dopen2(file, kTable, H5P_DEFAULT), "opening /eval");
  write_string_attribute(table.get(), "reference", record.reference);
  write_string_attribute(table.get(), "reference_sha256", record.reference_sha256);
  write_string_attribute(table.get(), "features", record.features);
  write_string_attribute(table.get(), "features_sha1", record.features_sha1);
  write_string_attribute(table.get(), "protocol", record.protocol);
}

std::vector<EvaluationRow> read_evaluation_rows(hid_t file) {
  return read_table_rows<EvaluationRow>(file, kTable, row_type().get());
}

void trim_evaluation_rows(hid_t file, int64_t iteration) {
  keep_leading_rows(file, kTable, read_evaluation_rows(file),
                    [iteration](const EvaluationRow& row) { return row.iteration <= iteration; });
}

}  // namespace srm
