// The inspect command (see inspect_command.h).
#include "commands/inspect_command.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>

#include "checkpoint/checkpoint_file.h"
#include "checkpoint/checkpoint_store.h"
#include "integrity/hdf5_probe.h"
#include "io/hdf5_objects.h"
#include "io/png_output.h"
#include "io/run_archive.h"
#include "io/run_outputs.h"
#include "plot/training_curves.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

std::string indented(const std::string& text) {
  std::string out = "    ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "    ";
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out + "\n";
}

// "100, 200, 300 ... 2900, 3000" for long lists.
std::string compact_list(const std::vector<int64_t>& values) {
  if (values.size() <= 8) return fmt::format("{}", fmt::join(values, ", "));
  return fmt::format("{} ... {}", fmt::join(values.begin(), values.begin() + 3, ", "),
                     fmt::join(values.end() - 3, values.end(), ", "));
}

std::string megabytes(const fs::path& path) {
  return fmt::format("{:.1f} MB", static_cast<double>(fs::file_size(path)) / 1e6);
}

void print_checkpoint_summary(const std::string& path) {
  const TrainingCheckpoint c = read_checkpoint_file(path);  // verifies every checksum
  int64_t count = 0;
  for (const auto& p : c.parameters) count += p.second.numel();
  fmt::print("checkpoint: {} (srm-dist {}, {})\n", path, c.version, megabytes(path));
  fmt::print("  iteration {} | world size {} | epoch {}, batch {} of the data order next\n", c.iteration,
             c.world_size, c.epoch, c.batch_in_epoch);
  fmt::print("  parameters: {} tensors, {} values | Adam state: {} | generator state: {} bytes per rank\n",
             c.parameters.size(), count, c.adam.empty() ? "none (no step yet)" : fmt::format("step {}", c.adam[0].step),
             c.rng_states.size(1));
  for (const auto& [name, tensor] : c.parameters)
    fmt::print("    {:<28} ({})\n", name, fmt::join(tensor.sizes(), ", "));
  if (!c.buffers.empty()) fmt::print("  buffers: {} tensors (spectral norm's u, v)\n", c.buffers.size());
  if (!c.ema.empty()) fmt::print("  EMA weights: {} tensors\n", c.ema.size());
  if (c.rewinds > 0)
    fmt::print("  automatic rewinds so far: {} (learning rate x {:g}, {} data batches skipped)\n", c.rewinds, c.lr_scale,
               c.data_skip);
  if (c.buffer_states.defined()) {
    const at::Tensor ages = c.buffer_ages.to(at::kDouble);
    fmt::print("  replay buffer (persistent chains): {} x {} examples{} | age (short runs since p0): mean {:.1f}, "
               "median {:.0f}, max {:.0f}; {:.1f}% never run yet\n",
               c.buffer_states.size(0), c.buffer_states.size(1), c.buffer_states.size(0) == 1 ? "" : " (one row per rank)",
               ages.mean().item<double>(), ages.flatten().median().item<double>(), ages.max().item<double>(),
               100 * (ages == 0).to(at::kDouble).mean().item<double>());
  }
  fmt::print("  config:\n{}", indented(c.config_yaml));
}

void print_checkpoint_folder(const std::string& run_dir) {
  const CheckpointStore store(checkpoint_dir_of(run_dir), 1);
  const auto files = store.complete_files();
  if (files.empty()) {
    fmt::print("checkpoints: none in {}\n", store.dir());
    return;
  }
  const std::string latest = store.latest_marker();
  fmt::print("checkpoints in {}:\n", store.dir());
  for (const auto& file : files) {
    std::string verdict;
    try {
      const TrainingCheckpoint c = read_checkpoint_file(file);
      verdict = fmt::format("iteration {}, {} ranks, intact", c.iteration, c.world_size);
    } catch (const std::exception& e) {
      verdict = fmt::format("UNUSABLE: {}", e.what());
    }
    const std::string name = fs::path(file).filename().string();
    fmt::print("  {}  {:>9}  {}{}\n", name, megabytes(file), verdict, name == latest ? "  [latest]" : "");
  }
}

void print_archive_summary(const std::string& path) {
  const auto shape = archive_int_attribute(path, "example_shape");
  fmt::print("archive: {} ({}, srm-dist {}, created {}, world size {})\n", path,
             archive_string_attribute(path, "format"), archive_string_attribute(path, "srm_dist_version"),
             archive_string_attribute(path, "created_utc"), fmt::join(archive_int_attribute(path, "world_size"), ""));
  fmt::print("  example shape ({})\n", fmt::join(shape, ", "));
  const auto resumed = archive_int_attribute(path, "resumed_at");
  if (!resumed.empty()) fmt::print("  resumed at iterations: {}\n", fmt::join(resumed, ", "));
  const std::string run_dir = fs::path(path).parent_path().string();
  std::ifstream status_file(fs::path(run_dir) / "status");
  std::string status;
  if (std::getline(status_file, status)) fmt::print("  status: {}\n", status);

  const auto metrics = archive_read_metrics(path);
  fmt::print("metrics: {} iterations recorded\n", metrics.size());
  if (!metrics.empty()) {
    const IterationMetrics& m = metrics.back();
    fmt::print("  last: iteration {} | loss {:+.4e} | f(x+) {:+.4e} | f(x-) {:+.4e} | |df/dx| {:.3e} | "
               "|dL/dθ| {:.3e} | lr {:.3g} | σ {:.3g} | {:.3f} s/iteration\n",
               m.iteration, m.loss, m.energy_data, m.energy_samples, m.chain_grad_norm, m.param_grad_norm, m.lr,
               m.data_noise, m.seconds);
  }
  const auto sample_iterations = archive_sample_iterations(path);
  fmt::print("sample batches: {}", sample_iterations.size());
  if (!sample_iterations.empty())
    fmt::print(" of {} samples, at iterations {}", archive_read_sample_batch(path, 0).size(0),
               compact_list(sample_iterations));
  fmt::print("\nparameter snapshots: {}\n", compact_list(archive_checkpoint_iterations(path)));
  const auto evaluations = archive_read_evaluations(path);
  if (!evaluations.empty()) {
    fmt::print("training-time evaluations (/eval): {}\n", evaluations.size());
    for (const auto& e : evaluations)
      fmt::print("  iteration {}: FID {:.4g}, KID {:.4g} +- {:.2g} (N = {})\n", e.iteration, e.fid, e.kid, e.kid_std, e.n);
  }
  const auto longruns = archive_read_longruns(path);
  if (!longruns.empty()) {
    fmt::print("long-run checks (/longrun): {}\n", longruns.size());
    for (const auto& l : longruns) {
      const char* verdict = diverged(l) ? " (diverged)" : oversaturated(l) ? " (above the data's)" : "";
      fmt::print("  iteration {}: f data {:.4g}, after K {:.4g}, after K + {} {:.4g}{}\n", l.iteration, l.data_energy,
                 l.short_run_energy, l.steps, l.long_run_energy, verdict);
    }
  }
  print_checkpoint_folder(run_dir);
  fmt::print("config:\n{}", indented(archive_string_attribute(path, "config")));
}

void export_batch(const std::string& path, int64_t requested, const std::string& png_path) {
  const auto iterations = archive_sample_iterations(path);
  const auto n = static_cast<int64_t>(iterations.size());
  const int64_t index = requested < 0 ? n + requested : requested;
  if (index < 0 || index >= n)
    throw std::runtime_error(fmt::format("--export-batch {}: \"{}\" holds {} sample batches (valid: 0..{} or -1..-{})",
                                         requested, path, n, n - 1, n));
  const std::string out = png_path.empty()
                              ? (fs::path(path).parent_path() / fmt::format("batch_iter_{:08d}.png", iterations[index])).string()
                              : png_path;
  write_samples_png(out, archive_read_sample_batch(path, index));
  fmt::print("wrote sample batch {} (iteration {}) to {}\n", index, iterations[index], out);
}

}  // namespace

int run_inspect_command(const CliArgs& args) {
  const std::string& path = args.operands.at(0);
  if (!fs::exists(path)) throw std::runtime_error(fmt::format("\"{}\" does not exist", path));
  std::string format;
  check_hdf5_file_before_use(path, "file");  // a sealed file's .sha256, else a probe in a child process
  {
    const H5Id file = open_hdf5_file(path, H5F_ACC_RDONLY, "file");
    if (has_attribute(file.get(), "format")) format = read_string_attribute(file.get(), "format");
  }
  if (format.rfind("srm-dist-checkpoint/", 0) == 0) {
    if (args.export_batch_given || !args.plot_path.empty())
      throw std::runtime_error("--export-batch and --plot need a run archive; a checkpoint holds no samples or metrics");
    print_checkpoint_summary(path);
    return 0;
  }
  if (format.rfind("srm-dist-archive/", 0) != 0)
    throw std::runtime_error(fmt::format("\"{}\" is neither an srm-dist archive nor a checkpoint (format \"{}\")",
                                         path, format));
  if (args.export_batch_given) {
    export_batch(path, args.export_batch, args.png_path);
    return 0;
  }
  if (!args.plot_path.empty()) {
    const auto rows = archive_read_metrics(path);
    write_training_curves_png(args.plot_path, rows);
    fmt::print("wrote the training curves of {} iterations to {}\n", rows.size(), args.plot_path);
    return 0;
  }
  print_archive_summary(path);
  return 0;
}

}  // namespace srm
