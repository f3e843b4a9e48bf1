// MLP energy for 2-D (or any flat D-dimensional) data: D -> hidden x layers -> 1, with
// LeakyReLU (as the paper's ConvNet) or SiLU (a continuous gradient field) between layers.
#pragma once

#include <torch/nn/modules/container/sequential.h>

#include "model/energy_net.h"

namespace srm {

struct MlpEnergyOptions {
  int64_t input_dim = 2;
  int64_t hidden = 128;
  int64_t layers = 3;
  bool silu = false;          // false: LeakyReLU(leaky_slope)
  double leaky_slope = 0.2;
};

class MlpEnergy : public EnergyNet {
 public:
  explicit MlpEnergy(const MlpEnergyOptions& options);
  torch::Tensor forward(const torch::Tensor& x) override;  // (B, D) -> (B,)
  // Layerwise (model/layerwise_input_gradient.h): no autograd graph.
  torch::Tensor input_gradient(const torch::Tensor& x,
                               std::optional<at::ScalarType> compute_dtype = std::nullopt) override;

 private:
  torch::nn::Sequential net_{nullptr};
};

}  // namespace srm
