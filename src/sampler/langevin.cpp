// Short-run Langevin sampler (see langevin.h).
#include "sampler/langevin.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

namespace srm {

at::Tensor energy_input_gradient(EnergyNet& energy, const at::Tensor& x) {
  at::Tensor leaf = x.detach().requires_grad_(true);
  at::Tensor f = energy.forward(leaf).sum();
  return torch::autograd::grad({f}, {leaf})[0];
}

ChainResult LangevinSampler::run(EnergyNet& energy, const at::Tensor& x0, NoiseStream& noise) const {
  at::Tensor x = x0.detach().clone();
  const std::vector<int64_t> example_shape(x.sizes().begin() + 1, x.sizes().end());
  at::Tensor grad_norm_sum = at::zeros({}, x.options());
  for (int64_t k = 0; k < settings_.steps; ++k) {
    at::Tensor grad = energy_input_gradient(energy, x);
    grad_norm_sum += grad.flatten(1).norm(2, {1}).mean();
    if (!settings_.anila) {
      x.add_(grad, settings_.step_size);
      if (settings_.noise > 0) x.add_(noise.normal(x.size(0), example_shape, x.options()), settings_.noise);
      continue;
    }
    const at::Tensor gamma = anila_gamma(grad, *settings_.anila);
    const bool drift_too = settings_.anila->scaling == AnilaScaling::DriftAndNoise;
    x.add_(drift_too ? grad * gamma : grad, settings_.step_size);
    if (settings_.noise > 0) {
      const at::Tensor draw = noise.normal(x.size(0), example_shape, x.options());
      x.add_(draw * (drift_too ? gamma.sqrt() : gamma), settings_.noise);
    }
  }
  const double steps = static_cast<double>(std::max<int64_t>(settings_.steps, 1));
  return {x, grad_norm_sum / steps};
}

}  // namespace srm
