// Energy network factory (see energy_factory.h).
#include "model/energy_factory.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

#include "model/conv_energy.h"
#include "model/mlp_energy.h"

namespace srm {

std::shared_ptr<EnergyNet> make_energy_net(const ModelConfig& config,
                                           const std::vector<int64_t>& example_shape) {
  const bool images = example_shape.size() == 3;
  std::string type = config.type;
  if (type == "auto") type = images ? "convnet" : "mlp";
  if (type == "convnet") {
    if (!images || example_shape[1] != example_shape[2])
      throw std::invalid_argument(fmt::format(
          "model.type = convnet needs square images (C, S, S); the data has shape ({})",
          fmt::join(example_shape, ", ")));
    ConvEnergyOptions o;
    o.channels = example_shape[0];
    o.image_size = example_shape[1];
    o.n_f = config.n_f;
    o.leaky_slope = config.leaky_slope;
    o.max_channel_mult = config.max_channel_mult;
    o.channels_last = config.channels_last;
    o.spectral_norm = config.spectral_norm;
    return std::make_shared<ConvEnergy>(o);
  }
  if (example_shape.size() != 1)
    throw std::invalid_argument(fmt::format(
        "model.type = mlp needs flat examples (D); the data has shape ({})",
        fmt::join(example_shape, ", ")));
  MlpEnergyOptions o;
  o.input_dim = example_shape[0];
  o.hidden = config.mlp_hidden;
  o.layers = config.mlp_layers;
  o.silu = config.mlp_activation == "silu";
  o.leaky_slope = config.leaky_slope;
  o.spectral_norm = config.spectral_norm;
  return std::make_shared<MlpEnergy>(o);
}

}  // namespace srm
