// `srm-dist sample RUN`: N samples x = M_theta(z), z ~ p0, from a trained run's sampler into
// PREFIX.h5 (/images, float32 (N, ...example)) and a PNG grid of the first 64. Batched
// (train.batch_size per round), with a progress line; under mpirun every rank draws its share
// of each round with its own stream and rank 0 writes.
#pragma once

#include "cli/cli.h"
#include "comm/mpi_session.h"

namespace srm {

int run_sample_command(const CliArgs& args, const MpiSession& session);

}  // namespace srm
