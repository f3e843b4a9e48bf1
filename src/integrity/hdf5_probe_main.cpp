// srm-h5probe: reads an HDF5 file as completely as srm-dist would, in a process of its own, so
// that a file whose metadata would crash the HDF5 library crashes this small program instead of
// srm-dist (integrity/hdf5_probe.h starts it and turns its end into a message).
//   srm-h5probe FILE [DATA_BUDGET_BYTES]
// Visits every group and dataset, reads every attribute (variable-length strings included), and
// reads every dataset's values while their total stays within the budget (default 256 MiB);
// beyond it a dataset's chunk index is walked instead (the metadata HDF5 follows to find its
// data), so probing a many-GiB archive costs little. Exit 0: readable; 3: HDF5 reported an
// error (first line of stderr says where); 2: usage. Links only HDF5.
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/hdf5_handle.h"

namespace {

using srm::H5Id;
using srm::h5_check;

constexpr uint64_t kMaxAttributeBytes = uint64_t{64} << 20;
constexpr uint64_t kSlabBytes = uint64_t{64} << 20;

struct ProbeState {
  uint64_t data_budget;
  std::string failure;  // set by callbacks, which cannot throw through HDF5
};

uint64_t element_count(hid_t space) {
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  return n < 0 ? 0 : static_cast<uint64_t>(n);
}

void read_attribute(hid_t attribute, const std::string& where) {
  const H5Id type(H5Aget_type(attribute), "type of attribute " + where);
  const H5Id space(H5Aget_space(attribute), "dataspace of attribute " + where);
  const uint64_t count = element_count(space.get());
  if (H5Tget_class(type.get()) == H5T_STRING && H5Tis_variable_str(type.get()) > 0) {
    const H5Id memory(H5Tcopy(type.get()), "H5Tcopy");  // same character set: HDF5 does not convert them
    if (count > kMaxAttributeBytes / sizeof(char*)) throw srm::Hdf5Error("attribute " + where + " is implausibly large");
    std::vector<char*> strings(count, nullptr);
    h5_check(H5Aread(attribute, memory.get(), strings.data()), "reading attribute " + where);
    for (char* s : strings) H5free_memory(s);
    return;
  }
  const H5Id memory(H5Tget_native_type(type.get(), H5T_DIR_DEFAULT), "native type of attribute " + where);
  const size_t size = H5Tget_size(memory.get());
  if (size == 0 || count > kMaxAttributeBytes / size) throw srm::Hdf5Error("attribute " + where + " is implausibly large");
  std::vector<unsigned char> buffer(count * size);
  h5_check(H5Aread(attribute, memory.get(), buffer.data()), "reading attribute " + where);
}

herr_t visit_attribute(hid_t location, const char* name, const H5A_info_t*, void* data) {
  auto& state = *static_cast<ProbeState*>(data);
  try {
    const H5Id attribute(H5Aopen(location, name, H5P_DEFAULT), std::string("opening attribute ") + name);
    read_attribute(attribute.get(), name);
    return 0;
  } catch (const std::exception& e) {
    state.failure = e.what();
    return -1;
  }
}

void read_attributes(hid_t object, const std::string& where, ProbeState& state) {
  hsize_t index = 0;
  if (H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, visit_attribute, &state) < 0)
    throw srm::Hdf5Error(state.failure.empty() ? "listing the attributes of " + where
                                               : state.failure + " (on " + where + ")");
}

// Counting the chunks walks the whole chunk index once (H5Dget_chunk_info per chunk would walk
// it from the start each time: quadratic in a one-image-per-chunk set of 200,000 images).
void walk_chunk_index(hid_t dataset, const std::string& where) {
  hsize_t chunks = 0;
  h5_check(H5Dget_num_chunks(dataset, H5S_ALL, &chunks), "reading the chunk index of " + where);
}

// Reads the values slab by slab along the first axis (bounded memory).
void read_values(hid_t dataset, hid_t memory_type, hid_t space, const std::string& where) {
  const int rank = H5Sget_simple_extent_ndims(space);
  const size_t size = H5Tget_size(memory_type);
  if (rank <= 0) {
    std::vector<unsigned char> buffer(size);
    h5_check(H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), "reading " + where);
    return;
  }
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  h5_check(H5Sget_simple_extent_dims(space, dims.data(), nullptr), "dims of " + where);
  uint64_t row_bytes = size;
  for (int i = 1; i < rank; ++i) row_bytes *= dims[static_cast<size_t>(i)];
  if (row_bytes == 0 || dims[0] == 0) return;
  const hsize_t rows_per_slab = std::max<hsize_t>(1, kSlabBytes / row_bytes);
  std::vector<unsigned char> buffer(std::min<uint64_t>(rows_per_slab, dims[0]) * row_bytes);
  for (hsize_t first = 0; first < dims[0]; first += rows_per_slab) {
    std::vector<hsize_t> start(dims.size(), 0), count = dims;
    start[0] = first;
    count[0] = std::min<hsize_t>(rows_per_slab, dims[0] - first);
    const H5Id file_space(H5Scopy(space), "H5Scopy");
    h5_check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
             "selecting rows of " + where);
    const H5Id memory_space(H5Screate_simple(rank, count.data(), nullptr), "H5Screate_simple");
    h5_check(H5Dread(dataset, memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, buffer.data()),
             "reading " + where + " (checksum or storage error)");
  }
}

void probe_dataset(hid_t dataset, const std::string& where, ProbeState& state) {
  const H5Id type(H5Dget_type(dataset), "type of " + where);
  const H5Id space(H5Dget_space(dataset), "dataspace of " + where);
  const H5Id creation(H5Dget_create_plist(dataset), "creation properties of " + where);
  const bool chunked = H5Pget_layout(creation.get()) == H5D_CHUNKED;
  const bool variable = H5Tdetect_class(type.get(), H5T_VLEN) > 0 ||
                        (H5Tget_class(type.get()) == H5T_STRING && H5Tis_variable_str(type.get()) > 0);
  const H5Id memory(H5Tget_native_type(type.get(), H5T_DIR_DEFAULT), "native type of " + where);
  const uint64_t count = element_count(space.get());
  const size_t size = H5Tget_size(memory.get());
  const uint64_t bytes = size == 0 || count > UINT64_MAX / size ? UINT64_MAX : count * size;
  if (!variable && bytes <= state.data_budget) {
    state.data_budget -= bytes;
    read_values(dataset, memory.get(), space.get(), where);
  } else if (chunked) {
    walk_chunk_index(dataset, where);
  }
}

herr_t visit_link(hid_t group, const char* name, const H5L_info_t* info, void* data) {
  auto& state = *static_cast<ProbeState*>(data);
  if (info->type != H5L_TYPE_HARD) return 0;  // soft and external links are not followed
  try {
    const H5Id object(H5Oopen(group, name, H5P_DEFAULT), std::string("opening ") + name);
    read_attributes(object.get(), name, state);
    if (H5Iget_type(object.get()) == H5I_DATASET) probe_dataset(object.get(), name, state);
    return 0;
  } catch (const std::exception& e) {
    state.failure = e.what();
    return -1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: srm-h5probe FILE [DATA_BUDGET_BYTES]\n");
    return 2;
  }
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  ProbeState state{argc == 3 ? std::strtoull(argv[2], nullptr, 10) : uint64_t{256} << 20, {}};
  try {
    const H5Id access = srm::unlocked_file_access();
    const H5Id file(H5Fopen(argv[1], H5F_ACC_RDONLY, access.get()), "not an HDF5 file, or its superblock is damaged");
    read_attributes(file.get(), "/", state);
    if (H5Lvisit(file.get(), H5_INDEX_NAME, H5_ITER_INC, visit_link, &state) < 0)
      throw srm::Hdf5Error(state.failure.empty() ? "walking the file's groups" : state.failure);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 3;
  }
  return 0;
}
