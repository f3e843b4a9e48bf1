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

}  // namespace srm
