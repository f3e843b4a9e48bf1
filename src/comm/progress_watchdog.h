// Ends a job that stops making progress: a thread that expects a heartbeat at least every
// `timeout` seconds (the trainer beats once per iteration) and otherwise reports which rank
// is stuck, where, and calls `on_timeout` (main's MPI_Abort), so a rank stuck in a collective
// whose peer died or stalled cannot hang the job forever.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace srm {

class ProgressWatchdog {
 public:
  // on_timeout receives the message; it should not return (it aborts the job).
  ProgressWatchdog(double timeout_seconds, std::function<void(const std::string&)> on_timeout);
  ~ProgressWatchdog();
  ProgressWatchdog(const ProgressWatchdog&) = delete;
  ProgressWatchdog& operator=(const ProgressWatchdog&) = delete;

  // Called once per iteration by the rank's training loop.
  void beat(int64_t iteration);

 private:
  void watch();
  double timeout_;
  std::function<void(const std::string&)> on_timeout_;
  std::atomic<int64_t> last_beat_ns_;
  std::atomic<int64_t> iteration_{0};
  std::mutex mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace srm
