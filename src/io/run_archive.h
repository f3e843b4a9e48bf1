// The run's HDF5 archive (layout in docs/archive.md):
//   /                 attrs: format, srm_dist_version, config (YAML), world_size, created_utc,
//                            example_shape, resumed_at (int64 list: iterations a run resumed from)
//   /samples          attr init: where the chains started (sampler.init: uniform, gaussian, data, persistent)
//   /samples/images   float32 (N, B, ...example) extendible, chunked per batch, gzip
//   /samples/iteration int64 (N)
//   /metrics          compound table, one row per iteration (IterationMetrics' fields)
//   /eval             compound table, one row per training-time evaluation (io/evaluation_table.h)
//   /rewinds          compound table, one row per automatic rewind (io/rewind_table.h)
//   /longrun          compound table, one row per training-time long-run check (io/longrun_table.h)
//   /checkpoints/iter_XXXXXXXX/<named_parameters() or named_buffers() key>  float32, attr
//                     iteration; .../ema/<parameter key> the EMA weights when train.ema is on
//                     (the model's history; the resumable state is in checkpoint files, see
//                     checkpoint/checkpoint_store.h)
// The file is opened for each append and closed right after (HDF5 file locking off), so
// h5dump and h5py can open it between writes; only rank 0 writes.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "eval/evaluation_record.h"
#include "io/longrun_table.h"
#include "io/rewind_table.h"
#include "trainer/iteration_metrics.h"
#include "util/named_tensors.h"

namespace srm {

struct ArchiveHeader {
  std::string config_yaml;
  std::string version;
  int world_size = 1;
  std::vector<int64_t> example_shape;
  std::string sample_init;  // sampler.init of the chains whose batches /samples keeps (attribute init)
};

class RunArchive {
 public:
  // Creates (truncating) the archive at `path` with its header and empty groups.
  static RunArchive create(const std::string& path, const ArchiveHeader& header);

  // Opens an existing archive to continue a run from `iteration`: rows and parameter
  // snapshots written after it (by the interrupted attempt) are removed, so the archive reads
  // as one continuous run, and `iteration` is added to the root attribute resumed_at. A
  // non-empty config_yaml (the resuming run's resolved config, which may differ from the first
  // in the keys free on resume) is kept as root attribute config_resumed_at_<iteration>.
  static RunArchive reopen_for_resume(const std::string& path, int64_t iteration,
                                      const std::string& config_yaml = "");

  const std::string& path() const { return path_; }

  // samples: float (B, ...example) on any device; appended as one row of /samples/images.
  void append_samples(int64_t iteration, const at::Tensor& samples) const;
  void append_metrics(const std::vector<IterationMetrics>& rows) const;
  // parameters: the model's parameters and buffers; ema: train.ema's weights (may be empty).
  void write_checkpoint(int64_t iteration, const NamedTensors& parameters, const NamedTensors& ema = {}) const;
  void append_evaluation(const EvaluationRecord& record) const;
  void append_longrun(const LongrunRow& row) const;
  // An automatic rewind to row.rewound_to: what was written after that iteration is removed
  // (as on resume) and the row is added to /rewinds.
  void rewind(const RewindRow& row) const;

 private:
  explicit RunArchive(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Reading helpers (used by tests and, later, `srm-dist inspect`).
int64_t archive_sample_batches(const std::string& path);
at::Tensor archive_read_sample_batch(const std::string& path, int64_t index);
std::vector<IterationMetrics> archive_read_metrics(const std::string& path);
std::vector<EvaluationRow> archive_read_evaluations(const std::string& path);
std::vector<int64_t> archive_checkpoint_iterations(const std::string& path);
NamedTensors archive_read_checkpoint(const std::string& path, int64_t iteration);  // parameters and buffers
NamedTensors archive_read_ema(const std::string& path, int64_t iteration);         // {} without train.ema
std::vector<RewindRow> archive_read_rewinds(const std::string& path);
std::vector<LongrunRow> archive_read_longruns(const std::string& path);  // {} without train.longrun_every
std::vector<int64_t> archive_sample_iterations(const std::string& path);
std::string archive_string_attribute(const std::string& path, const std::string& name);
std::vector<int64_t> archive_int_attribute(const std::string& path, const std::string& name);  // {} if absent

}  // namespace srm
