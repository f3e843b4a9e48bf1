// The energy network interface's default input gradient (see energy_net.h).
#include "model/energy_net.h"

#include <fmt/format.h>
#include <torch/csrc/autograd/autograd.h>

#include <stdexcept>

namespace srm {

torch::Tensor autograd_input_gradient(EnergyNet& energy, const torch::Tensor& x) {
  const torch::AutoGradMode enable_grad(true);
  const torch::Tensor leaf = x.detach().requires_grad_(true);
  const torch::Tensor f = energy.forward(leaf).sum();
  return torch::autograd::grad({f}, {leaf})[0];
}

torch::Tensor EnergyNet::input_gradient(const torch::Tensor& x, std::optional<at::ScalarType> compute_dtype) {
  if (compute_dtype && *compute_dtype != x.scalar_type())
    throw std::invalid_argument(fmt::format("this energy network computes df/dx in {} only; a reduced-precision "
                                            "sampler (sampler.precision) needs the ConvNet or MLP energy",
                                            c10::toString(x.scalar_type())));
  return autograd_input_gradient(*this, x);
}

}  // namespace srm
