// The prefetching loader: batches come out in iteration order, equal to synchronous loads, at
// every depth; it really reads ahead on its thread (the dataset sees the loads before next()
// asks); a load error reaches next() after the batches loaded before it; stopping early joins.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "data/batch_prefetcher.h"

namespace srm {
namespace {

// Example i is the constant i; loads are counted, and the load of `failing` throws.
class CountingDataset : public Dataset {
 public:
  explicit CountingDataset(int64_t failing = -1) : failing_(failing) {}
  int64_t size() const override { return 1000; }
  std::vector<int64_t> example_shape() const override { return {2}; }
  at::Tensor load(const std::vector<int64_t>& indices) const override {
    if (!indices.empty() && indices[0] == failing_) throw DataError("bad example");
    loads_.fetch_add(1);
    return torch::tensor(indices, torch::kFloat).unsqueeze(1).repeat({1, 2});
  }
  std::string describe() const override { return "counting"; }
  mutable std::atomic<int> loads_{0};

 private:
  int64_t failing_;
};

std::vector<int64_t> three_from(int64_t iteration) { return {3 * iteration, 3 * iteration + 1, 3 * iteration + 2}; }

TEST(BatchPrefetcher, SameBatchesInOrderAtEveryDepth) {
  const CountingDataset data;
  for (const int64_t depth : {0, 1, 2, 5}) {
    BatchPrefetcher batches(data, three_from, 4, 12, depth, false);
    for (int64_t it = 4; it < 12; ++it)
      EXPECT_TRUE(torch::equal(batches.next(), data.load(three_from(it)))) << "depth " << depth << " it " << it;
    EXPECT_THROW(batches.next(), std::logic_error);
  }
}

TEST(BatchPrefetcher, ReadsAheadUpToDepthWithoutBeingAsked) {
  const CountingDataset data;
  BatchPrefetcher batches(data, three_from, 0, 100, 3, false);
  for (int i = 0; i < 200 && data.loads_.load() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(data.loads_.load(), 3);  // depth 3: three batches ready, and no more
  batches.next();
  for (int i = 0; i < 200 && data.loads_.load() < 4; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(data.loads_.load(), 4);
}

TEST(BatchPrefetcher, LoadErrorReachesNextAfterEarlierBatches) {
  const CountingDataset data(/*failing=*/6);  // iteration 2's first index
  BatchPrefetcher batches(data, three_from, 0, 10, 4, false);
  EXPECT_TRUE(torch::equal(batches.next(), data.load(three_from(0))));
  EXPECT_TRUE(torch::equal(batches.next(), data.load(three_from(1))));
  EXPECT_THROW(batches.next(), DataError);
}

TEST(BatchPrefetcher, StopsEarlyWithBatchesPending) {
  const CountingDataset data;
  {
    BatchPrefetcher batches(data, three_from, 0, 1000, 8, false);
    batches.next();
  }  // the destructor joins the loading thread
  EXPECT_LE(data.loads_.load(), 10);
}

}  // namespace
}  // namespace srm
