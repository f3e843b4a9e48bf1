// HDF5 helpers (see hdf5_objects.h).
#include "io/hdf5_objects.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>

namespace srm {
namespace {

H5Id utf8_string_type() {
  H5Id type(H5Tcopy(H5T_C_S1), "H5Tcopy");
  h5_check(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size");
  h5_check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
  return type;
}

H5Id simple_space(const std::vector<hsize_t>& dims) {
  if (dims.empty()) return H5Id(H5Screate(H5S_SCALAR), "H5Screate");
  return H5Id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "H5Screate_simple");
}

// Chunked (whole dataset in one chunk, capped at 2^20 elements along the first axis) with Fletcher-32.
H5Id checksummed_creation(const std::vector<hsize_t>& dims) {
  H5Id dcpl(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate(dataset create)");
  if (dims.empty()) return dcpl;
  std::vector<hsize_t> chunk = dims;
  hsize_t inner = 1;
  for (size_t i = 1; i < chunk.size(); ++i) inner *= std::max<hsize_t>(chunk[i], 1);
  chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(std::max<hsize_t>(chunk[0], 1), (hsize_t{1} << 20) / inner));
  for (auto& c : chunk) c = std::max<hsize_t>(c, 1);
  h5_check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), "H5Pset_chunk");
  h5_check(H5Pset_fletcher32(dcpl.get()), "H5Pset_fletcher32");
  return dcpl;
}

std::vector<hsize_t> dataset_dims(hid_t dataset) {
  const H5Id space(H5Dget_space(dataset), "H5Dget_space");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

}  // namespace

H5Id open_hdf5_file(const std::string& path, unsigned mode, const std::string& what) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const H5Id fapl = unlocked_file_access();
  return H5Id(H5Fopen(path.c_str(), mode, fapl.get()), fmt::format("opening {} \"{}\"", what, path));
}

H5Id create_hdf5_file(const std::string& path, const std::string& what) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const H5Id fapl = unlocked_file_access();
  return H5Id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
              fmt::format("creating {} \"{}\"", what, path));
}

void write_string_attribute(hid_t location, const std::string& name, const std::string& value) {
  if (has_attribute(location, name)) h5_check(H5Adelete(location, name.c_str()), "replacing attribute " + name);
  const H5Id type = utf8_string_type();
  const H5Id space(H5Screate(H5S_SCALAR), "H5Screate");
  const H5Id attr(H5Acreate2(location, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                  "creating attribute " + name);
  const char* text = value.c_str();
  h5_check(H5Awrite(attr.get(), type.get(), &text), "writing attribute " + name);
}

std::string read_string_attribute(hid_t location, const std::string& name) {
  const H5Id attr(H5Aopen(location, name.c_str(), H5P_DEFAULT), "opening attribute " + name);
  const H5Id type = utf8_string_type();
  char* text = nullptr;
  h5_check(H5Aread(attr.get(), type.get(), &text), "reading attribute " + name);
  std::string value = text ? text : "";
  H5free_memory(text);
  return value;
}

void write_int_attribute(hid_t location, const std::string& name, const std::vector<int64_t>& values) {
  if (has_attribute(location, name)) h5_check(H5Adelete(location, name.c_str()), "replacing attribute " + name);
  const H5Id space = values.size() == 1 ? simple_space({}) : simple_space({values.size()});
  const H5Id attr(H5Acreate2(location, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                  "creating attribute " + name);
  h5_check(H5Awrite(attr.get(), H5T_NATIVE_INT64, values.data()), "writing attribute " + name);
}

std::vector<int64_t> read_int_attribute(hid_t location, const std::string& name) {
  const H5Id attr(H5Aopen(location, name.c_str(), H5P_DEFAULT), "opening attribute " + name);
  const H5Id space(H5Aget_space(attr.get()), "H5Aget_space");
  std::vector<int64_t> values(static_cast<size_t>(std::max<hssize_t>(H5Sget_simple_extent_npoints(space.get()), 0)));
  if (!values.empty()) h5_check(H5Aread(attr.get(), H5T_NATIVE_INT64, values.data()), "reading attribute " + name);
  return values;
}

bool has_attribute(hid_t location, const std::string& name) {
  return H5Aexists(location, name.c_str()) > 0;
}

namespace {

// One dataset of `tensor` (already CPU, contiguous, of memory_type's element type).
void write_dataset(hid_t location, const std::string& name, const at::Tensor& cpu, hid_t file_type,
                   hid_t memory_type, bool checksummed) {
  const std::vector<hsize_t> dims(cpu.sizes().begin(), cpu.sizes().end());
  const H5Id space = simple_space(dims);
  const H5Id dcpl = checksummed ? checksummed_creation(dims) : H5Id(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate");
  const H5Id dataset(H5Dcreate2(location, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                     "creating dataset " + name);
  h5_check(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, cpu.data_ptr()),
           "writing dataset " + name);
}

at::Tensor read_dataset(hid_t location, const std::string& name, at::ScalarType type, hid_t memory_type) {
  const H5Id dataset(H5Dopen2(location, name.c_str(), H5P_DEFAULT), "opening dataset " + name);
  const auto dims = dataset_dims(dataset.get());
  // A damaged dataspace can promise billions of values: what the dataset stores bounds what it
  // can hold (gzip's largest ratio is about 1000:1), checked before anything is allocated.
  double values = 1;
  for (hsize_t d : dims) values *= static_cast<double>(d);
  const double stored = static_cast<double>(H5Dget_storage_size(dataset.get()));
  if (values * static_cast<double>(at::elementSize(type)) > std::max(stored * 1100.0, double(1 << 20)))
    throw Hdf5Error(fmt::format("dataset {} claims {:.0f} values but stores {:.0f} bytes: damaged", name, values, stored));
  at::Tensor out = at::empty(std::vector<int64_t>(dims.begin(), dims.end()), type);
  h5_check(H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data_ptr()),
           "reading dataset " + name + " (checksum or storage error)");
  return out;
}

}  // namespace

void write_float_dataset(hid_t location, const std::string& name, const at::Tensor& tensor, bool checksummed) {
  write_dataset(location, name, tensor.detach().to(at::kCPU, at::kFloat).contiguous(), H5T_IEEE_F32LE,
                H5T_NATIVE_FLOAT, checksummed);
}

at::Tensor read_float_dataset(hid_t location, const std::string& name) {
  return read_dataset(location, name, at::kFloat, H5T_NATIVE_FLOAT);
}

void write_byte_matrix(hid_t location, const std::string& name, const at::Tensor& matrix) {
  write_dataset(location, name, matrix.detach().to(at::kCPU, at::kByte).contiguous(), H5T_STD_U8LE, H5T_NATIVE_UINT8,
                true);
}

at::Tensor read_byte_matrix(hid_t location, const std::string& name) {
  return read_dataset(location, name, at::kByte, H5T_NATIVE_UINT8);
}

void write_header_attributes(hid_t file, const std::string& format, const std::string& version,
                             const std::string& config_yaml) {
  write_string_attribute(file, "format", format);
  write_string_attribute(file, "srm_dist_version", version);
  write_string_attribute(file, "config", config_yaml);
  write_string_attribute(file, "created_utc", utc_timestamp());
}

H5Id create_group(hid_t location, const std::string& name) {
  return H5Id(H5Gcreate2(location, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "creating group " + name);
}

H5Id open_group(hid_t location, const std::string& name) {
  return H5Id(H5Gopen2(location, name.c_str(), H5P_DEFAULT), "opening group " + name);
}

bool link_exists(hid_t location, const std::string& name) {
  return H5Lexists(location, name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> group_members(hid_t location, const std::string& group) {
  const H5Id g = open_group(location, group);
  H5G_info_t info;
  h5_check(H5Gget_info(g.get(), &info), "H5Gget_info");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    std::string name(static_cast<size_t>(h5_check(len, "H5Lget_name_by_idx")), '\0');
    H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1, H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

std::string utc_timestamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace srm
