// Run directory writer (see run_outputs.h).
#include "io/run_outputs.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "io/hdf5_handle.h"
#include "io/png_output.h"
#include "util/log.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

// Prepares the directory and returns the archive opened (new) or reopened (resume).
RunArchive open_archive(const OutputConfig& output, const ArchiveHeader& header, int64_t resume_iteration) {
  const fs::path dir = output.dir, archive = dir / "archive.h5";
  if (resume_iteration >= 0) {
    if (!fs::exists(archive))
      throw std::runtime_error(fmt::format("cannot resume in \"{}\": it has checkpoints but no archive.h5", output.dir));
    try {
      return RunArchive::reopen_for_resume(archive.string(), resume_iteration);
    } catch (const Hdf5Error& e) {
      // A crash in the middle of an append can leave the archive unreadable; the checkpoint
      // is intact, so training goes on in a fresh archive and the damaged one is kept aside.
      const fs::path damaged = dir / "archive.damaged.h5";
      fs::rename(archive, damaged);
      log_line(0, fmt::format("warning: {}; moved it to {} and started a new archive from iteration {}", e.what(),
                              damaged.string(), resume_iteration));
      RunArchive fresh = RunArchive::create(archive.string(), header);
      RunArchive::reopen_for_resume(archive.string(), resume_iteration);  // records resumed_at
      return fresh;
    }
  }
  if (fs::exists(archive) && !output.overwrite)
    throw std::runtime_error(fmt::format("\"{}\" already holds a run (archive.h5); continue it with --resume, "
                                         "choose another output.dir, or set output.overwrite=true", output.dir));
  fs::remove_all(dir / "checkpoints");  // an earlier run's checkpoints must never be resumed into this one
  fs::create_directories(dir);
  std::ofstream(dir / "config.yaml") << header.config_yaml;
  return RunArchive::create(archive.string(), header);
}

}  // namespace

std::string checkpoint_dir_of(const std::string& run_dir) { return (fs::path(run_dir) / "checkpoints").string(); }

RunOutputs::RunOutputs(const OutputConfig& output, const ArchiveHeader& header, int64_t resume_iteration)
    : dir_(output.dir),
      archive_(open_archive(output, header, resume_iteration)),
      csv_((fs::path(output.dir) / "metrics.csv").string()),
      store_(checkpoint_dir_of(output.dir), output.checkpoints_kept) {
  fs::create_directories(fs::path(dir_) / "samples");
  if (resume_iteration >= 0) csv_.append(archive_read_metrics(archive_.path()));  // the archive was cut to the checkpoint
}

void RunOutputs::record_metrics(const std::vector<IterationMetrics>& rows) const {
  archive_.append_metrics(rows);
  csv_.append(rows);
}

void RunOutputs::record_samples(int64_t iteration, const at::Tensor& samples) const {
  archive_.append_samples(iteration, samples);
  const auto folder = fs::path(dir_) / "samples";
  const auto png = folder / fmt::format("iter_{:08d}.png", iteration);
  write_samples_png(png.string(), samples);
  fs::copy_file(png, folder / "latest.png", fs::copy_options::overwrite_existing);
}

void RunOutputs::record_checkpoint(const TrainingCheckpoint& checkpoint) const {
  store_.save(checkpoint);
  archive_.write_checkpoint(checkpoint.iteration, checkpoint.parameters);
}

void RunOutputs::write_status(const std::string& line) const {
  const fs::path status = fs::path(dir_) / "status", partial = fs::path(dir_) / ".status.partial";
  std::ofstream(partial, std::ios::trunc) << line << "\n";
  fs::rename(partial, status);
}

}  // namespace srm
