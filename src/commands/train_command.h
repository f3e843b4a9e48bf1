// `srm-dist train` (the default command): config -> dataset -> energy net -> Trainer, with
// the resolved config printed at start and the run directory written as it goes.
#pragma once

#include "cli/cli.h"

namespace srm {

// Returns the process exit code.
int run_train_command(const CliArgs& args);

}  // namespace srm
