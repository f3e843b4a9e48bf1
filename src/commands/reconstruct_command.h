// `srm-dist reconstruct RUN`: the paper's reconstruction (Section 5.3, Table 1(b), Figure 4).
// For n observed images x (the run's dataset, or held-out ones via --set data.path=...), find
// z minimising the per-pixel MSE ||x - M_theta(z)||^2 / D by Adam on z (lr 0.1, --steps, default
// 200), backpropagating through the noise-free K-step sampler with bounded memory
// (sampler_backprop.h). Reports the per-pixel MSE per image and on average; writes PREFIX.h5
// (/observed, /reconstruction, /mse, /trajectory: M_theta(z_t) at 9 points of the optimisation)
// and PREFIX.png (first row observed, then the trajectory).
#pragma once

#include "cli/cli.h"

namespace srm {

int run_reconstruct_command(const CliArgs& args);

}  // namespace srm
