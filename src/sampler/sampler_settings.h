// The sampler a config describes (sampler.method, steps, step_size, noise, anila_*), for
// training and for every command that runs the learned sampler M_theta.
#pragma once

#include "config/config.h"
#include "sampler/langevin.h"

namespace srm {

LangevinSettings sampler_settings(const SamplerConfig& config);

}  // namespace srm
