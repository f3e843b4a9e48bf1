// ConvNet energy: see conv_energy.h for the architecture.
#include "model/conv_energy.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <stdexcept>


namespace srm {

ConvEnergy::ConvEnergy(const ConvEnergyOptions& options) : options_(options) {
  const int64_t size = options.image_size;
  if (size < 8 || (size & (size - 1)) != 0)
    throw std::invalid_argument("ConvEnergy: image_size must be a power of two >= 8");
  const auto act = [&] {
    return torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(options.leaky_slope));
  };
  torch::nn::Sequential net;
  net->push_back(torch::nn::Conv2d(
      torch::nn::Conv2dOptions(options.channels, options.n_f, 3).stride(1).padding(1)));
  net->push_back(act());
  int64_t in = options.n_f;
  int64_t mult = 1;
  for (int64_t s = size; s > 4; s /= 2) {
    mult = std::min<int64_t>(mult * 2, options.max_channel_mult);
    const int64_t out = options.n_f * mult;
    net->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 4).stride(2).padding(1)));
    net->push_back(act());
    in = out;
  }
  net->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, 1, 4).stride(1).padding(0)));
  if (options.channels_last) {
    const torch::NoGradGuard no_grad;
    for (auto& p : net->parameters())
      // A copy into empty_like's channels-last strides: contiguous() would keep a one-channel
      // weight's NCHW strides (they count as channels-last too), which sends oneDNN to a slow path.
      if (p.dim() == 4) p.set_data(at::empty_like(p, at::MemoryFormat::ChannelsLast).copy_(p));
  }
  set_network(net, options.spectral_norm);
}

at::MemoryFormat ConvEnergy::input_memory_format() const {
  return options_.channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
}

}  // namespace srm
