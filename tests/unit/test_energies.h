// Small energies with closed-form gradients, for tests that need exact expected values.
#pragma once

#include <torch/torch.h>

#include "model/conv_energy.h"
#include "model/energy_net.h"

namespace srm::test {

// Options of a small ConvEnergy: `channels` x `image_size`^2 inputs, n_f first-layer maps.
inline ConvEnergyOptions conv_options(int64_t channels, int64_t image_size, int64_t n_f) {
  ConvEnergyOptions o;
  o.channels = channels;
  o.image_size = image_size;
  o.n_f = n_f;
  return o;
}

// f(x) = w . flatten(x) + b: df/dx = w everywhere, df/dw = x, df/db = 1.
class LinearEnergy : public EnergyNet {
 public:
  explicit LinearEnergy(torch::Tensor w) {
    w_ = register_parameter("w", w);
    b_ = register_parameter("b", torch::zeros({1}));
  }
  torch::Tensor forward(const torch::Tensor& x) override { return x.flatten(1).matmul(w_) + b_; }
  torch::Tensor w_, b_;
};

// f(x) = NaN for every input: drives the divergence check.
class NanEnergy : public EnergyNet {
 public:
  NanEnergy() { a_ = register_parameter("a", torch::ones({1})); }
  torch::Tensor forward(const torch::Tensor& x) override {
    return x.flatten(1).sum(1) * a_ * std::numeric_limits<float>::quiet_NaN();
  }
  torch::Tensor a_;
};

// f(x) = -|x|^2 / (2 var): the Gaussian N(0, var I) on flat (B, d) inputs.
class IsotropicGaussian : public EnergyNet {
 public:
  explicit IsotropicGaussian(double var) : var_(var) {}
  torch::Tensor forward(const torch::Tensor& x) override { return -x.pow(2).sum(1) / (2 * var_); }
  double var_;
};

}  // namespace srm::test
