// Moving a live training state in and out of a TrainingCheckpoint: the model's parameters,
// Adam's moments (matched to parameters by position in named_parameters()), and the ranks'
// random generators (gathered to every rank by one all-reduce; restored per rank).
#pragma once

#include <ATen/core/Generator.h>

#include <string>

#include "checkpoint/training_checkpoint.h"
#include "comm/communicator.h"
#include "model/energy_net.h"
#include "sampler/replay_buffer.h"

namespace torch::optim {
class Adam;
}

namespace srm {

// Collective: every rank must call it at the same iteration. Returns every rank's generator
// state on every rank (rng_states has one row per rank), and the parameters, buffers and Adam
// moments on rank 0 only (the rank that writes checkpoints); config_yaml, version, data position,
// anneal horizon, EMA weights and rewind state are left to the caller.
TrainingCheckpoint capture_training_state(EnergyNet& energy, torch::optim::Adam& optimizer,
                                          const at::Generator& generator, Communicator& comm, int64_t iteration);

// Every tensor of this rank's own state (parameters, buffers, Adam, its generator as the only
// row of rng_states), for an in-memory rewind point (train.on_divergence = rewind); not
// collective. Restore it with restore_training_state(..., rank 0).
TrainingCheckpoint capture_local_state(EnergyNet& energy, torch::optim::Adam& optimizer, const at::Generator& generator,
                                       int64_t iteration);

// Throws CheckpointError naming `path` when the checkpoint's parameter or buffer names or
// shapes differ from the model's.
void check_model_matches(const TrainingCheckpoint& checkpoint, EnergyNet& energy, const std::string& path);

// Copies parameters, buffers and Adam moments into the model / optimizer (created, no step taken yet)
// and this rank's row of rng_states into `generator` when generator_state_fits(); otherwise
// the generator is left as it is and the caller reseeds it.
void restore_training_state(const TrainingCheckpoint& checkpoint, EnergyNet& energy, torch::optim::Adam& optimizer,
                            at::Generator& generator, int rank);

// Collective: every rank's replay buffer (sampler.init = persistent) into c.buffer_states /
// buffer_ages on rank 0, one row per rank by a broadcast from each rank in turn, or one row when
// the buffer is replicated (global-index seeding). Rank 0 holds R x M examples on the CPU.
void capture_replay_buffer(ReplayBuffer& buffer, Communicator& comm, TrainingCheckpoint& c);

// This rank's row (the only row of a replicated buffer or a rewind point) back into `buffer`.
// Throws CheckpointError when the checkpoint has no buffer or one of another size.
void restore_replay_buffer(const TrainingCheckpoint& c, ReplayBuffer& buffer, int rank);

// Whether the checkpoint's generator states are of `generator`'s kind (a run resumed on
// another device type, CPU <-> CUDA, cannot continue its random stream).
bool generator_state_fits(const TrainingCheckpoint& checkpoint, const at::Generator& generator);

}  // namespace srm
