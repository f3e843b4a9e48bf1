// MLP energy: see mlp_energy.h.
#include "model/mlp_energy.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>

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
  set_network(net, options.spectral_norm);
}

}  // namespace srm
