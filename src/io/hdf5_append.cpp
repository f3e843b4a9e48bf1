// Extendible-dataset appends (see hdf5_append.h).
#include "io/hdf5_append.h"

#include <fmt/format.h>

#include "io/hdf5_handle.h"
#include "io/hdf5_objects.h"

namespace srm {

void append_rows(hid_t file, const std::string& name, hid_t file_type, hid_t memory_type,
                 const std::vector<hsize_t>& row_dims, const void* data, hsize_t rows,
                 hsize_t chunk_rows, bool compress) {
  const int rank = static_cast<int>(row_dims.size()) + 1;
  std::vector<hsize_t> dims{0}, max_dims{H5S_UNLIMITED}, chunk{chunk_rows};
  for (hsize_t d : row_dims) {
    dims.push_back(d);
    max_dims.push_back(d);
    chunk.push_back(d);
  }
  H5Id dataset;
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0) {
    dataset = H5Id(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "opening " + name);
  } else {
    const H5Id space(H5Screate_simple(rank, dims.data(), max_dims.data()), "H5Screate_simple");
    const H5Id dcpl(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate");
    h5_check(H5Pset_chunk(dcpl.get(), rank, chunk.data()), "H5Pset_chunk");
    if (compress) {
      h5_check(H5Pset_shuffle(dcpl.get()), "H5Pset_shuffle");
      h5_check(H5Pset_deflate(dcpl.get(), 4), "H5Pset_deflate");
    }
    dataset = H5Id(H5Dcreate2(file, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(),
                              H5P_DEFAULT), "creating " + name);
  }
  const H5Id old_space(H5Dget_space(dataset.get()), "H5Dget_space");
  std::vector<hsize_t> current(rank);
  H5Sget_simple_extent_dims(old_space.get(), current.data(), nullptr);
  for (int i = 1; i < rank; ++i)
    if (current[i] != row_dims[i - 1])
      throw Hdf5Error(fmt::format("{}: row shape changed (dimension {} is {}, now {})", name,
                                  i, current[i], row_dims[i - 1]));
  std::vector<hsize_t> grown = current;
  grown[0] += rows;
  h5_check(H5Dset_extent(dataset.get(), grown.data()), "extending " + name);
  const H5Id file_space(H5Dget_space(dataset.get()), "H5Dget_space");
  std::vector<hsize_t> start(rank, 0), count = grown;
  start[0] = current[0];
  count[0] = rows;
  h5_check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
           "H5Sselect_hyperslab");
  const H5Id memory_space(H5Screate_simple(rank, count.data(), nullptr), "H5Screate_simple");
  h5_check(H5Dwrite(dataset.get(), memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, data),
           "writing " + name);
}

void shrink_rows(hid_t file, const std::string& name, hsize_t rows) {
  if (!link_exists(file, name)) return;
  const H5Id dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "opening " + name);
  const H5Id space(H5Dget_space(dataset.get()), "H5Dget_space");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  if (dims[0] <= rows) return;
  dims[0] = rows;
  h5_check(H5Dset_extent(dataset.get(), dims.data()), "truncating " + name);
}

hsize_t table_rows(hid_t file, const std::string& name) {
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) return 0;
  const H5Id table(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "opening " + name);
  const H5Id space(H5Dget_space(table.get()), "H5Dget_space");
  return static_cast<hsize_t>(H5Sget_simple_extent_npoints(space.get()));
}

void read_table(hid_t file, const std::string& name, hid_t memory_type, void* out) {
  const H5Id table(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "opening " + name);
  h5_check(H5Dread(table.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), "reading " + name);
}

}  // namespace srm
