// Metropolis-adjusted samplers of exp(f), for chains that are valid MCMC for p_theta (the
// anatomy paper's "is the learned EBM a valid density?" question) and for training with them:
//
//   MALA  proposal y = x + s df/dx(x) + n xi, xi ~ N(0, I), the density of the step actually
//         used: q(y | x) = N(y; x + s df/dx(x), n^2 I); accept with
//         min(1, exp(f(y) - f(x) + log q(x | y) - log q(y | x))).
//         (Exact Langevin pairs n = sqrt(2 s); any s, n give a valid sampler.)
//   HMC   momentum p ~ N(0, I) (unit mass) refreshed every transition, `leapfrog` steps of size
//         eps = step_size, accept with min(1, exp(H(x, p) - H(y, p'))), H = -f + |p|^2 / 2.
//         With one leapfrog step it is MALA with s = eps^2 / 2, n = eps (the known identity).
//
// Accept / reject is per chain; the uniform draws come from the chain's noise stream after its
// normal draws, so per-rank and global-index streams work as for Langevin. Each transition costs
// one energy and one input-gradient pass (HMC: one energy and `leapfrog` input-gradient passes).
#pragma once

#include <ATen/core/Tensor.h>

#include "model/energy_net.h"
#include "sampler/langevin.h"
#include "sampler/noise_stream.h"

namespace srm {

// K transitions of settings.correction (Mala or Hmc) from x0.
ChainResult run_metropolis(EnergyNet& energy, const at::Tensor& x0, NoiseStream& noise, const LangevinSettings& settings);

// log of MALA's acceptance ratio per chain (B,): f(y) - f(x) + log q(x | y) - log q(y | x) with
// q(b | a) = N(b; a + s grad_a, n^2 I), from the states, their energies (B,) and gradients.
at::Tensor mala_log_acceptance(const at::Tensor& x, const at::Tensor& fx, const at::Tensor& gx, const at::Tensor& y,
                               const at::Tensor& fy, const at::Tensor& gy, double step_size, double noise);

}  // namespace srm
