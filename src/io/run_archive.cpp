// HDF5 run archive (see run_archive.h). Every public call opens the file, does its work and
// closes it again, so the file is consistent and unlocked between calls.
#include "io/run_archive.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <filesystem>

#include "io/hdf5_append.h"
#include "io/hdf5_handle.h"

namespace srm {
namespace {

constexpr const char* kFormat = "srm-dist-archive/1";

H5Id open_file(const std::string& path, unsigned mode) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const H5Id fapl = unlocked_file_access();
  return H5Id(H5Fopen(path.c_str(), mode, fapl.get()),
              fmt::format("opening archive \"{}\"", path));
}

H5Id utf8_string_type() {
  H5Id type(H5Tcopy(H5T_C_S1), "H5Tcopy");
  h5_check(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size");
  h5_check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
  return type;
}

void write_string_attribute(hid_t location, const std::string& name, const std::string& value) {
  const H5Id type = utf8_string_type();
  const H5Id space(H5Screate(H5S_SCALAR), "H5Screate");
  const H5Id attr(H5Acreate2(location, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                  "creating attribute " + name);
  const char* text = value.c_str();
  h5_check(H5Awrite(attr.get(), type.get(), &text), "writing attribute " + name);
}

void write_int_attribute(hid_t location, const std::string& name, const std::vector<int64_t>& values) {
  const hsize_t n = values.size();
  const H5Id space = n == 1 ? H5Id(H5Screate(H5S_SCALAR), "H5Screate")
                            : H5Id(H5Screate_simple(1, &n, nullptr), "H5Screate_simple");
  const H5Id attr(H5Acreate2(location, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                  "creating attribute " + name);
  h5_check(H5Awrite(attr.get(), H5T_NATIVE_INT64, values.data()), "writing attribute " + name);
}

H5Id metrics_type() {
  H5Id type(H5Tcreate(H5T_COMPOUND, sizeof(IterationMetrics)), "H5Tcreate");
#define SRM_FIELD(f, t) h5_check(H5Tinsert(type.get(), #f, HOFFSET(IterationMetrics, f), t), "H5Tinsert " #f)
  SRM_FIELD(iteration, H5T_NATIVE_INT64);
  SRM_FIELD(loss, H5T_NATIVE_DOUBLE);
  SRM_FIELD(energy_data, H5T_NATIVE_DOUBLE);
  SRM_FIELD(energy_samples, H5T_NATIVE_DOUBLE);
  SRM_FIELD(energy_diff, H5T_NATIVE_DOUBLE);
  SRM_FIELD(chain_grad_norm, H5T_NATIVE_DOUBLE);
  SRM_FIELD(param_grad_norm, H5T_NATIVE_DOUBLE);
  SRM_FIELD(lr, H5T_NATIVE_DOUBLE);
  SRM_FIELD(data_noise, H5T_NATIVE_DOUBLE);
  SRM_FIELD(seconds, H5T_NATIVE_DOUBLE);
#undef SRM_FIELD
  return type;
}

std::vector<hsize_t> shape_of(const at::Tensor& t, int skip) {
  std::vector<hsize_t> dims;
  for (int i = skip; i < t.dim(); ++i) dims.push_back(static_cast<hsize_t>(t.size(i)));
  return dims;
}

std::string checkpoint_group(int64_t iteration) {
  return fmt::format("checkpoints/iter_{:08d}", iteration);
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

at::Tensor read_float_dataset(hid_t location, const std::string& name) {
  const H5Id dataset(H5Dopen2(location, name.c_str(), H5P_DEFAULT), "opening " + name);
  const H5Id space(H5Dget_space(dataset.get()), "H5Dget_space");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  at::Tensor out = at::empty(std::vector<int64_t>(dims.begin(), dims.end()), at::kFloat);
  h5_check(H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data_ptr()),
           "reading " + name);
  return out;
}

std::vector<std::string> group_members(hid_t file, const std::string& group) {
  const H5Id g(H5Gopen2(file, group.c_str(), H5P_DEFAULT), "opening group " + group);
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

}  // namespace

RunArchive RunArchive::create(const std::string& path, const ArchiveHeader& header) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const H5Id fapl = unlocked_file_access();
  const H5Id file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
                  fmt::format("creating archive \"{}\"", path));
  write_string_attribute(file.get(), "format", kFormat);
  write_string_attribute(file.get(), "srm_dist_version", header.version);
  write_string_attribute(file.get(), "config", header.config_yaml);
  write_string_attribute(file.get(), "created_utc", utc_now());
  write_int_attribute(file.get(), "world_size", {header.world_size});
  write_int_attribute(file.get(), "example_shape", header.example_shape);
  for (const char* group : {"samples", "checkpoints"})
    H5Id(H5Gcreate2(file.get(), group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "creating group");
  return RunArchive(path);
}

void RunArchive::append_samples(int64_t iteration, const at::Tensor& samples) const {
  const at::Tensor cpu = samples.detach().to(at::kCPU, at::kFloat).contiguous();
  const H5Id file = open_file(path_, H5F_ACC_RDWR);
  append_rows(file.get(), "samples/images", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, shape_of(cpu, 0),
              cpu.data_ptr(), 1, 1, true);
  append_rows(file.get(), "samples/iteration", H5T_STD_I64LE, H5T_NATIVE_INT64, {}, &iteration, 1,
              256, false);
}

void RunArchive::append_metrics(const std::vector<IterationMetrics>& rows) const {
  if (rows.empty()) return;
  const H5Id file = open_file(path_, H5F_ACC_RDWR);
  const H5Id type = metrics_type();
  append_rows(file.get(), "metrics", type.get(), type.get(), {}, rows.data(), rows.size(), 256, false);
}

void RunArchive::write_checkpoint(int64_t iteration, const NamedTensors& parameters) const {
  const H5Id file = open_file(path_, H5F_ACC_RDWR);
  const std::string name = checkpoint_group(iteration);
  if (H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) > 0)
    h5_check(H5Ldelete(file.get(), name.c_str(), H5P_DEFAULT), "replacing " + name);
  const H5Id group(H5Gcreate2(file.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                   "creating " + name);
  write_int_attribute(group.get(), "iteration", {iteration});
  for (const auto& [key, tensor] : parameters) {
    const at::Tensor cpu = tensor.detach().to(at::kCPU, at::kFloat).contiguous();
    auto dims = shape_of(cpu, 0);
    const H5Id space = dims.empty() ? H5Id(H5Screate(H5S_SCALAR), "H5Screate")
                                    : H5Id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                                           "H5Screate_simple");
    const H5Id dataset(H5Dcreate2(group.get(), key.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                                  H5P_DEFAULT, H5P_DEFAULT), "creating " + name + "/" + key);
    h5_check(H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, cpu.data_ptr()),
             "writing " + key);
  }
}

int64_t archive_sample_batches(const std::string& path) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  if (H5Lexists(file.get(), "samples/iteration", H5P_DEFAULT) <= 0) return 0;
  const H5Id dataset(H5Dopen2(file.get(), "samples/iteration", H5P_DEFAULT), "opening samples/iteration");
  const H5Id space(H5Dget_space(dataset.get()), "H5Dget_space");
  return H5Sget_simple_extent_npoints(space.get());
}

at::Tensor archive_read_sample_batch(const std::string& path, int64_t index) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  const H5Id dataset(H5Dopen2(file.get(), "samples/images", H5P_DEFAULT), "opening samples/images");
  const H5Id space(H5Dget_space(dataset.get()), "H5Dget_space");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  if (index < 0 || static_cast<hsize_t>(index) >= dims[0])
    throw Hdf5Error(fmt::format("\"{}\": sample batch {} out of range [0, {})", path, index, dims[0]));
  std::vector<hsize_t> start(rank, 0), count = dims;
  start[0] = static_cast<hsize_t>(index);
  count[0] = 1;
  h5_check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
           "H5Sselect_hyperslab");
  const H5Id memory(H5Screate_simple(rank, count.data(), nullptr), "H5Screate_simple");
  at::Tensor out = at::empty(std::vector<int64_t>(dims.begin() + 1, dims.end()), at::kFloat);
  h5_check(H5Dread(dataset.get(), H5T_NATIVE_FLOAT, memory.get(), space.get(), H5P_DEFAULT, out.data_ptr()),
           "reading samples/images");
  return out;
}

std::vector<IterationMetrics> archive_read_metrics(const std::string& path) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  if (H5Lexists(file.get(), "metrics", H5P_DEFAULT) <= 0) return {};
  const H5Id dataset(H5Dopen2(file.get(), "metrics", H5P_DEFAULT), "opening metrics");
  const H5Id space(H5Dget_space(dataset.get()), "H5Dget_space");
  std::vector<IterationMetrics> rows(static_cast<size_t>(H5Sget_simple_extent_npoints(space.get())));
  const H5Id type = metrics_type();
  if (!rows.empty())
    h5_check(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), "reading metrics");
  return rows;
}

std::vector<int64_t> archive_checkpoint_iterations(const std::string& path) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  std::vector<int64_t> iterations;
  for (const auto& name : group_members(file.get(), "checkpoints"))
    if (name.rfind("iter_", 0) == 0) iterations.push_back(std::stoll(name.substr(5)));
  return iterations;
}

NamedTensors archive_read_checkpoint(const std::string& path, int64_t iteration) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  const std::string group = checkpoint_group(iteration);
  if (H5Lexists(file.get(), group.c_str(), H5P_DEFAULT) <= 0)
    throw Hdf5Error(fmt::format("\"{}\" has no checkpoint at iteration {}", path, iteration));
  const H5Id g(H5Gopen2(file.get(), group.c_str(), H5P_DEFAULT), "opening " + group);
  NamedTensors out;
  for (const auto& name : group_members(file.get(), group))
    out.emplace_back(name, read_float_dataset(g.get(), name));
  return out;
}

std::string archive_string_attribute(const std::string& path, const std::string& name) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  const H5Id attr(H5Aopen(file.get(), name.c_str(), H5P_DEFAULT), "opening attribute " + name);
  const H5Id type = utf8_string_type();
  char* text = nullptr;
  h5_check(H5Aread(attr.get(), type.get(), &text), "reading attribute " + name);
  std::string value = text ? text : "";
  H5free_memory(text);
  return value;
}

}  // namespace srm
