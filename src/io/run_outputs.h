// Everything a training run leaves in its run directory:
//   config.yaml      the resolved config
//   archive.h5       samples, metrics and checkpoints (run_archive.h)
//   metrics.csv      one line per iteration
//   samples/iter_XXXXXXXX.png and samples/latest.png
// Refuses to overwrite an earlier run unless output.overwrite is set.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "io/metrics_csv.h"
#include "io/run_archive.h"

namespace srm {

class RunOutputs {
 public:
  RunOutputs(const std::string& dir, bool overwrite, const ArchiveHeader& header);

  const std::string& dir() const { return dir_; }
  const RunArchive& archive() const { return archive_; }

  void record_metrics(const std::vector<IterationMetrics>& rows) const;
  void record_samples(int64_t iteration, const at::Tensor& samples) const;
  void record_checkpoint(int64_t iteration, const NamedTensors& parameters) const;

 private:
  std::string dir_;
  RunArchive archive_;
  MetricsCsv csv_;
};

}  // namespace srm
