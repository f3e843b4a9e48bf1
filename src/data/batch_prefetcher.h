// Loads the training batches of the coming iterations on a background thread, `depth` batches
// ahead of the one being trained on, so reading and decoding (an HDF5 image set on disk) overlap
// with the sampler. Batches come out in iteration order and are exactly what a synchronous
// load would give (loading draws no random numbers). A load error is rethrown by next().
#pragma once

#include <ATen/core/Tensor.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "data/dataset.h"
#include "io/serialized_calls.h"

namespace srm {

class BatchPrefetcher {
 public:
  using IndicesOf = std::function<std::vector<int64_t>(int64_t iteration)>;

  // Batches of iterations first, first + 1, ..., end - 1. depth 0: no thread, next() loads.
  // pin_memory: page-locked CPU batches, for asynchronous copies to a GPU. calls: when given,
  // every load goes through it (a gate shared with the writer for a non-thread-safe HDF5).
  BatchPrefetcher(const Dataset& data, IndicesOf indices_of, int64_t first, int64_t end, int64_t depth,
                  bool pin_memory, const SerializedCalls* calls = nullptr);
  ~BatchPrefetcher();  // stops the thread after its current load and joins it
  BatchPrefetcher(const BatchPrefetcher&) = delete;
  BatchPrefetcher& operator=(const BatchPrefetcher&) = delete;

  // The next iteration's batch (CPU), waiting for it if it is not loaded yet.
  at::Tensor next();

 private:
  at::Tensor load(int64_t iteration) const;
  void loop();

  const Dataset& data_;
  IndicesOf indices_of_;
  int64_t next_to_hand_out_, next_to_load_;
  const int64_t end_, depth_;
  const bool pin_memory_;
  const SerializedCalls* calls_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<at::Tensor> ready_;
  std::exception_ptr error_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

}  // namespace srm
