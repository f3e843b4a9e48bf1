// Appending rows to an extendible HDF5 dataset: created on first use (unlimited first
// dimension, chunked, optionally shuffle + gzip), then grown and written as one hyperslab.
// Shared by the run archive and the dataset preparation tool.
#pragma once

#include <hdf5.h>

#include <string>
#include <vector>

namespace srm {

// Appends `rows` rows of shape row_dims (from `data`, in memory_type) to the dataset `name`
// of `file`, creating it (file_type, chunks of chunk_rows rows, shuffle + gzip when compress)
// on first use. Throws Hdf5Error naming the dataset on failure or a changed row shape.
void append_rows(hid_t file, const std::string& name, hid_t file_type, hid_t memory_type,
                 const std::vector<hsize_t>& row_dims, const void* data, hsize_t rows, hsize_t chunk_rows,
                 bool compress);

// The row count of the 1-D table `name` (0 when it is absent), and all its rows read into
// `out` (room for that many rows) as `memory_type`.
hsize_t table_rows(hid_t file, const std::string& name);
void read_table(hid_t file, const std::string& name, hid_t memory_type, void* out);

// Keeps the first `rows` rows of the extendible dataset `name` (nothing when it is absent or
// shorter): the archive's rows after a resume point are dropped this way.
void shrink_rows(hid_t file, const std::string& name, hsize_t rows);

// All rows of the compound table `name` as Row structs ({} when it is absent).
template <typename Row>
std::vector<Row> read_table_rows(hid_t file, const std::string& name, hid_t memory_type) {
  std::vector<Row> rows(static_cast<size_t>(table_rows(file, name)));
  if (!rows.empty()) read_table(file, name, memory_type, rows.data());
  return rows;
}

// Keeps the leading rows of table `name` (read as `rows`) for which keep(row) holds, dropping
// the first row that fails and all after it.
template <typename Row, typename Keep>
void keep_leading_rows(hid_t file, const std::string& name, const std::vector<Row>& rows, Keep keep) {
  hsize_t kept = 0;
  while (kept < rows.size() && keep(rows[kept])) ++kept;
  shrink_rows(file, name, kept);
}

}  // namespace srm
