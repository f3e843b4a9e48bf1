// `srm-dist interpolate RUN`: the paper's Figure 3. For P pairs (z1, z2) ~ p0 and a grid of
// rho in [0, 1], x_rho = M_theta(z_rho) with the noise-free sampler (u = 0; `--set
// sampler.noise=...` restores noise). The start z_rho follows `--interpolation`:
//   paper  (default): z_rho = rho z1 + sqrt(1 - rho^2) z2, the paper's formula. Exact for a
//          Gaussian p0; for uniform p0 on [-1, 1] interior rho leave p0's support (about 8.5%
//          of coordinates at rho = 0.7).
//   copula: for uniform p0 the same formula applied to the Gaussians behind z1 and z2
//          (u = erf(g / sqrt 2)), so every z_rho is exactly uniform on [-1, 1] (on [-s, s] for
//          sampler.init_scale = s, through z / s); for a Gaussian p0 identical to paper.
// Writes PREFIX.h5 (/interpolations (P, R, ...example), /rho (R), attribute interpolation),
// PREFIX.png (one row per pair) and, for images, PREFIX_pair_<p>.png (one strip per pair).
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

#include "cli/cli.h"
#include "sampler/initial_distribution.h"

namespace srm {

// z_rho for starts z1, z2 and rho, broadcast together (see above for `path`).
at::Tensor interpolated_starts(const std::string& path, const InitialDistribution& p0, const at::Tensor& z1,
                               const at::Tensor& z2, const at::Tensor& rho);

int run_interpolate_command(const CliArgs& args);

}  // namespace srm
