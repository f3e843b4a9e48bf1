// `srm-dist fid A [B] [--save-stats OUT.npz] [-n N] [--features inception|FILE.pt]`: FID and KID
// between two image sets, each an HDF5 image set or samples file, an IDX file, a CIFAR-10
// folder, or a statistics .npz (FID only, unless it holds features); with --save-stats, A's
// statistics in pytorch-fid's .npz layout. The standard FID Inception and pytorch-fid's input
// protocol by default (eval/fid_protocol.h). Under mpirun each rank extracts its share of each
// set; the features are all-reduced. The report (YAML on stdout, and PREFIX.yaml with -o)
// records N, the sets and their checksums, the extractor's hash and the protocol.
#pragma once

#include "cli/cli.h"
#include "comm/mpi_session.h"

namespace srm {

int run_fid_command(const CliArgs& args, const MpiSession& session);

}  // namespace srm
