// Checkpoint file reading and writing (see checkpoint_file.h).
#include "checkpoint/checkpoint_file.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "integrity/checksum_sidecar.h"
#include "integrity/hdf5_probe.h"
#include "io/hdf5_objects.h"

namespace srm {
namespace {

constexpr const char* kFormat = "srm-dist-checkpoint/1";

int64_t single_int(hid_t location, const std::string& name) {
  const auto values = read_int_attribute(location, name);
  if (values.size() != 1) throw Hdf5Error("attribute " + name + " is not a single integer");
  return values[0];
}

TrainingCheckpoint read_unchecked(const std::string& path) {
  const H5Id file = open_hdf5_file(path, H5F_ACC_RDONLY, "checkpoint");
  if (!has_attribute(file.get(), "format") || read_string_attribute(file.get(), "format") != kFormat)
    throw CheckpointError(fmt::format("\"{}\" is an HDF5 file but not an srm-dist checkpoint (no format \"{}\")",
                                      path, kFormat));
  TrainingCheckpoint c;
  c.version = read_string_attribute(file.get(), "srm_dist_version");
  c.config_yaml = read_string_attribute(file.get(), "config");
  c.iteration = single_int(file.get(), "iteration");
  c.world_size = static_cast<int>(single_int(file.get(), "world_size"));
  c.epoch = single_int(file.get(), "epoch");
  c.batch_in_epoch = single_int(file.get(), "batch_in_epoch");
  const std::vector<int64_t> order = read_int_attribute(file.get(), "parameter_order");
  const auto names = group_members(file.get(), "parameters");
  // HDF5 lists members by name; the attribute restores named_parameters() order.
  if (order.size() != names.size()) throw CheckpointError(fmt::format("\"{}\": parameter_order does not match /parameters", path));
  std::vector<std::string> ordered(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    if (order[i] < 0 || static_cast<size_t>(order[i]) >= names.size())
      throw CheckpointError(fmt::format("\"{}\": parameter_order out of range", path));
    ordered[static_cast<size_t>(order[i])] = names[i];
  }
  const H5Id parameters = open_group(file.get(), "parameters");
  for (const auto& name : ordered) c.parameters.emplace_back(name, read_float_dataset(parameters.get(), name));
  if (link_exists(file.get(), "adam")) {
    const H5Id avg = open_group(file.get(), "adam/exp_avg");
    const H5Id avg_sq = open_group(file.get(), "adam/exp_avg_sq");
    for (const auto& name : ordered) {
      AdamMoments m;
      m.exp_avg = read_float_dataset(avg.get(), name);
      m.exp_avg_sq = read_float_dataset(avg_sq.get(), name);
      const H5Id dataset(H5Dopen2(avg.get(), name.c_str(), H5P_DEFAULT), "opening adam/exp_avg/" + name);
      m.step = single_int(dataset.get(), "step");
      c.adam.push_back(std::move(m));
    }
  }
  if (link_exists(file.get(), "buffers")) {
    const H5Id buffers = open_group(file.get(), "buffers");
    for (const auto& name : group_members(file.get(), "buffers"))
      c.buffers.emplace_back(name, read_float_dataset(buffers.get(), name));
  }
  if (link_exists(file.get(), "ema")) {
    // The average's order (trainer/weight_average.h): the parameters, then each normalised
    // weight's own u and v.
    const H5Id ema = open_group(file.get(), "ema");
    for (const auto& name : ordered) c.ema.emplace_back(name, read_float_dataset(ema.get(), name));
    for (const auto& name : ordered)
      if (link_exists(ema.get(), name + "_u") && link_exists(ema.get(), name + "_v"))
        for (const char* suffix : {"_u", "_v"}) c.ema.emplace_back(name + suffix, read_float_dataset(ema.get(), name + suffix));
  }
  if (link_exists(file.get(), "sampler") && link_exists(file.get(), "sampler/buffer_states")) {
    const H5Id sampler = open_group(file.get(), "sampler");
    const int64_t ranks = single_int(sampler.get(), "ranks");
    const at::Tensor states = read_float_dataset(file.get(), "sampler/buffer_states");
    const at::Tensor ages = read_float_dataset(file.get(), "sampler/buffer_ages");
    if (ranks < 1 || states.dim() < 2 || ages.dim() != 1 || ages.size(0) != states.size(0) || states.size(0) % ranks != 0)
      throw CheckpointError(fmt::format("\"{}\": sampler/buffer_states, buffer_ages and their ranks attribute do not "
                                        "agree", path));
    std::vector<int64_t> shape{ranks, states.size(0) / ranks};
    shape.insert(shape.end(), states.sizes().begin() + 1, states.sizes().end());
    c.buffer_states = states.reshape(shape);
    c.buffer_ages = ages.reshape({ranks, states.size(0) / ranks});
  }
  c.anneal_horizon = has_attribute(file.get(), "anneal_horizon") ? single_int(file.get(), "anneal_horizon") : 0;
  if (has_attribute(file.get(), "rewinds")) {
    c.rewinds = single_int(file.get(), "rewinds");
    c.data_skip = single_int(file.get(), "data_skip");
    const std::string scale = read_string_attribute(file.get(), "lr_scale");
    char* end = nullptr;
    c.lr_scale = std::strtod(scale.c_str(), &end);
    if (end == scale.c_str() || *end != '\0' || !(c.lr_scale > 0))
      throw CheckpointError(fmt::format("\"{}\": lr_scale \"{}\" is not a positive number", path, scale));
  }
  c.rng_states = read_byte_matrix(file.get(), "rng/states");
  const H5Id rng = open_group(file.get(), "rng");
  // Checkpoints older than the attribute: a 16-byte state is CUDA's Philox, else mt19937.
  c.rng_device_type = has_attribute(rng.get(), "device_type") ? read_string_attribute(rng.get(), "device_type")
                      : c.rng_states.dim() == 2 && c.rng_states.size(1) == 16 ? "cuda"
                                                                                : "cpu";
  if (c.rng_states.dim() != 2 || c.rng_states.size(0) != c.world_size)
    throw CheckpointError(fmt::format("\"{}\": rng/states has {} rows for world size {}", path,
                                      c.rng_states.dim() > 0 ? c.rng_states.size(0) : 0, c.world_size));
  return c;
}

}  // namespace

void write_checkpoint_file(const std::string& path, const TrainingCheckpoint& c) {
  const H5Id file = create_hdf5_file(path, "checkpoint");
  write_header_attributes(file.get(), kFormat, c.version, c.config_yaml);
  write_int_attribute(file.get(), "iteration", {c.iteration});
  write_int_attribute(file.get(), "world_size", {c.world_size});
  write_int_attribute(file.get(), "epoch", {c.epoch});
  write_int_attribute(file.get(), "batch_in_epoch", {c.batch_in_epoch});
  write_int_attribute(file.get(), "anneal_horizon", {c.anneal_horizon});
  write_int_attribute(file.get(), "rewinds", {c.rewinds});
  write_int_attribute(file.get(), "data_skip", {c.data_skip});
  write_string_attribute(file.get(), "lr_scale", fmt::format("{:.17g}", c.lr_scale));  // exact round trip
  const H5Id parameters = create_group(file.get(), "parameters");
  std::vector<int64_t> order;  // position in named_parameters() of each member, in HDF5's name order
  std::vector<std::pair<std::string, int64_t>> by_name;
  for (size_t i = 0; i < c.parameters.size(); ++i) by_name.emplace_back(c.parameters[i].first, static_cast<int64_t>(i));
  std::sort(by_name.begin(), by_name.end());
  for (const auto& entry : by_name) order.push_back(entry.second);
  write_int_attribute(file.get(), "parameter_order", order);
  for (const auto& [name, tensor] : c.parameters) write_float_dataset(parameters.get(), name, tensor, true);
  if (!c.adam.empty()) {
    if (c.adam.size() != c.parameters.size())
      throw CheckpointError(fmt::format("writing \"{}\": {} Adam states for {} parameters", path, c.adam.size(),
                                        c.parameters.size()));
    create_group(file.get(), "adam");
    const H5Id avg = create_group(file.get(), "adam/exp_avg");
    const H5Id avg_sq = create_group(file.get(), "adam/exp_avg_sq");
    for (size_t i = 0; i < c.parameters.size(); ++i) {
      const std::string& name = c.parameters[i].first;
      write_float_dataset(avg.get(), name, c.adam[i].exp_avg, true);
      write_float_dataset(avg_sq.get(), name, c.adam[i].exp_avg_sq, true);
      const H5Id dataset(H5Dopen2(avg.get(), name.c_str(), H5P_DEFAULT), "opening adam/exp_avg/" + name);
      write_int_attribute(dataset.get(), "step", {c.adam[i].step});
    }
  }
  if (!c.buffers.empty()) {
    const H5Id buffers = create_group(file.get(), "buffers");
    for (const auto& [name, tensor] : c.buffers) write_float_dataset(buffers.get(), name, tensor, true);
  }
  if (!c.ema.empty()) {
    const H5Id ema = create_group(file.get(), "ema");
    for (const auto& [name, tensor] : c.ema) write_float_dataset(ema.get(), name, tensor, true);
  }
  if (c.buffer_states.defined()) {
    // Stored as (R * M, ...example) so that chunks hold whole examples (about 2^20 values each),
    // never a whole rank's buffer; attribute ranks = R restores the rank axis.
    const H5Id sampler = create_group(file.get(), "sampler");
    write_int_attribute(sampler.get(), "ranks", {c.buffer_states.size(0)});
    write_float_dataset(file.get(), "sampler/buffer_states", c.buffer_states.flatten(0, 1), true);
    write_float_dataset(file.get(), "sampler/buffer_ages", c.buffer_ages.flatten(), true);
  }
  const H5Id rng = create_group(file.get(), "rng");
  write_string_attribute(rng.get(), "device_type", c.rng_device_type);
  write_byte_matrix(file.get(), "rng/states", c.rng_states);
  h5_check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), fmt::format("flushing checkpoint \"{}\"", path));
}

TrainingCheckpoint read_checkpoint_file(const std::string& path) {
  try {
    check_hdf5_file_before_use(path, "checkpoint");  // its .sha256, else a probe in a child process
    return read_unchecked(path);
  } catch (const CheckpointError&) {
    throw;
  } catch (const ProbeUnavailableError&) {
    throw;  // an installation problem, not a bad checkpoint: resume must not skip good files for it
  } catch (const FileProbeTimeoutError&) {
    throw;  // likewise a slow file system
  } catch (const FileCorruptError& e) {
    throw CheckpointError(e.what());
  } catch (const FileDamagedError& e) {
    throw CheckpointError(e.what());
  } catch (const std::exception& e) {
    throw CheckpointError(fmt::format("checkpoint \"{}\" is unreadable (truncated or corrupted?): {}", path, e.what()));
  }
}

}  // namespace srm
