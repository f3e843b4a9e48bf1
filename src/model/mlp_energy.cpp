// MLP energy: see mlp_energy.h.
#include "model/mlp_energy.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>

#include "model/layerwise_input_gradient.h"

namespace srm {

MlpEnergy::MlpEnergy(const MlpEnergyOptions& options) {
  torch::nn::Sequential net;
  int64_t in = options.input_dim;
  for (int64_t i = 0; i < options.layers; ++i) {
    net->push_back(torch::nn::Linear(in, options.hidden));
    if (options.silu)
      net->push_back(torch::nn::SiLU());
    else
      net->push_back(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(options.leaky_slope)));
    in = options.hidden;
  }
  net->push_back(torch::nn::Linear(in, 1));
  net_ = register_module("net", net);
}

torch::Tensor MlpEnergy::forward(const torch::Tensor& x) {
  return net_->forward(x).view({x.size(0)});
}

torch::Tensor MlpEnergy::input_gradient(const torch::Tensor& x, std::optional<at::ScalarType> compute_dtype) {
  return layerwise_input_gradient(net_, x, compute_dtype);
}

}  // namespace srm
