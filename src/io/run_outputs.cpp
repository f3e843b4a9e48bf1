// Run directory writer (see run_outputs.h).
#include "io/run_outputs.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "integrity/hdf5_probe.h"
#include "io/hdf5_handle.h"
#include "io/metrics_csv.h"
#include "io/png_output.h"
#include "plot/training_curves.h"
#include "tensorboard/event_file_trim.h"
#include "tensorboard/event_file_writer.h"
#include "util/log.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

// config.yaml says what runs now; the archive keeps the first config and each resume's.
void write_resumed_config(const fs::path& dir, const std::string& config_yaml, int64_t resume_iteration) {
  const fs::path file = dir / "config.yaml", partial = dir / ".config.yaml.partial";
  std::ofstream out(partial, std::ios::trunc);
  out << "# resumed at iteration " << resume_iteration << "; the config the run started with is archive.h5's "
      << "config attribute, each resume's is config_resumed_at_<iteration>\n" << config_yaml;
  out.close();
  if (!out) {
    std::error_code ignored;
    fs::remove(partial, ignored);
    throw std::runtime_error(fmt::format("cannot write \"{}\" (disk full?)", file.string()));
  }
  fs::rename(partial, file);
}

// Prepares the directory and returns the archive opened (new) or reopened (resume).
RunArchive open_archive(const OutputConfig& output, const ArchiveHeader& header, int64_t resume_iteration) {
  const fs::path dir = output.dir, archive = dir / "archive.h5";
  if (resume_iteration >= 0) {
    if (!fs::exists(archive))
      throw std::runtime_error(fmt::format("cannot resume in \"{}\": it has checkpoints but no archive.h5", output.dir));
    std::string damage;
    try {
      probe_hdf5_file(archive.string(), "archive");  // damaged metadata must not crash the resume
      RunArchive reopened = RunArchive::reopen_for_resume(archive.string(), resume_iteration, header.config_yaml);
      write_resumed_config(dir, header.config_yaml, resume_iteration);
      return reopened;
    } catch (const Hdf5Error& e) {
      damage = e.what();
    } catch (const FileProbeTimeoutError&) {
      throw;  // not a verdict on the file: never set a possibly healthy archive aside
    } catch (const FileDamagedError& e) {
      damage = e.what();
    }
    {
      // A crash in the middle of an append (or a damaged disk) can leave the archive unreadable;
      // the checkpoint is intact, so training goes on in a fresh archive and the damaged one is
      // kept aside.
      const fs::path damaged = dir / "archive.damaged.h5";
      fs::rename(archive, damaged);
      log_line(0, fmt::format("warning: {}; moved it to {} and started a new archive from iteration {}", damage,
                              damaged.string(), resume_iteration));
      RunArchive fresh = RunArchive::create(archive.string(), header);
      // The metrics up to the checkpoint survive in metrics.csv (8 significant digits): carry
      // them into the new archive, from which metrics.csv is then rewritten.
      std::vector<IterationMetrics> recovered;
      for (const auto& row : read_metrics_csv((dir / "metrics.csv").string()))
        if (row.iteration <= resume_iteration) recovered.push_back(row);
      if (!recovered.empty()) fresh.append_metrics(recovered);
      RunArchive::reopen_for_resume(archive.string(), resume_iteration, header.config_yaml);  // records resumed_at
      write_resumed_config(dir, header.config_yaml, resume_iteration);
      return fresh;
    }
  }
  if (fs::exists(archive) && !output.overwrite && output.resume == "auto") {
    // Under auto (the Slurm scripts' requeue) an archive without any checkpoint is a run that
    // died before its first checkpoint: nothing to resume, so it is kept aside and the run
    // starts, instead of every requeue failing on "already holds a run".
    fs::path aside;
    for (int n = 1; fs::exists(aside = dir / fmt::format("archive.before-first-checkpoint.{}.h5", n)); ++n) {}
    fs::rename(archive, aside);
    log_line(0, fmt::format("warning: \"{}\" holds an archive but no checkpoint (the earlier run ended before its "
                            "first checkpoint); moved it to {} and starting from iteration 0 (output.resume = auto)",
                            output.dir, aside.string()));
  }
  if (fs::exists(archive) && !output.overwrite)
    throw std::runtime_error(fmt::format("\"{}\" already holds a run (archive.h5); continue it with --resume, "
                                         "choose another output.dir, or set output.overwrite=true", output.dir));
  fs::remove_all(dir / "checkpoints");  // an earlier run's checkpoints must never be resumed into this one
  fs::remove_all(dir / "tb");           // nor its event files shown as part of this one
  fs::create_directories(dir);
  std::ofstream(dir / "config.yaml") << header.config_yaml;
  return RunArchive::create(archive.string(), header);
}

}  // namespace

std::string checkpoint_dir_of(const std::string& run_dir) { return (fs::path(run_dir) / "checkpoints").string(); }

std::string RunOutputs::csv_path() const { return (fs::path(dir_) / "metrics.csv").string(); }

RunOutputs::RunOutputs(const OutputConfig& output, const ArchiveHeader& header, int64_t resume_iteration)
    : dir_(output.dir),
      archive_(open_archive(output, header, resume_iteration)),
      csv_(csv_path()),
      store_(checkpoint_dir_of(output.dir), output.checkpoints_kept) {
  fs::create_directories(fs::path(dir_) / "samples");
  if (resume_iteration >= 0) {
    curve_rows_ = archive_read_metrics(archive_.path());  // the archive was cut to the checkpoint
    csv_.append(curve_rows_);
  }
  draw_curves_ = training_curves_available();
  if (!output.tensorboard) return;
  // A new event file per run segment. Steps past the checkpoint that an interrupted segment
  // wrote are dropped from the earlier files first (as the archive is cut), and the segment
  // starts with a SessionLog START, so TensorBoard shows one series with every step once.
  const std::string tb = (fs::path(dir_) / "tb").string();
  if (resume_iteration >= 0) keep_events_up_to(tb, resume_iteration);
  tensorboard_ = std::make_unique<EventFileWriter>(tb);
  const double now = unix_wall_time();
  const int64_t step = std::max<int64_t>(resume_iteration, 0);
  tensorboard_->add_session_start(step + 1, now);
  std::string config_text;  // indented: TensorBoard renders the text as Markdown, this as code
  std::istringstream lines(header.config_yaml);
  for (std::string line; std::getline(lines, line);) config_text += "    " + line + "\n";
  tensorboard_->add_text("config", config_text, step, now);
  tensorboard_->flush();
}

RunOutputs::~RunOutputs() = default;

void RunOutputs::record_evaluation(const EvaluationRecord& record) const {
  archive_.append_evaluation(record);
  if (!tensorboard_) return;
  const double now = unix_wall_time();
  tensorboard_->add_scalar("eval/fid", record.row.fid, record.row.iteration, now);
  tensorboard_->add_scalar("eval/kid", record.row.kid, record.row.iteration, now);
  tensorboard_->add_scalar("eval/kid_std", record.row.kid_std, record.row.iteration, now);
  tensorboard_->flush();
}

void RunOutputs::record_longrun(const LongrunRow& row) const {
  archive_.append_longrun(row);
  if (!tensorboard_) return;
  const double now = unix_wall_time();
  tensorboard_->add_scalar("longrun/data_energy", row.data_energy, row.iteration, now);
  tensorboard_->add_scalar("longrun/short_run_energy", row.short_run_energy, row.iteration, now);
  tensorboard_->add_scalar("longrun/long_run_energy", row.long_run_energy, row.iteration, now);
  tensorboard_->add_scalar("longrun/long_run_grad_norm", row.long_run_grad_norm, row.iteration, now);
  tensorboard_->add_scalar("longrun/long_run_abs_max", row.long_run_abs_max, row.iteration, now);
  tensorboard_->flush();
}

void RunOutputs::record_metrics(const std::vector<IterationMetrics>& rows) const {
  archive_.append_metrics(rows);
  csv_.append(rows);
  curve_rows_.insert(curve_rows_.end(), rows.begin(), rows.end());
  if (!tensorboard_) return;
  // The tags are the contract tests/e2e/tensorboard_reader.py checks (COLUMN_TO_TAG there).
  const double now = unix_wall_time();
  for (const IterationMetrics& m : rows) {
    tensorboard_->add_scalar("train/loss", m.loss, m.iteration, now);
    tensorboard_->add_scalar("train/energy_data", m.energy_data, m.iteration, now);
    tensorboard_->add_scalar("train/energy_samples", m.energy_samples, m.iteration, now);
    tensorboard_->add_scalar("train/energy_diff", m.energy_diff, m.iteration, now);
    tensorboard_->add_scalar("train/chain_grad_norm", m.chain_grad_norm, m.iteration, now);
    tensorboard_->add_scalar("train/param_grad_norm", m.param_grad_norm, m.iteration, now);
    tensorboard_->add_scalar("train/lr", m.lr, m.iteration, now);
    tensorboard_->add_scalar("train/data_noise", m.data_noise, m.iteration, now);
    tensorboard_->add_scalar("train/seconds_per_iteration", m.seconds, m.iteration, now);
    tensorboard_->add_scalar("train/samples_abs_max", m.samples_abs_max, m.iteration, now);
    tensorboard_->add_scalar("train/grad_clipped", m.grad_clipped, m.iteration, now);
    tensorboard_->add_scalar("train/accept_rate", m.accept_rate, m.iteration, now);
    if (images_per_iteration_ > 0)
      tensorboard_->add_scalar("train/images_per_second",
                               static_cast<double>(images_per_iteration_) / std::max(m.seconds, 1e-9), m.iteration,
                               now);
  }
  tensorboard_->flush();
}

void RunOutputs::record_samples(int64_t iteration, const at::Tensor& samples) const {
  archive_.append_samples(iteration, samples);
  const auto folder = fs::path(dir_) / "samples";
  const auto png = folder / fmt::format("iter_{:08d}.png", iteration);
  write_samples_png(png.string(), samples, 0, scatter_background_);
  fs::copy_file(png, folder / "latest.png", fs::copy_options::overwrite_existing);
  if (draw_curves_) {
    try {
      write_training_curves_png((folder / "curves.png").string(), curve_rows_);
    } catch (const std::exception& e) {
      draw_curves_ = false;
      log_line(0, fmt::format("warning: {}; samples/curves.png is no longer redrawn in this run", e.what()));
    }
  }
  if (!tensorboard_) return;
  const PngFile picture = read_png_file(png.string());
  tensorboard_->add_image("samples", picture.bytes, picture.height, picture.width, picture.channels, iteration,
                          unix_wall_time());
  tensorboard_->flush();
}

void RunOutputs::record_checkpoint(const TrainingCheckpoint& checkpoint) const {
  store_.save(checkpoint);
  NamedTensors state = checkpoint.parameters;
  state.insert(state.end(), checkpoint.buffers.begin(), checkpoint.buffers.end());
  archive_.write_checkpoint(checkpoint.iteration, state, checkpoint.ema);
}

void RunOutputs::record_rewind(const RewindRow& row) const {
  archive_.rewind(row);
  curve_rows_.erase(std::remove_if(curve_rows_.begin(), curve_rows_.end(),
                                   [&row](const IterationMetrics& m) { return m.iteration > row.rewound_to; }),
                    curve_rows_.end());
  const MetricsCsv rewritten(csv_path());  // truncates to the header
  rewritten.append(curve_rows_);
  if (!tensorboard_) return;
  // TensorBoard drops the steps >= a SessionLog START's step seen earlier in the run.
  tensorboard_->add_session_start(row.rewound_to + 1, unix_wall_time());
  tensorboard_->flush();
}

void write_run_status(const std::string& run_dir, const std::string& line) {
  const fs::path status = fs::path(run_dir) / "status", partial = fs::path(run_dir) / ".status.partial";
  std::ofstream out(partial, std::ios::trunc);
  out << line << "\n";
  out.close();
  if (!out) {  // a full disk: keep the old status rather than an empty one
    std::error_code ignored;
    fs::remove(partial, ignored);
    throw std::runtime_error(fmt::format("cannot write \"{}\" (disk full?)", status.string()));
  }
  fs::rename(partial, status);
}

}  // namespace srm
