// Small typed helpers over the HDF5 C API shared by the run archive and checkpoint files:
// opening files without locking, string / int64 attributes, float32 datasets (optionally
// chunked with a Fletcher-32 checksum so corruption is detected on read), uint8 matrices, and
// listing a group's members. Errors are Hdf5Error with the object's name.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "io/hdf5_handle.h"

namespace srm {

// H5Fopen with locking off and HDF5's own error printing silenced; `what` names the file in errors.
H5Id open_hdf5_file(const std::string& path, unsigned mode, const std::string& what);
H5Id create_hdf5_file(const std::string& path, const std::string& what);

void write_string_attribute(hid_t location, const std::string& name, const std::string& value);
std::string read_string_attribute(hid_t location, const std::string& name);
// One value is stored as a scalar attribute, several as a 1-D array.
void write_int_attribute(hid_t location, const std::string& name, const std::vector<int64_t>& values);
std::vector<int64_t> read_int_attribute(hid_t location, const std::string& name);
bool has_attribute(hid_t location, const std::string& name);

// float32 dataset of the tensor's shape. `checksummed`: chunked with the Fletcher-32 filter
// (0-d tensors are stored without it, HDF5 cannot chunk scalars).
void write_float_dataset(hid_t location, const std::string& name, const at::Tensor& tensor, bool checksummed);
at::Tensor read_float_dataset(hid_t location, const std::string& name);
// uint8 (rows, cols) dataset, chunked with Fletcher-32.
void write_byte_matrix(hid_t location, const std::string& name, const at::Tensor& matrix);
at::Tensor read_byte_matrix(hid_t location, const std::string& name);

// The provenance every srm-dist file starts with: format, srm_dist_version, config, created_utc.
void write_header_attributes(hid_t file, const std::string& format, const std::string& version,
                             const std::string& config_yaml);

H5Id create_group(hid_t location, const std::string& name);
H5Id open_group(hid_t location, const std::string& name);
bool link_exists(hid_t location, const std::string& name);
// Member names of a group, in name order.
std::vector<std::string> group_members(hid_t location, const std::string& group);

// "2026-11-24T17:30:11Z"
std::string utc_timestamp();

}  // namespace srm
