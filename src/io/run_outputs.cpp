// Run directory writer (see run_outputs.h).
#include "io/run_outputs.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "io/png_output.h"

namespace srm {
namespace {

std::string prepare_dir(const std::string& dir, bool overwrite, const std::string& config_yaml) {
  namespace fs = std::filesystem;
  const fs::path archive = fs::path(dir) / "archive.h5";
  if (fs::exists(archive) && !overwrite)
    throw std::runtime_error(fmt::format("\"{}\" already holds a run (archive.h5); choose another "
                                         "output.dir or set output.overwrite=true", dir));
  fs::create_directories(fs::path(dir) / "samples");
  std::ofstream(fs::path(dir) / "config.yaml") << config_yaml;
  return archive.string();
}

}  // namespace

RunOutputs::RunOutputs(const std::string& dir, bool overwrite, const ArchiveHeader& header)
    : dir_(dir),
      archive_(RunArchive::create(prepare_dir(dir, overwrite, header.config_yaml), header)),
      csv_((std::filesystem::path(dir) / "metrics.csv").string()) {}

void RunOutputs::record_metrics(const std::vector<IterationMetrics>& rows) const {
  archive_.append_metrics(rows);
  csv_.append(rows);
}

void RunOutputs::record_samples(int64_t iteration, const at::Tensor& samples) const {
  archive_.append_samples(iteration, samples);
  const auto folder = std::filesystem::path(dir_) / "samples";
  const auto png = folder / fmt::format("iter_{:08d}.png", iteration);
  write_samples_png(png.string(), samples);
  std::filesystem::copy_file(png, folder / "latest.png", std::filesystem::copy_options::overwrite_existing);
}

void RunOutputs::record_checkpoint(int64_t iteration, const NamedTensors& parameters) const {
  archive_.write_checkpoint(iteration, parameters);
}

}  // namespace srm
