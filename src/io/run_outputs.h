// Everything a training run leaves in its run directory:
//   config.yaml      the resolved config
//   archive.h5       samples, metrics and parameter snapshots (run_archive.h)
//   metrics.csv      one line per iteration
//   checkpoints/     resumable checkpoints, atomic, the last N (checkpoint_store.h)
//   samples/iter_XXXXXXXX.png and samples/latest.png; samples/curves.png, the training curves
//   tb/              TensorBoard event files (output.tensorboard): scalars for every metrics
//                    column, the sample picture, the config as text; one file per run segment
//   status           one line: running / complete / interrupted, with the iteration
// A new run refuses a directory that holds an earlier run unless output.overwrite is set; a
// resumed run reopens it and drops what the interrupted attempt wrote after its checkpoint.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_store.h"
#include "config/config.h"
#include "io/metrics_csv.h"
#include "io/run_archive.h"

namespace srm {

class EventFileWriter;

// Replaces `<run_dir>/status` with `line` atomically (written aside, then renamed).
void write_run_status(const std::string& run_dir, const std::string& line);

class RunOutputs {
 public:
  // resume_iteration < 0: a new run; otherwise continue the run in `output.dir` from the
  // checkpoint of that iteration.
  RunOutputs(const OutputConfig& output, const ArchiveHeader& header, int64_t resume_iteration);
  ~RunOutputs();
  RunOutputs(const RunOutputs&) = delete;
  RunOutputs& operator=(const RunOutputs&) = delete;

  // 2-D data only: points of the data set drawn in light grey behind the samples of every
  // scatter picture, so a glance shows whether the samples lie where the data does.
  void set_scatter_background(at::Tensor points) { scatter_background_ = std::move(points); }
  // The images (examples) of one iteration, the global batch: TensorBoard then also gets
  // train/images_per_second.
  void set_images_per_iteration(int64_t images) { images_per_iteration_ = images; }

  const std::string& dir() const { return dir_; }
  const RunArchive& archive() const { return archive_; }
  const CheckpointStore& checkpoints() const { return store_; }

  void record_metrics(const std::vector<IterationMetrics>& rows) const;
  void record_samples(int64_t iteration, const at::Tensor& samples) const;
  // The resumable checkpoint file, then the parameters as a snapshot in the archive.
  void record_checkpoint(const TrainingCheckpoint& checkpoint) const;
  // An automatic rewind (train.on_divergence = rewind): the archive, metrics.csv and the curves
  // lose what came after row.rewound_to (TensorBoard: a SessionLog START there hides it), and the
  // row goes to the archive's /rewinds table.
  void record_rewind(const RewindRow& row) const;
  // A training-time evaluation: a row of the archive's /eval table and TensorBoard's eval/*.
  void record_evaluation(const EvaluationRecord& record) const;
  // A training-time long-run check: a row of the archive's /longrun table and TensorBoard's
  // longrun/*.
  void record_longrun(const LongrunRow& row) const;
  // Replaces the status file's line ("running from iteration 0", "complete at iteration 3000",
  // "interrupted at iteration 1200 by SIGUSR1"), for job scripts deciding whether to requeue.
  void write_status(const std::string& line) const { write_run_status(dir_, line); }

 private:
  std::string csv_path() const;

  std::string dir_;
  RunArchive archive_;
  MetricsCsv csv_;
  CheckpointStore store_;
  std::unique_ptr<EventFileWriter> tensorboard_;  // null when output.tensorboard is off
  at::Tensor scatter_background_;
  int64_t images_per_iteration_ = 0;
  // The metrics so far, for samples/curves.png (the writer thread is the only user). A picture
  // that cannot be drawn is reported once and not tried again: it never stops training.
  mutable std::vector<IterationMetrics> curve_rows_;
  mutable bool draw_curves_ = true;
};

// The checkpoint folder of a run directory.
std::string checkpoint_dir_of(const std::string& run_dir);

}  // namespace srm
