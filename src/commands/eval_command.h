// `srm-dist eval RUN [--reference FILE] [--features inception|EXTRACTOR.pt] [-n N]`: FID and
// KID between N samples of the run's sampler (default 10,000) and N examples of the run's
// training data (data.*, data.max_examples limiting it), or of --reference (an image set, or a
// statistics .npz: FID only unless it holds features), in the standard FID Inception's
// features by default (eval/fid_protocol.h: pytorch-fid's input protocol). The reference's
// features are cached in RUN/eval_cache (reference_statistics.h). With --classifier, also the
// Inception Score of the samples (the standard Inception file has no logits, so IS needs a
// classifier of the user's). Under mpirun each rank draws and embeds its share.
//
// A user extractor receives float32 (B, ...example) in model space ([-1, 1] at the run's
// resolution) and returns (B, F); resizing and normalising belong inside such a module.
// The report (stdout and PREFIX.yaml) records N, both sets and their checksums, the
// extractor's SHA-1 and the protocol.
#pragma once

#include "cli/cli.h"
#include "comm/mpi_session.h"

namespace srm {

int run_eval_command(const CliArgs& args, const MpiSession& session);

}  // namespace srm
