// The interface every energy network implements: f_theta(x), the negative energy, one scalar
// per example. Samplers and the trainer see only this interface.
#pragma once

#include <torch/nn/module.h>

namespace srm {

class EnergyNet : public torch::nn::Module {
 public:
  // x: (B, C, H, W) images or (B, D) points. Returns f(x): (B,).
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
};

}  // namespace srm
