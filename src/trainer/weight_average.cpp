// Exponential moving average of the weights (see weight_average.h).
#include "trainer/weight_average.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <stdexcept>

#include "model/spectral_norm.h"

namespace srm {

WeightAverage::WeightAverage(EnergyNet& energy, double decay) : decay_(decay) {
  const torch::NoGradGuard no_grad;
  for (const auto& item : energy.named_parameters()) {
    names_.push_back(item.key());
    targets_.push_back(item.value());
  }
  parameters_ = names_.size();
  const auto buffers = energy.named_buffers();
  for (size_t i = 0; i < parameters_; ++i) {
    const at::Tensor* u = buffers.find(names_[i] + "_u");
    const at::Tensor* v = buffers.find(names_[i] + "_v");
    if (u == nullptr || v == nullptr) continue;  // not spectrally normalised
    normalised_.push_back({i, names_.size(), names_.size() + 1});
    names_.push_back(names_[i] + "_u");
    targets_.push_back(*u);
    names_.push_back(names_[i] + "_v");
    targets_.push_back(*v);
  }
  for (const auto& t : targets_) averaged_.push_back(t.detach().clone());
}

void WeightAverage::update() {
  const torch::NoGradGuard no_grad;
  for (size_t i = 0; i < parameters_; ++i) averaged_[i].mul_(decay_).add_(targets_[i].detach(), 1.0 - decay_);
  for (const auto& n : normalised_) power_iterate(averaged_[n.weight], averaged_[n.u], averaged_[n.v], 1);
}

NamedTensors WeightAverage::to_cpu() const {
  NamedTensors out;
  for (size_t i = 0; i < averaged_.size(); ++i) out.emplace_back(names_[i], averaged_[i].to(at::kCPU, at::kFloat).clone());
  return out;
}

void WeightAverage::load(const NamedTensors& stored) {
  const torch::NoGradGuard no_grad;
  if (stored.size() != averaged_.size())
    throw std::runtime_error(fmt::format("the stored EMA weights hold {} tensors; the model's average has {} "
                                         "(parameters and spectral-norm vectors)", stored.size(), averaged_.size()));
  for (size_t i = 0; i < averaged_.size(); ++i) {
    if (stored[i].first != names_[i] || !stored[i].second.sizes().equals(averaged_[i].sizes()))
      throw std::runtime_error(fmt::format("the stored EMA tensor {} does not fit the model's {}", stored[i].first,
                                           names_[i]));
    averaged_[i].copy_(stored[i].second);
  }
}

ParametersSwappedIn::ParametersSwappedIn(const std::vector<at::Tensor>& targets, const std::vector<at::Tensor>& values)
    : targets_(targets) {
  const torch::NoGradGuard no_grad;
  for (size_t i = 0; i < targets_.size(); ++i) {
    saved_.push_back(targets_[i].detach().clone());
    targets_[i].detach().copy_(values.at(i));
  }
}

ParametersSwappedIn::~ParametersSwappedIn() {
  const torch::NoGradGuard no_grad;
  for (size_t i = 0; i < targets_.size(); ++i) targets_[i].detach().copy_(saved_[i]);
}

}  // namespace srm
