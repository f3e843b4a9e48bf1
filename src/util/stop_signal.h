// Graceful stop on SIGTERM / SIGUSR1 (Slurm's warning signal before the time limit, and what
// `scontrol requeue` or preemption sends first). The handler only records which signal came;
// the trainer polls it at step boundaries, all ranks agree, checkpoint, and exit 0.
//
// This is the project's one piece of process-wide mutable state: a POSIX signal handler can
// only talk to the program through a static `volatile sig_atomic_t`. It lives in
// stop_signal.cpp and is reached only through StopSignalGuard.
#pragma once

#include <string>

namespace srm {

class StopSignalGuard {
 public:
  // Installs the handlers for SIGTERM and SIGUSR1 and clears any earlier request; the
  // destructor restores the previous handlers.
  StopSignalGuard();
  ~StopSignalGuard();
  StopSignalGuard(const StopSignalGuard&) = delete;
  StopSignalGuard& operator=(const StopSignalGuard&) = delete;

  // The number of the first signal received since construction, or 0.
  int received() const;
};

// "SIGTERM", "SIGUSR1", "signal N"; "" for 0.
std::string stop_signal_name(int signal_number);

}  // namespace srm
