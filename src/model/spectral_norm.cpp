// Spectral normalisation of a Sequential's weights (see spectral_norm.h).
#include "model/spectral_norm.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

namespace srm {
namespace {

constexpr double kEps = 1e-12;  // as torch.nn.functional.normalize

at::Tensor normalise(const at::Tensor& v) { return v / at::clamp_min(v.norm(), kEps); }

at::Tensor as_matrix(const at::Tensor& weight) { return weight.reshape({weight.size(0), -1}); }

}  // namespace

SpectralNorm::SpectralNorm(torch::nn::Sequential net) : net_(std::move(net)) {
  const auto children = net_->children();
  layer_count_ = children.size();
  const torch::NoGradGuard no_grad;
  for (size_t i = 0; i < children.size(); ++i) {
    const auto& module = children[i];
    if (!module->as<torch::nn::Linear>() && !module->as<torch::nn::Conv2d>()) continue;
    const at::Tensor weight = *module->named_parameters(false).find("weight");
    const at::Tensor matrix = as_matrix(weight);
    module->register_buffer("weight_u", normalise(at::randn({matrix.size(0)}, weight.options())));
    module->register_buffer("weight_v", normalise(at::randn({matrix.size(1)}, weight.options())));
    const auto buffers = module->named_buffers(false);
    layers_.push_back({i, weight, *buffers.find("weight_u"), *buffers.find("weight_v")});
  }
  power_iteration(15);
}

void power_iterate(const at::Tensor& weight, at::Tensor& u, at::Tensor& v, int64_t steps) {
  const torch::NoGradGuard no_grad;
  const at::Tensor matrix = as_matrix(weight.detach());
  for (int64_t s = 0; s < steps; ++s) {
    v.copy_(normalise(at::mv(matrix.t(), u)));
    u.copy_(normalise(at::mv(matrix, v)));
  }
}

void SpectralNorm::power_iteration(int64_t steps) {
  for (const auto& layer : layers_) {
    at::Tensor u = layer.u, v = layer.v;
    power_iterate(layer.weight, u, v, steps);
  }
}

std::vector<at::Tensor> SpectralNorm::normalised_weights() const {
  std::vector<at::Tensor> out(layer_count_);
  for (const auto& t : layers_) {
    const at::Tensor sigma = at::dot(t.u, at::mv(as_matrix(t.weight), t.v));
    out[t.index] = t.weight / sigma;
  }
  return out;
}

const std::vector<at::Tensor>& SpectralNorm::frozen_weights() {
  const std::vector<int64_t> now = versions();
  if (frozen_.empty() || now != frozen_versions_) {
    const torch::NoGradGuard no_grad;
    frozen_ = normalised_weights();
    // W / sigma keeps W's memory format (channels-last conv weights stay channels-last).
    frozen_versions_ = now;
  }
  return frozen_;
}

std::vector<double> SpectralNorm::sigmas() const {
  const torch::NoGradGuard no_grad;
  std::vector<double> out;
  for (const auto& t : layers_) out.push_back(at::dot(t.u, at::mv(as_matrix(t.weight), t.v)).item<double>());
  return out;
}

std::vector<int64_t> SpectralNorm::versions() const {
  std::vector<int64_t> out;
  for (const auto& t : layers_) {
    // The storage too: Module::to() swaps a tensor's data without an in-place write.
    out.push_back(static_cast<int64_t>(t.weight._version()));
    out.push_back(reinterpret_cast<int64_t>(t.weight.data_ptr()));
    out.push_back(static_cast<int64_t>(t.u._version()));
    out.push_back(static_cast<int64_t>(t.v._version()));
    out.push_back(reinterpret_cast<int64_t>(t.u.data_ptr()));
  }
  return out;
}

}  // namespace srm
