// `srm-dist longrun RUN`: the anatomy paper's check (Nijkamp et al. 2020) of whether a trained
// energy is a valid density of the data. Long chains (--steps, default 10,000) of the run's
// sampler (Langevin, AniLA, or --set sampler.method=mala for a Metropolis-adjusted chain) start
// from the data (--from data), from the run's own short-run samples (samples, the default) or
// from p0 (noise); f and ||df/dx|| are recorded at log-spaced steps (1, 2, 5, 10, 20, 50, ...)
// with a snapshot of every chain. Writes PREFIX.h5 (/steps, /energy, /grad_norm, /snapshots,
// attribute data_energy) and PREFIX.png (a strip per chain through the recorded steps; the final
// points for 2-D data), and prints a YAML report whose verdict says whether the long-run energy
// rises above the data's (the oversaturation sign: the learned density puts its mass off the
// data). One process.
#pragma once

#include "cli/cli.h"

namespace srm {

int run_longrun_command(const CliArgs& args);

// The steps at which the chain is recorded: 0, then 1, 2, 5, 10, 20, 50, ... up to and including
// `steps`.
std::vector<int64_t> log_spaced_steps(int64_t steps);

}  // namespace srm
