// Everything a training run leaves in its run directory:
//   config.yaml      the resolved config
//   archive.h5       samples, metrics and parameter snapshots (run_archive.h)
//   metrics.csv      one line per iteration
//   checkpoints/     resumable checkpoints, atomic, the last N (checkpoint_store.h)
//   samples/iter_XXXXXXXX.png and samples/latest.png
//   status           one line: running / complete / interrupted, with the iteration
// A new run refuses a directory that holds an earlier run unless output.overwrite is set; a
// resumed run reopens it and drops what the interrupted attempt wrote after its checkpoint.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "checkpoint/checkpoint_store.h"
#include "config/config.h"
#include "io/metrics_csv.h"
#include "io/run_archive.h"

namespace srm {

class RunOutputs {
 public:
  // resume_iteration < 0: a new run; otherwise continue the run in `output.dir` from the
  // checkpoint of that iteration.
  RunOutputs(const OutputConfig& output, const ArchiveHeader& header, int64_t resume_iteration);

  const std::string& dir() const { return dir_; }
  const RunArchive& archive() const { return archive_; }
  const CheckpointStore& checkpoints() const { return store_; }

  void record_metrics(const std::vector<IterationMetrics>& rows) const;
  void record_samples(int64_t iteration, const at::Tensor& samples) const;
  // The resumable checkpoint file, then the parameters as a snapshot in the archive.
  void record_checkpoint(const TrainingCheckpoint& checkpoint) const;
  // Replaces the status file's line ("running from iteration 0", "complete at iteration 3000",
  // "interrupted at iteration 1200 by SIGUSR1"), for job scripts deciding whether to requeue.
  void write_status(const std::string& line) const;

 private:
  std::string dir_;
  RunArchive archive_;
  MetricsCsv csv_;
  CheckpointStore store_;
};

// The checkpoint folder of a run directory.
std::string checkpoint_dir_of(const std::string& run_dir);

}  // namespace srm
