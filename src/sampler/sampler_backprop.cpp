// Backpropagation through the sampler by recomputation (see sampler_backprop.h).
#include "sampler/sampler_backprop.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include <vector>

namespace srm {

SamplerGradient sampler_input_gradient(EnergyNet& energy, const LangevinSettings& settings, const at::Tensor& z,
                                       const std::function<at::Tensor(const at::Tensor&)>& loss_grad) {
  std::vector<at::Tensor> states{z.detach()};
  states.reserve(static_cast<size_t>(settings.steps) + 1);
  for (int64_t k = 0; k < settings.steps; ++k) {
    const at::Tensor& x = states.back();
    at::Tensor grad = energy.input_gradient(x);
    if (settings.grad_clip > 0) grad = clip_per_example(grad, settings.grad_clip);  // as the sampler's steps
    states.push_back(clamp_to_range(x + langevin_drift(grad, settings), settings));
  }
  at::Tensor v = loss_grad(states.back());
  for (int64_t k = settings.steps - 1; k >= 0; --k) {
    const at::Tensor x = states[static_cast<size_t>(k)].detach().requires_grad_(true);
    const at::Tensor next = differentiable_drift_step(energy, x, settings);
    v = torch::autograd::grad({next}, {x}, {v})[0];
  }
  return {states.back(), v};
}

}  // namespace srm
