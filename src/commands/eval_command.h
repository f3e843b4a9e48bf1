// `srm-dist eval RUN --features EXTRACTOR.pt [--classifier CLASSIFIER.pt] [-n N]`: Fréchet
// distance (FID when the extractor is Inception-v3) between N samples of the run's sampler and
// N examples of its data (or held-out data: --set data.path=...), in the feature space of a
// TorchScript module; with a classifier, also the Inception Score of the samples.
//
// The modules receive float32 (B, ...example) in model space ([-1, 1] images at the run's
// resolution) and return (B, F) features / (B, classes) logits; resizing and normalising for a
// network such as Inception-v3 belongs inside the module. Under mpirun each rank draws and
// embeds its share; the sums behind the statistics are all-reduced.
#pragma once

#include "cli/cli.h"
#include "comm/mpi_session.h"

namespace srm {

int run_eval_command(const CliArgs& args, const MpiSession& session);

}  // namespace srm
