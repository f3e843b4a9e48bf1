// The common body of the feed-forward energies (ConvNet, MLP): a Sequential of Linear / Conv2d /
// activation layers registered as "net", its forward pass, its layerwise input gradient, and
// optional spectral normalisation of its weights (model/spectral_norm.h). Subclasses only build
// the layers.
#pragma once

#include <torch/nn/modules/container/sequential.h>

#include <memory>
#include <vector>

#include "model/energy_net.h"
#include "model/spectral_norm.h"

namespace srm {

class SequentialEnergy : public EnergyNet {
 public:
  torch::Tensor forward(const torch::Tensor& x) override;  // (B, ...) -> (B,)
  // Layerwise (model/layerwise_input_gradient.h): no autograd graph; with spectral norm the
  // normalised weights are computed once and reused while the weights and u, v are unchanged.
  torch::Tensor input_gradient(const torch::Tensor& x,
                               std::optional<at::ScalarType> compute_dtype = std::nullopt) override;
  void update_normalisation() override;

  // sigma = u^T W v of every normalised layer (empty without spectral norm).
  std::vector<double> spectral_sigmas() const;

 protected:
  // Registers `net` as the submodule "net"; with spectral_norm, registers each weight's u, v.
  void set_network(torch::nn::Sequential net, bool spectral_norm);

 private:
  torch::nn::Sequential net_{nullptr};
  std::unique_ptr<SpectralNorm> spectral_norm_;
};

}  // namespace srm
