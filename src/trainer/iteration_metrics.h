// The per-iteration diagnostics of Algorithm 1, as stored in metrics.csv and the archive's
// /metrics table (one row per iteration).
#pragma once

#include <cstdint>

namespace srm {

struct IterationMetrics {
  int64_t iteration = 0;         // 1-based: number of parameter updates done
  double loss = 0;               // mean f(x-) - mean f(x+) (minimised)
  double energy_data = 0;        // mean f(x+) over the observed (noised) batch
  double energy_samples = 0;     // mean f(x-) over the short-run samples
  double energy_diff = 0;        // energy_data - energy_samples
  double chain_grad_norm = 0;    // mean ||df/dx||_2 over chains and Langevin steps
  double param_grad_norm = 0;    // ||dloss/dtheta||_2 after reduction
  double lr = 0;
  double data_noise = 0;
  double seconds = 0;            // wall time of this iteration
  double samples_abs_max = 0;    // max |x-| over the global batch (a Max all-reduce over the ranks)
  double grad_clipped = 0;       // 1 when train.grad_clip scaled this iteration's gradient down
  double accept_rate = 1;        // MALA / HMC: accepted proposals / proposals (1 for unadjusted samplers)
};

}  // namespace srm
