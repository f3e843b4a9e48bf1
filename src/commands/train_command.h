// `srm-dist train` (the default command) and `srm-dist bench` (the same run, with the time of
// every iteration split into phases and reported at the end): config -> dataset -> energy
// net -> communicator -> Trainer. Rank 0 prints the resolved config and the start-up table and writes the run
// directory; every rank trains its shard.
#pragma once

#include "cli/cli.h"
#include "comm/mpi_session.h"

namespace srm {

// Returns the process exit code.
int run_train_command(const CliArgs& args, const MpiSession& session);

}  // namespace srm
