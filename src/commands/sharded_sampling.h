// Drawing many samples from a trained model's sampler across the ranks of a job, in rounds:
// each round of `round_size` rows is split over the ranks (data/batch_plan.h's shard_of), each
// rank runs its chains from its own stream (seeded by (seed, purpose, rank)) and hands its rows
// to a callback. Shared by `sample` (which gathers the rows to rank 0) and `eval` (which only
// accumulates statistics of them).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>

#include "commands/trained_model.h"
#include "data/batch_plan.h"

namespace srm {

struct SampleRound {
  int64_t start = 0;   // index of the round's first row among all `total`
  int64_t rows = 0;    // rows in this round (over all ranks)
  Shard shard;         // this rank's rows within the round
  at::Tensor samples;  // (shard.count, ...example) on the model's device; undefined when count is 0
};

// purpose: a constant that separates the streams of different commands.
void draw_sharded_samples(const TrainedModel& model, int rank, int world, int64_t total, uint64_t purpose,
                          const c10::Device& device, const std::function<void(const SampleRound&)>& on_round);

}  // namespace srm
