// Which examples each rank trains on at each iteration: one deterministic permutation of the
// dataset per epoch (a pure function of seed and epoch), cut into global batches; each rank
// takes its contiguous share of the global batch. Pure functions of plain integers, so the
// sharding is testable in one process. The last incomplete batch of an epoch is dropped.
#pragma once

#include <cstdint>
#include <vector>

namespace srm {

// The permutation of [0, n) for `epoch`: Fisher-Yates driven by SplitMix64(seed, epoch), with
// no implementation-defined std:: distributions, so it is identical on every platform.
std::vector<int64_t> epoch_permutation(int64_t n, uint64_t seed, int64_t epoch);

// Rank r's share of a global batch of `global` examples over `world` ranks: the first
// global % world ranks get one more. Returns {offset, count} within the global batch.
struct Shard {
  int64_t offset = 0;
  int64_t count = 0;
};
Shard shard_of(int64_t global, int rank, int world);

class BatchPlan {
 public:
  // n examples, global batch size m (clamped to n), for rank `rank` of `world`.
  BatchPlan(int64_t n, int64_t global_batch, uint64_t seed, int rank, int world);

  int64_t batches_per_epoch() const { return batches_per_epoch_; }
  int64_t global_batch() const { return global_batch_; }
  Shard shard() const { return shard_of(global_batch_, rank_, world_); }

  // Dataset indices of this rank's shard at `iteration` (0-based).
  std::vector<int64_t> indices(int64_t iteration);

 private:
  int64_t n_, global_batch_, batches_per_epoch_;
  uint64_t seed_;
  int rank_, world_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> permutation_;
};

}  // namespace srm
