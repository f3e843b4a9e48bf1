// `srm-dist train` (the default command) and `srm-dist bench` (the same run, with the time of
// every iteration split into phases and reported at the end): config -> dataset -> energy
// net -> communicator -> Trainer. Rank 0 prints the resolved config and the start-up table and writes the run
// directory; every rank trains its shard.
#pragma once

#include "cli/cli.h"
#include "comm/mpi_session.h"
#include "util/stop_signal.h"

namespace srm {

// Returns the process exit code.
// `stop_signals` is main's: installed for the whole process, so a SIGTERM or SIGUSR1 that
// arrives during start-up is acted on at the first step boundary, and one that arrives after
// the last (during the final drain or at exit) cannot kill a finished run.
int run_train_command(const CliArgs& args, const MpiSession& session, const StopSignalGuard& stop_signals);

}  // namespace srm
