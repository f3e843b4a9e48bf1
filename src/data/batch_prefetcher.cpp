// Background batch loading (see batch_prefetcher.h).
#include "data/batch_prefetcher.h"

#include <ATen/ATen.h>

#include <stdexcept>

namespace srm {

BatchPrefetcher::BatchPrefetcher(const Dataset& data, IndicesOf indices_of, int64_t first, int64_t end,
                                 int64_t depth, bool pin_memory, const SerializedCalls* calls)
    : data_(data), indices_of_(std::move(indices_of)), next_to_hand_out_(first), next_to_load_(first),
      end_(end), depth_(depth), pin_memory_(pin_memory), calls_(calls) {
  if (depth < 0) throw std::invalid_argument("BatchPrefetcher: depth must be >= 0");
  if (depth > 0) thread_ = std::thread([this] { loop(); });
}

BatchPrefetcher::~BatchPrefetcher() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

at::Tensor BatchPrefetcher::load(int64_t iteration) const {
  const std::vector<int64_t> indices = indices_of_(iteration);
  at::Tensor batch = calls_ ? calls_->run([&] { return data_.load(indices); }) : data_.load(indices);
  return pin_memory_ ? batch.pin_memory() : batch;
}

void BatchPrefetcher::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] {
      return stopping_ || error_ || (next_to_load_ < end_ && static_cast<int64_t>(ready_.size()) < depth_);
    });
    if (stopping_ || error_) return;
    const int64_t iteration = next_to_load_++;
    lock.unlock();
    at::Tensor batch;
    std::exception_ptr error;
    try {
      batch = load(iteration);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (error)
      error_ = error;
    else
      ready_.push_back(std::move(batch));
    changed_.notify_all();
  }
}

at::Tensor BatchPrefetcher::next() {
  if (next_to_hand_out_ >= end_) throw std::logic_error("BatchPrefetcher: no batch past the last iteration");
  if (!thread_.joinable()) return load(next_to_hand_out_++);
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !ready_.empty() || error_; });
  if (ready_.empty()) std::rethrow_exception(error_);  // batches loaded before the error come first
  at::Tensor batch = std::move(ready_.front());
  ready_.pop_front();
  ++next_to_hand_out_;
  lock.unlock();
  changed_.notify_all();
  return batch;
}

}  // namespace srm
