// `srm-dist interpolate RUN`: the paper's Figure 3. For P pairs (z1, z2) ~ p0 and a grid of
// rho in [0, 1], x_rho = M_theta(z_rho) with z_rho = rho z1 + sqrt(1 - rho^2) z2, with the
// noise-free sampler (u = 0; `--set sampler.noise=...` restores noise). Writes PREFIX.h5
// (/interpolations (P, R, ...example), /rho (R)), PREFIX.png (one row per pair) and, for
// images, PREFIX_pair_<p>.png (one strip per pair).
#pragma once

#include "cli/cli.h"

namespace srm {

int run_interpolate_command(const CliArgs& args);

}  // namespace srm
