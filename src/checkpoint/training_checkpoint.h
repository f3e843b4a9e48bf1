// Everything needed to continue a training run exactly where it stopped: the model, Adam's
// moments and step counts, the iteration, every rank's random-generator state, the data-order
// position and the resolved config. Plain data on the CPU; written by checkpoint_file.h.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "util/named_tensors.h"

namespace srm {

struct AdamMoments {
  int64_t step = 0;     // Adam's per-parameter step count
  at::Tensor exp_avg;     // first moment, float32, the parameter's shape
  at::Tensor exp_avg_sq;  // second moment
};

struct TrainingCheckpoint {
  int64_t iteration = 0;  // iterations completed; training continues with iteration + 1
  int world_size = 1;
  std::string config_yaml;  // the resolved config of the run that wrote it
  std::string version;      // srm-dist version that wrote it
  NamedTensors parameters;  // float32 on the CPU, named_parameters() order and keys
  std::vector<AdamMoments> adam;  // same order as parameters (empty before the first step)
  NamedTensors buffers;  // the model's buffers (spectral norm's power-iteration vectors u, v)
  NamedTensors ema;      // train.ema: the moving average of the parameters (empty when off)
  // sampler.init = persistent: the replay buffers, one row per rank (R = world size), or one row
  // when replicated (dist.chain_seeding = global_index); undefined otherwise.
  at::Tensor buffer_states;  // float32 (R, M, ...example)
  at::Tensor buffer_ages;    // float32 (R, M): short runs since each entry came from p0
  // uint8 (world_size, S): row r is rank r's chain / data-noise generator state.
  at::Tensor rng_states;
  // The kind of generator those states belong to: "cpu" (mt19937, 5056 bytes) or "cuda"
  // (Philox seed and offset, 16 bytes). A state only restores into a generator of its kind.
  std::string rng_device_type = "cpu";
  // The iterations the annealing schedule is laid over: the train.iterations the run started
  // with, kept across resumes so that extending a run (a larger train.iterations) continues
  // the schedule instead of restarting its anneal.
  int64_t anneal_horizon = 0;
  // Where the data order stands: epoch and batch within it of the next iteration. The order
  // itself is a pure function of (seed, epoch), so these are derived and stored for readers.
  int64_t epoch = 0;
  int64_t batch_in_epoch = 0;
  // Automatic rewinds (train.on_divergence = rewind) so far: how many, the factor they left on
  // the learning rate, and how many data batches they skipped (iteration i reads the batch of
  // i + data_skip).
  int64_t rewinds = 0;
  double lr_scale = 1.0;
  int64_t data_skip = 0;
};

}  // namespace srm
