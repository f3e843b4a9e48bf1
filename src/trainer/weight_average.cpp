// Exponential moving average of the weights (see weight_average.h).
#include "trainer/weight_average.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <stdexcept>

namespace srm {

WeightAverage::WeightAverage(EnergyNet& energy, double decay) : energy_(energy), decay_(decay) {
  const torch::NoGradGuard no_grad;
  for (const auto& p : energy_.parameters()) averaged_.push_back(p.detach().clone());
}

void WeightAverage::update() {
  const torch::NoGradGuard no_grad;
  const auto parameters = energy_.parameters();
  for (size_t i = 0; i < averaged_.size(); ++i) averaged_[i].mul_(decay_).add_(parameters[i].detach(), 1.0 - decay_);
}

NamedTensors WeightAverage::to_cpu() const {
  NamedTensors out;
  const auto named = energy_.named_parameters();
  for (size_t i = 0; i < averaged_.size(); ++i)
    out.emplace_back(named[i].key(), averaged_[i].to(at::kCPU, at::kFloat).clone());
  return out;
}

void WeightAverage::load(const NamedTensors& stored) {
  const torch::NoGradGuard no_grad;
  const auto named = energy_.named_parameters();
  if (stored.size() != averaged_.size())
    throw std::runtime_error(fmt::format("the stored EMA weights hold {} tensors; the model has {} parameters",
                                         stored.size(), averaged_.size()));
  for (size_t i = 0; i < averaged_.size(); ++i) {
    if (stored[i].first != named[i].key() || !stored[i].second.sizes().equals(averaged_[i].sizes()))
      throw std::runtime_error(fmt::format("the stored EMA weight {} does not fit the model's {}", stored[i].first,
                                           named[i].key()));
    averaged_[i].copy_(stored[i].second);
  }
}

ParametersSwappedIn::ParametersSwappedIn(EnergyNet& energy, const std::vector<at::Tensor>& weights)
    : parameters_(energy.parameters()) {
  const torch::NoGradGuard no_grad;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    saved_.push_back(parameters_[i].detach().clone());
    parameters_[i].detach().copy_(weights.at(i));
  }
}

ParametersSwappedIn::~ParametersSwappedIn() {
  const torch::NoGradGuard no_grad;
  for (size_t i = 0; i < parameters_.size(); ++i) parameters_[i].detach().copy_(saved_[i]);
}

}  // namespace srm
