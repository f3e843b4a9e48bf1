// Divergence check (see divergence.h).
#include "trainer/divergence.h"

#include <fmt/format.h>

#include <cmath>

namespace srm {

void check_finite(const IterationMetrics& m) {
  const struct {
    const char* what;
    double value;
  } checks[] = {
      {"mean energy of the observed batch f(x+)", m.energy_data},
      {"mean energy of the short-run samples f(x-)", m.energy_samples},
      {"input gradient df/dx along the Langevin chain", m.chain_grad_norm},
      {"parameter gradient", m.param_grad_norm},
      {"loss", m.loss},
  };
  for (const auto& c : checks)
    if (!std::isfinite(c.value))
      throw TrainingDiverged(fmt::format(
          "training diverged at iteration {}: the {} is {}. Lower train.lr or sampler.step_size, "
          "or raise train.data_noise.", m.iteration, c.what, c.value));
}

}  // namespace srm
