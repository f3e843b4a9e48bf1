// Deterministic, sharded batch order (see batch_plan.h).
#include "data/batch_plan.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "util/seed.h"

namespace srm {

std::vector<int64_t> epoch_permutation(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  uint64_t state = derive_seed(seed, static_cast<uint64_t>(epoch));
  for (int64_t i = n - 1; i > 0; --i) {
    state = derive_seed(state, static_cast<uint64_t>(i));
    // The top 32 bits times (i + 1), shifted: a draw in [0, i] with negligible bias for n < 2^32.
    const auto j = static_cast<int64_t>(((state >> 32) * static_cast<uint64_t>(i + 1)) >> 32);
    std::swap(perm[i], perm[j]);
  }
  return perm;
}

Shard shard_of(int64_t global, int rank, int world) {
  if (world <= 0 || rank < 0 || rank >= world) throw std::invalid_argument("shard_of: bad rank/world");
  const int64_t base = global / world, extra = global % world;
  Shard s;
  s.count = base + (rank < extra ? 1 : 0);
  s.offset = rank * base + std::min<int64_t>(rank, extra);
  return s;
}

BatchPlan::BatchPlan(int64_t n, int64_t global_batch, uint64_t seed, int rank, int world)
    : n_(n), global_batch_(std::min(global_batch, n)), batches_per_epoch_(0), seed_(seed),
      rank_(rank), world_(world) {
  if (n <= 0) throw std::invalid_argument("BatchPlan: empty dataset");
  batches_per_epoch_ = n_ / global_batch_;
  shard_of(global_batch_, rank, world);  // validates rank and world
}

std::vector<int64_t> BatchPlan::indices(int64_t iteration) {
  const int64_t epoch = iteration / batches_per_epoch_;
  const int64_t batch = iteration % batches_per_epoch_;
  if (epoch != cached_epoch_) {
    permutation_ = epoch_permutation(n_, seed_, epoch);
    cached_epoch_ = epoch;
  }
  const Shard s = shard();
  const auto begin = permutation_.begin() + batch * global_batch_ + s.offset;
  return std::vector<int64_t>(begin, begin + s.count);
}

}  // namespace srm
