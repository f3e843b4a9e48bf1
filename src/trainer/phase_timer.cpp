// Phase timer (see phase_timer.h).
#include "trainer/phase_timer.h"

#include <fmt/format.h>

namespace srm {

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::Data: return "data";
    case Phase::Sampler: return "sampler (K steps)";
    case Phase::ParamGrad: return "parameter gradient";
    case Phase::AllReduce: return "all-reduce";
    case Phase::Optimizer: return "optimizer";
    case Phase::Io: return "I/O (archive, PNG)";
    case Phase::Checkpoint: return "checkpoint";
    default: return "?";
  }
}

PhaseTimer::PhaseTimer(std::function<void()> synchronize)
    : synchronize_(std::move(synchronize)), last_(std::chrono::steady_clock::now()) {}

void PhaseTimer::start() {
  if (synchronize_) synchronize_();
  last_ = std::chrono::steady_clock::now();
}

void PhaseTimer::mark(Phase phase) {
  if (synchronize_) synchronize_();
  const auto now = std::chrono::steady_clock::now();
  seconds_[static_cast<size_t>(phase)] += std::chrono::duration<double>(now - last_).count();
  last_ = now;
}

void PhaseTimer::reset() {
  seconds_.fill(0.0);
  iterations_ = 0;
}

double PhaseTimer::total_seconds() const {
  double total = 0;
  for (double s : seconds_) total += s;
  return total;
}

std::string format_phase_report(const PhaseTimer& timer, int64_t local_batch, int world_size) {
  const double n = static_cast<double>(std::max<int64_t>(timer.iterations(), 1));
  const double total = timer.total_seconds();
  std::string out = fmt::format("per-iteration time over {} iterations (rank 0):\n", timer.iterations());
  for (int p = 0; p < static_cast<int>(Phase::Count); ++p) {
    const double s = timer.seconds(static_cast<Phase>(p));
    out += fmt::format("  {:<22} {:10.3f} ms  {:5.1f}%\n", phase_name(static_cast<Phase>(p)), 1e3 * s / n,
                       total > 0 ? 100.0 * s / total : 0.0);
  }
  const double per_iteration = total / n;
  out += fmt::format("  {:<22} {:10.3f} ms\n", "total", 1e3 * per_iteration);
  out += fmt::format("images/s per rank: {:.1f} (local batch {}); whole job: {:.1f} ({} ranks)\n",
                     local_batch / per_iteration, local_batch, world_size * local_batch / per_iteration, world_size);
  return out;
}

}  // namespace srm
