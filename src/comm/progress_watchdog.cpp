// Progress watchdog (see progress_watchdog.h).
#include "comm/progress_watchdog.h"

#include <fmt/format.h>

namespace srm {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ProgressWatchdog::ProgressWatchdog(double timeout_seconds, std::function<void(const std::string&)> on_timeout)
    : timeout_(timeout_seconds), on_timeout_(std::move(on_timeout)), last_beat_ns_(now_ns()) {
  if (timeout_ > 0) thread_ = std::thread([this] { watch(); });
}

ProgressWatchdog::~ProgressWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProgressWatchdog::beat(int64_t iteration) {
  iteration_.store(iteration);
  last_beat_ns_.store(now_ns());
}

void ProgressWatchdog::watch() {
  const auto poll = std::chrono::duration<double>(std::min(1.0, timeout_ / 4));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_signal_.wait_for(lock, poll, [this] { return stopping_; })) {
    const double idle = static_cast<double>(now_ns() - last_beat_ns_.load()) * 1e-9;
    if (idle > timeout_) {
      on_timeout_(fmt::format("no progress for {:.0f} s after iteration {} (dist.timeout = {:g} s): stuck in a "
                              "collective with a dead or stalled rank, or a hung device", idle, iteration_.load(),
                              timeout_));
      return;
    }
  }
}

}  // namespace srm
