// Moving a live training state in and out of a TrainingCheckpoint: the model's parameters,
// Adam's moments (matched to parameters by position in named_parameters()), and the ranks'
// random generators (gathered to every rank by one all-reduce; restored per rank).
#pragma once

#include <ATen/core/Generator.h>

#include <string>

#include "checkpoint/training_checkpoint.h"
#include "comm/communicator.h"
#include "model/energy_net.h"

namespace torch::optim {
class Adam;
}

namespace srm {

// Collective: every rank must call it at the same iteration. Returns every rank's generator
// state on every rank (rng_states has one row per rank), and the parameters and Adam moments
// on rank 0 only (the rank that writes checkpoints); config_yaml, version, data position and
// anneal horizon are left to the caller.
TrainingCheckpoint capture_training_state(EnergyNet& energy, torch::optim::Adam& optimizer,
                                          const at::Generator& generator, Communicator& comm, int64_t iteration);

// Throws CheckpointError naming `path` when the checkpoint's parameter names or shapes differ
// from the model's.
void check_model_matches(const TrainingCheckpoint& checkpoint, EnergyNet& energy, const std::string& path);

// Copies parameters and Adam moments into the model / optimizer (created, no step taken yet)
// and this rank's row of rng_states into `generator` when generator_state_fits(); otherwise
// the generator is left as it is and the caller reseeds it.
void restore_training_state(const TrainingCheckpoint& checkpoint, EnergyNet& energy, torch::optim::Adam& optimizer,
                            at::Generator& generator, int rank);

// Whether the checkpoint's generator states are of `generator`'s kind (a run resumed on
// another device type, CPU <-> CUDA, cannot continue its random stream).
bool generator_state_fits(const TrainingCheckpoint& checkpoint, const at::Generator& generator);

}  // namespace srm
