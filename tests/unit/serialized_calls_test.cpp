// With a gate that serializes (an HDF5 that is not thread-safe), the background writer's jobs
// and the prefetching loader's loads never overlap; without one they may. And the writer's
// queue is bounded: submit() waits once max_queued jobs are waiting.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "data/batch_prefetcher.h"
#include "io/background_writer.h"
#include "io/serialized_calls.h"

namespace srm {
namespace {

// Counts how many "library calls" are in flight at once, and the most ever seen.
struct InFlight {
  std::atomic<int> now{0}, most{0};
  void call() {
    const int n = now.fetch_add(1) + 1;
    int seen = most.load();
    while (n > seen && !most.compare_exchange_weak(seen, n)) {}
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    now.fetch_sub(1);
  }
};

class LibraryDataset : public Dataset {
 public:
  explicit LibraryDataset(InFlight& calls) : calls_(calls) {}
  int64_t size() const override { return 1000; }
  std::vector<int64_t> example_shape() const override { return {1}; }
  at::Tensor load(const std::vector<int64_t>& indices) const override {
    calls_.call();
    return torch::tensor(indices, torch::kFloat).unsqueeze(1);
  }
  std::string describe() const override { return "library"; }

 private:
  InFlight& calls_;
};

int most_calls_in_flight(bool serialize) {
  InFlight calls;
  const SerializedCalls gate(serialize);
  const LibraryDataset data(calls);
  BackgroundWriter writer(&gate, 1000);
  BatchPrefetcher batches(data, [](int64_t it) { return std::vector<int64_t>{it}; }, 0, 200, 3, false, &gate);
  for (int i = 0; i < 200; ++i) writer.submit([&calls] { calls.call(); });
  for (int i = 0; i < 200; ++i) EXPECT_EQ(batches.next().item<float>(), static_cast<float>(i));
  writer.drain();
  return calls.most.load();
}

TEST(SerializedCalls, WriterJobsAndLoaderReadsTakeTurnsWhenSerializing) {
  EXPECT_EQ(most_calls_in_flight(true), 1);
  // The same workload without the gate does overlap (so the check above can fail).
  EXPECT_GE(most_calls_in_flight(false), 2);
}

TEST(BackgroundWriter, SubmitWaitsWhileTheQueueIsFull) {
  std::atomic<bool> release{false};
  BackgroundWriter writer(nullptr, 2);
  writer.submit([&release] {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the blocking job is running
  writer.submit([] {});
  writer.submit([] {});  // two waiting: the queue is full
  std::atomic<bool> third_queued{false};
  std::thread submitter([&] {
    writer.submit([] {});
    third_queued = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(third_queued) << "a third job was queued beyond max_queued = 2";
  release = true;
  submitter.join();
  EXPECT_TRUE(third_queued);
  writer.drain();
}

}  // namespace
}  // namespace srm
