// MALA and HMC transitions (see metropolis.h).
#include "sampler/metropolis.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <numeric>
#include <vector>

namespace srm {
namespace {

// Sum over each example's coordinates: (B, ...) -> (B,).
at::Tensor per_example_sum(const at::Tensor& t) { return t.flatten(1).sum(1); }

// Where `accept` (B,) holds, `proposed` replaces `current` (rows of any shape).
at::Tensor choose(const at::Tensor& accept, const at::Tensor& proposed, const at::Tensor& current) {
  std::vector<int64_t> shape(static_cast<size_t>(current.dim()), 1);
  shape[0] = current.size(0);
  return at::where(accept.view(shape), proposed, current);
}

struct State {
  at::Tensor x, f, grad;
};

State evaluate(EnergyNet& energy, const at::Tensor& x, std::optional<at::ScalarType> compute_dtype) {
  const torch::NoGradGuard no_grad;
  return {x, energy.forward(x).to(x.scalar_type()), energy.input_gradient(x, compute_dtype)};
}

// The uniform draws on [0, 1) of the accept tests, one per chain.
at::Tensor uniform01(NoiseStream& noise, int64_t count, const at::TensorOptions& options) {
  return noise.uniform(count, {}, options).add(1.0).mul(0.5);
}

}  // namespace

at::Tensor mala_log_acceptance(const at::Tensor& x, const at::Tensor& fx, const at::Tensor& gx, const at::Tensor& y,
                               const at::Tensor& fy, const at::Tensor& gy, double step_size, double noise) {
  const double two_var = 2 * noise * noise;
  const at::Tensor log_q_forward = -per_example_sum((y - x - step_size * gx).pow(2)) / two_var;
  const at::Tensor log_q_backward = -per_example_sum((x - y - step_size * gy).pow(2)) / two_var;
  return fy - fx + log_q_backward - log_q_forward;
}

ChainResult run_metropolis(EnergyNet& energy, const at::Tensor& x0, NoiseStream& noise, const LangevinSettings& settings) {
  const SamplerPrecisionScope precision(settings.precision);
  const std::optional<at::ScalarType> compute_dtype = sampler_compute_dtype(settings.precision);
  const at::Tensor start = x0.detach().clone(energy.input_memory_format());
  const int64_t chains = start.size(0);
  const std::vector<int64_t> example_shape(start.sizes().begin() + 1, start.sizes().end());
  State current = evaluate(energy, start, compute_dtype);
  at::Tensor grad_norm_sum = at::zeros({chains}, start.options());
  at::Tensor accepted = at::zeros({chains}, start.options());
  const double eps = settings.step_size;
  for (int64_t k = 0; k < settings.steps; ++k) {
    grad_norm_sum.add_(per_example_sum(current.grad.pow(2)).sqrt());
    const at::Tensor draw = noise.normal(chains, example_shape, start.options());
    State proposed;
    at::Tensor log_ratio;
    if (settings.correction == Correction::Mala) {
      const at::Tensor y = current.x + settings.step_size * current.grad + settings.noise * draw;
      proposed = evaluate(energy, y, compute_dtype);
      log_ratio = mala_log_acceptance(current.x, current.f, current.grad, proposed.x, proposed.f, proposed.grad,
                                      settings.step_size, settings.noise);
    } else {  // HMC: leapfrog from (x, p = draw)
      at::Tensor p = draw + 0.5 * eps * current.grad;
      at::Tensor y = current.x;
      at::Tensor grad;
      for (int64_t l = 1; l <= settings.leapfrog; ++l) {
        y = y + eps * p;
        {
          const torch::NoGradGuard no_grad;
          grad = energy.input_gradient(y, compute_dtype);
        }
        if (l < settings.leapfrog) p = p + eps * grad;
      }
      p = p + 0.5 * eps * grad;
      {
        const torch::NoGradGuard no_grad;
        proposed = {y, energy.forward(y).to(y.scalar_type()), grad};
      }
      // H = -f + |p|^2 / 2:  log ratio = H(x, p0) - H(y, p)
      log_ratio = (proposed.f - current.f) + 0.5 * (per_example_sum(draw.pow(2)) - per_example_sum(p.pow(2)));
    }
    const at::Tensor u = uniform01(noise, chains, start.options());
    // log u < log ratio, with NaN ratios (a proposal off to infinity) rejected.
    const at::Tensor accept = at::log(u) < at::nan_to_num(log_ratio, -INFINITY);
    current = {choose(accept, proposed.x, current.x), at::where(accept, proposed.f, current.f),
               choose(accept, proposed.grad, current.grad)};
    accepted.add_(accept.to(accepted.scalar_type()));
  }
  const double steps = static_cast<double>(std::max<int64_t>(settings.steps, 1));
  at::Tensor rate = settings.steps > 0 ? accepted.mean() / steps : at::ones({}, start.options());
  return {current.x.contiguous(energy.input_memory_format()), grad_norm_sum.mean() / steps, rate};
}

}  // namespace srm
