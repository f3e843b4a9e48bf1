// Divergence check (see divergence.h).
#include "trainer/divergence.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace srm {
namespace {

std::string non_finite_cause(const IterationMetrics& m) {
  const struct {
    const char* what;
    double value;
  } checks[] = {
      {"mean energy of the observed batch f(x+)", m.energy_data},
      {"mean energy of the short-run samples f(x-)", m.energy_samples},
      {"input gradient df/dx along the Langevin chain", m.chain_grad_norm},
      {"parameter gradient", m.param_grad_norm},
      {"loss", m.loss},
      {"largest |x-| of the short-run samples", m.samples_abs_max},
  };
  for (const auto& c : checks)
    if (!std::isfinite(c.value)) return fmt::format("the {} is {}", c.what, c.value);
  return "";
}

}  // namespace

std::string divergence_cause(const IterationMetrics& m, double data_abs_max, const TrainConfig& train) {
  std::string cause = non_finite_cause(m);
  if (!cause.empty()) return cause;
  const double bound = train.divergence_energy;
  if (bound > 0 && std::fabs(m.energy_data) > bound)
    return fmt::format("the mean energy of the observed batch f(x+) is {:.4g}, beyond train.divergence_energy = {:g}",
                       m.energy_data, bound);
  if (bound > 0 && std::fabs(m.energy_samples) > bound)
    return fmt::format("the mean energy of the short-run samples f(x-) is {:.4g}, beyond train.divergence_energy = {:g}",
                       m.energy_samples, bound);
  const double scale = std::max(1.0, data_abs_max);
  if (train.divergence_samples > 0 && m.samples_abs_max > train.divergence_samples * scale)
    return fmt::format("the short-run samples reach |x-| = {:.4g}, beyond train.divergence_samples = {:g} times the "
                       "data's range ({:g})", m.samples_abs_max, train.divergence_samples, scale);
  return "";
}

TrainingDiverged divergence_error(const IterationMetrics& m, const std::string& cause) {
  return TrainingDiverged(fmt::format(
      "training diverged at iteration {}: {}. Lower train.lr or sampler.step_size, raise train.data_noise, or try "
      "the stabilisers (train.ema, model.spectral_norm, train.energy_l2, train.grad_clip, train.on_divergence = "
      "rewind).", m.iteration, cause));
}

void check_finite(const IterationMetrics& m) {
  const std::string cause = non_finite_cause(m);
  if (!cause.empty()) throw divergence_error(m, cause);
}

}  // namespace srm
