// Wall time per phase of a training iteration (data, sampler, parameter gradient, all-reduce,
// optimizer, archive I/O, checkpoint), for `srm-dist bench`. Each mark() charges the time since the previous mark
// to a phase. On CUDA it synchronises the device first, so only attach it when measuring.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <string>

namespace srm {

enum class Phase { Data, Sampler, ParamGrad, AllReduce, Optimizer, Io, Checkpoint, Count };

const char* phase_name(Phase phase);

class PhaseTimer {
 public:
  // `synchronize` (may be empty) waits for queued device work before a time stamp.
  explicit PhaseTimer(std::function<void()> synchronize = {});

  void start();             // begins timing (the next mark() measures from here)
  void mark(Phase phase);   // charges the time since the last start()/mark() to `phase`
  void reset();             // forgets everything measured (e.g. after warm-up)
  void count_iteration() { ++iterations_; }

  double seconds(Phase phase) const { return seconds_[static_cast<size_t>(phase)]; }
  double total_seconds() const;
  int64_t iterations() const { return iterations_; }

 private:
  std::function<void()> synchronize_;
  std::chrono::steady_clock::time_point last_;
  std::array<double, static_cast<size_t>(Phase::Count)> seconds_{};
  int64_t iterations_ = 0;
};

// The bench report: per phase ms/iteration and share, plus images/s for `local_batch`.
std::string format_phase_report(const PhaseTimer& timer, int64_t local_batch, int world_size);

}  // namespace srm
