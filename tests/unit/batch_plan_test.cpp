// Batch order: a deterministic permutation per epoch; rank shards of every global batch are
// disjoint, cover the batch, and differ in size by at most one.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "data/batch_plan.h"

namespace srm {
namespace {

TEST(EpochPermutation, IsAPermutationAndDeterministic) {
  const auto p = epoch_permutation(1000, 42, 3);
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> iota(1000);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
  EXPECT_EQ(p, epoch_permutation(1000, 42, 3));
  EXPECT_NE(p, epoch_permutation(1000, 42, 4));
  EXPECT_NE(p, epoch_permutation(1000, 43, 3));
}

TEST(EpochPermutation, KnownValuesPinThePlatformIndependentOrder) {
  // Pinned so a change of the shuffle (which would silently change every run's data order,
  // and break resume across versions) fails here.
  EXPECT_EQ(epoch_permutation(10, 1, 0), std::vector<int64_t>({6, 7, 9, 5, 8, 0, 4, 3, 1, 2}));
}

TEST(Shard, UnevenDivisionGivesFirstRanksOneMore) {
  EXPECT_EQ(shard_of(10, 0, 3).count, 4);
  EXPECT_EQ(shard_of(10, 1, 3).count, 3);
  EXPECT_EQ(shard_of(10, 2, 3).count, 3);
  EXPECT_EQ(shard_of(10, 1, 3).offset, 4);
  EXPECT_EQ(shard_of(10, 2, 3).offset, 7);
  EXPECT_THROW(shard_of(10, 3, 3), std::invalid_argument);
}

TEST(BatchPlan, ShardsAreDisjointAndCoverEachGlobalBatch) {
  const int64_t n = 103, m = 10;
  for (int world = 1; world <= 5; ++world) {
    std::vector<BatchPlan> plans;
    for (int r = 0; r < world; ++r) plans.emplace_back(n, m, 7, r, world);
    std::set<int64_t> epoch_seen;
    const int64_t per_epoch = plans[0].batches_per_epoch();
    EXPECT_EQ(per_epoch, n / m);
    for (int64_t it = 0; it < 2 * per_epoch; ++it) {
      std::vector<int64_t> global;
      for (auto& plan : plans) {
        const auto idx = plan.indices(it);
        global.insert(global.end(), idx.begin(), idx.end());
      }
      ASSERT_EQ(static_cast<int64_t>(global.size()), m) << "world " << world;
      const std::set<int64_t> unique(global.begin(), global.end());
      ASSERT_EQ(static_cast<int64_t>(unique.size()), m) << "overlap, world " << world;
      // The union of the shards is the 1-rank batch.
      BatchPlan single(n, m, 7, 0, 1);
      EXPECT_EQ(global, single.indices(it));
      if (it < per_epoch) epoch_seen.insert(unique.begin(), unique.end());
    }
    // One epoch covers every example except the dropped remainder (n % m).
    EXPECT_EQ(static_cast<int64_t>(epoch_seen.size()), n - n % m);
  }
}

}  // namespace
}  // namespace srm
