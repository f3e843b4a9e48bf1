// Sampler settings from the config (see sampler_settings.h).
#include "sampler/sampler_settings.h"

namespace srm {

LangevinSettings sampler_settings(const SamplerConfig& config) {
  LangevinSettings settings{config.steps, config.step_size, config.noise, std::nullopt};
  if (config.method == "anila")
    settings.anila = AnilaSettings{config.anila_b, parse_anila_granularity(config.anila_granularity),
                                   parse_anila_scaling(config.anila_scaling)};
  settings.precision = parse_sampler_precision(config.precision);
  if (config.method == "mala") settings.correction = Correction::Mala;
  if (config.method == "hmc") settings.correction = Correction::Hmc;
  settings.leapfrog = config.hmc_leapfrog;
  settings.grad_clip = config.grad_clip;
  settings.clamp = config.clamp;
  return settings;
}

}  // namespace srm
