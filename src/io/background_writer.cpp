// Background writer thread (see background_writer.h).
#include "io/background_writer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace srm {

BackgroundWriter::BackgroundWriter(const SerializedCalls* calls, size_t max_queued)
    : calls_(calls), max_queued_(std::max<size_t>(max_queued, 1)), thread_([this] { loop(); }) {}

BackgroundWriter::~BackgroundWriter() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (error_ && !error_reported_) {
    try {
      std::rethrow_exception(error_);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "srm-dist: a background write failed: %s\n", e.what());
    }
  }
}

void BackgroundWriter::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and nothing left to do
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    room_.notify_all();
    running_job_ = true;
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    std::exception_ptr failure;
    try {
      if (!error_) {  // after a failure, later writes are skipped (the run is stopping)
        if (calls_)
          calls_->run(job);
        else
          job();
      }
    } catch (...) {
      failure = std::current_exception();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    lock.lock();
    busy_seconds_ += seconds;
    if (failure && !error_) error_ = failure;
    running_job_ = false;
    if (jobs_.empty()) idle_.notify_all();
  }
}

void BackgroundWriter::rethrow_if_failed() {
  if (!error_) return;
  error_reported_ = true;
  std::rethrow_exception(error_);
}

void BackgroundWriter::submit(std::function<void()> job) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    room_.wait(lock, [this] { return jobs_.size() < max_queued_ || error_; });
    rethrow_if_failed();
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void BackgroundWriter::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return jobs_.empty() && !running_job_; });
  rethrow_if_failed();
}

double BackgroundWriter::busy_seconds() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return busy_seconds_;
}

}  // namespace srm
