// HDF5 run archive (see run_archive.h). Every public call opens the file, does its work and
// closes it again, so the file is consistent and unlocked between calls.
#include "io/run_archive.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "io/evaluation_table.h"
#include "io/hdf5_append.h"
#include "io/hdf5_objects.h"
#include "io/longrun_table.h"

namespace srm {
namespace {

constexpr const char* kFormat = "srm-dist-archive/1";
constexpr const char* kEmaGroup = "ema";  // in a snapshot group, beside the parameters

H5Id open_file(const std::string& path, unsigned mode) { return open_hdf5_file(path, mode, "archive"); }

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
  SRM_FIELD(samples_abs_max, H5T_NATIVE_DOUBLE);
  SRM_FIELD(grad_clipped, H5T_NATIVE_DOUBLE);
  SRM_FIELD(accept_rate, H5T_NATIVE_DOUBLE);
#undef SRM_FIELD
  return type;
}

std::vector<hsize_t> shape_of(const at::Tensor& t) {
  return std::vector<hsize_t>(t.sizes().begin(), t.sizes().end());
}

// Removes the rows and snapshots of iterations after `iteration`.
void trim_after(hid_t file, const std::string& path, int64_t iteration);

std::string checkpoint_group(int64_t iteration) {
  return fmt::format("checkpoints/iter_{:08d}", iteration);
}

// Number of leading rows of a 1-D int64 dataset (or a compound whose first field is the
// int64 iteration) with iteration <= last; rows are in increasing iteration order.
hsize_t rows_up_to(const std::vector<int64_t>& iterations, int64_t last) {
  hsize_t n = 0;
  while (n < iterations.size() && iterations[n] <= last) ++n;
  return n;
}


std::vector<int64_t> read_int64_rows(hid_t file, const std::string& name) {
  if (!link_exists(file, name)) return {};
  const H5Id dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "opening " + name);
  const H5Id space(H5Dget_space(dataset.get()), "H5Dget_space");
  std::vector<int64_t> rows(static_cast<size_t>(H5Sget_simple_extent_npoints(space.get())));
  if (!rows.empty())
    h5_check(H5Dread(dataset.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), "reading " + name);
  return rows;
}

}  // namespace

RunArchive RunArchive::create(const std::string& path, const ArchiveHeader& header) {
  const H5Id file = create_hdf5_file(path, "archive");
  write_header_attributes(file.get(), kFormat, header.version, header.config_yaml);
  write_int_attribute(file.get(), "world_size", {header.world_size});
  write_int_attribute(file.get(), "example_shape", header.example_shape);
  for (const char* group : {"samples", "checkpoints"}) create_group(file.get(), group);
  if (!header.sample_init.empty()) {
    const H5Id samples = open_group(file.get(), "samples");
    write_string_attribute(samples.get(), "init", header.sample_init);
  }
  return RunArchive(path);
}

void RunArchive::append_samples(int64_t iteration, const at::Tensor& samples) const {
  const at::Tensor cpu = samples.detach().to(at::kCPU, at::kFloat).contiguous();
  const H5Id file = open_file(path_, H5F_ACC_RDWR);
  append_rows(file.get(), "samples/images", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, shape_of(cpu),
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

void RunArchive::write_checkpoint(int64_t iteration, const NamedTensors& parameters, const NamedTensors& ema) const {
  const H5Id file = open_file(path_, H5F_ACC_RDWR);
  const std::string name = checkpoint_group(iteration);
  if (link_exists(file.get(), name)) h5_check(H5Ldelete(file.get(), name.c_str(), H5P_DEFAULT), "replacing " + name);
  const H5Id group = create_group(file.get(), name);
  write_int_attribute(group.get(), "iteration", {iteration});
  for (const auto& [key, tensor] : parameters) write_float_dataset(group.get(), key, tensor, false);
  if (ema.empty()) return;
  const H5Id averaged = create_group(file.get(), name + "/" + kEmaGroup);
  for (const auto& [key, tensor] : ema) write_float_dataset(averaged.get(), key, tensor, false);
}

void RunArchive::append_evaluation(const EvaluationRecord& record) const {
  const H5Id file = open_file(path_, H5F_ACC_RDWR);
  srm::append_evaluation(file.get(), record);
}

void RunArchive::append_longrun(const LongrunRow& row) const {
  const H5Id file = open_file(path_, H5F_ACC_RDWR);
  srm::append_longrun(file.get(), row);
}

std::vector<LongrunRow> archive_read_longruns(const std::string& path) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  return read_longrun_rows(file.get());
}

std::vector<EvaluationRow> archive_read_evaluations(const std::string& path) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  return read_evaluation_rows(file.get());
}

RunArchive RunArchive::reopen_for_resume(const std::string& path, int64_t iteration, const std::string& config_yaml) {
  {
    const H5Id file = open_file(path, H5F_ACC_RDWR);
    const auto format = read_string_attribute(file.get(), "format");
    if (format != kFormat)
      throw Hdf5Error(fmt::format("\"{}\" is not an srm-dist archive (format \"{}\", expected \"{}\")", path,
                                  format, kFormat));
    trim_after(file.get(), path, iteration);
    trim_rewind_rows(file.get(), iteration);
    std::vector<int64_t> resumes;
    if (has_attribute(file.get(), "resumed_at")) resumes = read_int_attribute(file.get(), "resumed_at");
    resumes.push_back(iteration);
    write_int_attribute(file.get(), "resumed_at", resumes);
    if (!config_yaml.empty())
      write_string_attribute(file.get(), fmt::format("config_resumed_at_{}", iteration), config_yaml);
  }
  return RunArchive(path);
}

int64_t archive_sample_batches(const std::string& path) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  return static_cast<int64_t>(read_int64_rows(file.get(), "samples/iteration").size());
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
  if (!link_exists(file.get(), "metrics")) return {};
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

namespace {

void trim_after(hid_t file, const std::string& path, int64_t iteration) {
  const hsize_t batches = rows_up_to(read_int64_rows(file, "samples/iteration"), iteration);
  shrink_rows(file, "samples/iteration", batches);
  shrink_rows(file, "samples/images", batches);
  std::vector<int64_t> metric_iterations;
  for (const auto& row : archive_read_metrics(path)) metric_iterations.push_back(row.iteration);
  shrink_rows(file, "metrics", rows_up_to(metric_iterations, iteration));
  trim_evaluation_rows(file, iteration);
  trim_longrun_rows(file, iteration);
  for (const auto& name : group_members(file, "checkpoints"))
    if (name.rfind("iter_", 0) == 0 && std::stoll(name.substr(5)) > iteration)
      h5_check(H5Ldelete(file, ("checkpoints/" + name).c_str(), H5P_DEFAULT), "removing checkpoints/" + name);
}

// The datasets of a snapshot group (`iteration`'s, or its ema subgroup), in HDF5's name order.
NamedTensors read_snapshot(const std::string& path, int64_t iteration, bool ema) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  const std::string snapshot = checkpoint_group(iteration);
  if (!link_exists(file.get(), snapshot))
    throw Hdf5Error(fmt::format("\"{}\" has no checkpoint at iteration {}", path, iteration));
  const std::string group = ema ? snapshot + "/" + kEmaGroup : snapshot;
  NamedTensors out;
  if (!link_exists(file.get(), group)) return out;
  const H5Id g = open_group(file.get(), group);
  for (const auto& name : group_members(file.get(), group))
    if (name != kEmaGroup) out.emplace_back(name, read_float_dataset(g.get(), name));
  return out;
}

}  // namespace

void RunArchive::rewind(const RewindRow& row) const {
  const H5Id file = open_file(path_, H5F_ACC_RDWR);
  trim_after(file.get(), path_, row.rewound_to);
  append_rewind(file.get(), row);
}

NamedTensors archive_read_checkpoint(const std::string& path, int64_t iteration) {
  return read_snapshot(path, iteration, false);
}

NamedTensors archive_read_ema(const std::string& path, int64_t iteration) { return read_snapshot(path, iteration, true); }

std::vector<RewindRow> archive_read_rewinds(const std::string& path) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  return read_rewind_rows(file.get());
}

std::vector<int64_t> archive_sample_iterations(const std::string& path) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  return read_int64_rows(file.get(), "samples/iteration");
}

std::string archive_string_attribute(const std::string& path, const std::string& name) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  return read_string_attribute(file.get(), name);
}

std::vector<int64_t> archive_int_attribute(const std::string& path, const std::string& name) {
  const H5Id file = open_file(path, H5F_ACC_RDONLY);
  if (!has_attribute(file.get(), name)) return {};
  return read_int_attribute(file.get(), name);
}

}  // namespace srm
