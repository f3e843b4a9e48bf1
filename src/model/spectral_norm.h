// Spectral normalisation (Miyato et al. 2018) of every Linear / Conv2d weight of a Sequential:
// the layer computes with W / sigma, where sigma = u^T W v estimates W's largest singular value
// (W viewed as a matrix of out x (in * kernel) entries, as PyTorch does) by power iteration.
// u and v are the layer's buffers `weight_u`, `weight_v` (PyTorch's names), saved in checkpoints
// and archive snapshots, so a loaded model has exactly the sigma it was saved with. The raw W
// stays the layer's parameter `weight` (PyTorch's `weight_orig`), the one Adam updates.
//
// Power iteration runs only when asked (once per training iteration, EnergyNet::
// update_normalisation); every other use, including the sampler's K passes and every command
// on a trained model, reads the stored u, v.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/modules/container/sequential.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace srm {

// `steps` power-iteration steps on `weight` viewed as (out, in * kernel), without autograd:
// v <- normalise(W^T u), u <- normalise(W v), in place.
void power_iterate(const at::Tensor& weight, at::Tensor& u, at::Tensor& v, int64_t steps);

class SpectralNorm {
 public:
  // Registers weight_u (out) and weight_v (in * kernel) on every Linear / Conv2d of `net`, drawn
  // from N(0, 1) with LibTorch's default generator, then runs 15 power-iteration steps (as
  // torch.nn.utils.parametrizations.spectral_norm does at registration).
  explicit SpectralNorm(torch::nn::Sequential net);

  // One power-iteration step per layer, without autograd: v <- normalise(W^T u),
  // u <- normalise(W v).
  void power_iteration(int64_t steps = 1);

  // One entry per layer of the Sequential: W / sigma for the normalised layers (differentiable
  // in W, sigma included; u and v are constants), undefined for parameter-free layers.
  std::vector<at::Tensor> normalised_weights() const;

  // The same, detached, computed once and reused until a weight, u or v changes (tracked by
  // their version counters): the sampler's K input-gradient passes.
  const std::vector<at::Tensor>& frozen_weights();

  // sigma = u^T W v of each normalised layer, in layer order (diagnostics and tests).
  std::vector<double> sigmas() const;

 private:
  // The layer's tensors, looked up once: Module::to() and loading keep their identity
  // (set_data, copy_), so the handles stay valid for the module's life.
  struct Layer {
    size_t index;  // position in the Sequential
    at::Tensor weight, u, v;
  };
  torch::nn::Sequential net_;
  std::vector<Layer> layers_;
  size_t layer_count_ = 0;
  std::vector<at::Tensor> frozen_;
  std::vector<int64_t> frozen_versions_;  // weight, u, v version per normalised layer

  std::vector<int64_t> versions() const;
};

}  // namespace srm
