// Feed-forward energy body (see sequential_energy.h).
#include "model/sequential_energy.h"

#include <ATen/ATen.h>

#include "model/layerwise_input_gradient.h"

namespace srm {

void SequentialEnergy::set_network(torch::nn::Sequential net, bool spectral_norm) {
  net_ = register_module("net", std::move(net));
  if (spectral_norm) spectral_norm_ = std::make_unique<SpectralNorm>(net_);
}

torch::Tensor SequentialEnergy::forward(const torch::Tensor& x) {
  const torch::Tensor f =
      spectral_norm_ ? sequential_forward(net_, x, spectral_norm_->normalised_weights()) : net_->forward(x);
  return f.view({x.size(0)});
}

torch::Tensor SequentialEnergy::input_gradient(const torch::Tensor& x, std::optional<at::ScalarType> compute_dtype) {
  if (!spectral_norm_) return layerwise_input_gradient(net_, x, compute_dtype);
  return layerwise_input_gradient(net_, x, compute_dtype, spectral_norm_->frozen_weights());
}

void SequentialEnergy::update_normalisation() {
  if (spectral_norm_) spectral_norm_->power_iteration();
}

std::vector<double> SequentialEnergy::spectral_sigmas() const {
  return spectral_norm_ ? spectral_norm_->sigmas() : std::vector<double>{};
}

}  // namespace srm
