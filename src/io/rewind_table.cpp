// The archive's /rewinds table (see rewind_table.h).
#include "io/rewind_table.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "io/hdf5_append.h"
#include "io/hdf5_handle.h"
#include "io/hdf5_objects.h"

namespace srm {
namespace {

constexpr const char* kTable = "rewinds";

H5Id row_type() {
  H5Id type(H5Tcreate(H5T_COMPOUND, sizeof(RewindRow)), "H5Tcreate");
  H5Id text(H5Tcopy(H5T_C_S1), "H5Tcopy");
  h5_check(H5Tset_size(text.get(), sizeof(RewindRow::cause)), "H5Tset_size");
  h5_check(H5Tset_strpad(text.get(), H5T_STR_NULLTERM), "H5Tset_strpad");
#define SRM_FIELD(f, t) h5_check(H5Tinsert(type.get(), #f, HOFFSET(RewindRow, f), t), "H5Tinsert " #f)
  SRM_FIELD(iteration, H5T_NATIVE_INT64);
  SRM_FIELD(rewound_to, H5T_NATIVE_INT64);
  SRM_FIELD(rewind, H5T_NATIVE_INT64);
  SRM_FIELD(lr_scale, H5T_NATIVE_DOUBLE);
  SRM_FIELD(data_skip, H5T_NATIVE_INT64);
  SRM_FIELD(cause, text.get());
#undef SRM_FIELD
  return type;
}

}  // namespace

RewindRow make_rewind_row(int64_t iteration, int64_t rewound_to, int64_t rewind, double lr_scale, int64_t data_skip,
                          const std::string& cause) {
  RewindRow row;
  row.iteration = iteration;
  row.rewound_to = rewound_to;
  row.rewind = rewind;
  row.lr_scale = lr_scale;
  row.data_skip = data_skip;
  std::memcpy(row.cause, cause.data(), std::min(cause.size(), sizeof(row.cause) - 1));
  return row;
}

void append_rewind(hid_t file, const RewindRow& row) {
  const H5Id type = row_type();
  append_rows(file, kTable, type.get(), type.get(), {}, &row, 1, 16, false);
}

std::vector<RewindRow> read_rewind_rows(hid_t file) {
  auto rows = read_table_rows<RewindRow>(file, kTable, row_type().get());
  for (auto& row : rows) row.cause[sizeof(row.cause) - 1] = '\0';
  return rows;
}

void trim_rewind_rows(hid_t file, int64_t iteration) {
  keep_leading_rows(file, kTable, read_rewind_rows(file),
                    [iteration](const RewindRow& row) { return row.rewound_to < iteration; });
}

}  // namespace srm
