// One checkpoint as one self-contained HDF5 file (format "srm-dist-checkpoint/1"):
//   /                      attrs format, srm_dist_version, config, created_utc, iteration,
//                          world_size, epoch, batch_in_epoch
//   /parameters/<name>     float32, the parameter's shape
//   /adam/exp_avg/<name>   float32, attr step (Adam's step count for that parameter)
//   /adam/exp_avg_sq/<name> float32
//   /rng/states            uint8 (world_size, S), row r = rank r's generator state
//   /buffers/<name>        float32: the model's buffers (spectral norm's weight_u, weight_v)
//   /ema/<name>            float32: train.ema's averaged parameters
//   /sampler/buffer_states float32 (R * M, ...): persistent chains' replay buffers, rank by rank
//   /sampler/buffer_ages   float32 (R * M): short runs since each entry came from p0
//                          (group attribute ranks = R)
//   root attrs rewinds, data_skip (int), lr_scale (text, 17 digits): automatic rewinds so far
// Every dataset is chunked with HDF5's Fletcher-32 checksum, so a flipped bit is an error on
// read rather than a silently different model. Atomicity and the whole-file checksum sidecar
// (FILE.sha256, integrity/checksum_sidecar.h) are the store's job (checkpoint_store.h).
#pragma once

#include <stdexcept>
#include <string>

#include "checkpoint/training_checkpoint.h"

namespace srm {

class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void write_checkpoint_file(const std::string& path, const TrainingCheckpoint& checkpoint);

// Verifies the file's checksum sidecar when it has one (else reads it in a child process first,
// integrity/hdf5_probe.h), then reads and checks the whole file; throws CheckpointError naming
// `path` and what is wrong (corrupt: checksum mismatch, damaged, not HDF5 / truncated, wrong
// format, chunk checksum mismatch, missing pieces).
TrainingCheckpoint read_checkpoint_file(const std::string& path);

}  // namespace srm
