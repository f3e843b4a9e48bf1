// `srm-dist inspect FILE.h5`: a summary of a run archive (header, config, metrics so far, sample
// batches, parameter snapshots, the run directory's checkpoints and status) or of one
// checkpoint file; `--export-batch I [--png OUT]` writes a stored sample batch as a PNG grid.
// Reads only, so it is safe on a live run.
#pragma once

#include "cli/cli.h"

namespace srm {

// Returns the process exit code.
int run_inspect_command(const CliArgs& args);

}  // namespace srm
