// Short-run Langevin sampler (see langevin.h).
#include "sampler/langevin.h"

#include "sampler/metropolis.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include <numeric>

namespace srm {

at::Tensor langevin_drift(const at::Tensor& grad, const LangevinSettings& settings) {
  if (!settings.anila || settings.anila->scaling == AnilaScaling::NoiseOnly) return grad * settings.step_size;
  return grad * anila_gamma(grad, *settings.anila) * settings.step_size;
}

at::Tensor langevin_noise_scale(const at::Tensor& grad, const LangevinSettings& settings) {
  if (!settings.anila) return at::full({}, settings.noise, grad.options());
  const at::Tensor gamma = anila_gamma(grad, *settings.anila);
  return (settings.anila->scaling == AnilaScaling::DriftAndNoise ? gamma.sqrt() : gamma) * settings.noise;
}

at::Tensor differentiable_drift_step(EnergyNet& energy, const at::Tensor& x, const LangevinSettings& settings) {
  const at::Tensor f = energy.forward(x).sum();
  at::Tensor grad = torch::autograd::grad({f}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  if (settings.grad_clip > 0) grad = clip_per_example(grad, settings.grad_clip);  // differentiable
  return clamp_to_range(x + langevin_drift(grad, settings), settings);
}

at::Tensor clamp_to_range(const at::Tensor& x, const LangevinSettings& settings) {
  return settings.clamp > 0 ? at::clamp(x, -settings.clamp, settings.clamp) : x;
}

at::Tensor clip_per_example(const at::Tensor& grad, double max_norm) {
  std::vector<int64_t> dims(static_cast<size_t>(grad.dim() - 1));
  std::iota(dims.begin(), dims.end(), 1);
  const at::Tensor norm = at::linalg_vector_norm(grad, 2, dims, /*keepdim=*/true);
  return grad * at::clamp_max(max_norm / at::clamp_min(norm, 1e-30), 1.0);
}

ChainResult LangevinSampler::run(EnergyNet& energy, const at::Tensor& x0, NoiseStream& noise) const {
  if (settings_.correction != Correction::None) return run_metropolis(energy, x0, noise, settings_);
  const SamplerPrecisionScope precision(settings_.precision);
  const std::optional<at::ScalarType> compute_dtype = sampler_compute_dtype(settings_.precision);
  at::Tensor x = x0.detach().clone(energy.input_memory_format());
  const std::vector<int64_t> example_shape(x.sizes().begin() + 1, x.sizes().end());
  std::vector<int64_t> example_dims(example_shape.size());
  std::iota(example_dims.begin(), example_dims.end(), 1);
  at::Tensor grad_norm_sum = at::zeros({x.size(0)}, x.options());  // per chain, summed over steps
  for (int64_t k = 0; k < settings_.steps; ++k) {
    at::Tensor grad = energy.input_gradient(x, compute_dtype);
    grad_norm_sum.add_(at::linalg_vector_norm(grad, 2, example_dims));
    if (settings_.grad_clip > 0) grad = clip_per_example(grad, settings_.grad_clip);
    if (!settings_.anila) {  // plain Langevin: scalar coefficients, in place
      x.add_(grad, settings_.step_size);
      if (settings_.noise > 0) x.add_(noise.normal(x.size(0), example_shape, x.options()), settings_.noise);
    } else {
      x.add_(langevin_drift(grad, settings_));
      if (settings_.noise > 0)
        x.add_(noise.normal(x.size(0), example_shape, x.options()) * langevin_noise_scale(grad, settings_));
    }
    if (settings_.clamp > 0) x.clamp_(-settings_.clamp, settings_.clamp);  // in place, as clamp_to_range
  }
  const double steps = static_cast<double>(std::max<int64_t>(settings_.steps, 1));
  return {x, grad_norm_sum.mean() / steps, at::ones({}, x.options())};
}

}  // namespace srm
