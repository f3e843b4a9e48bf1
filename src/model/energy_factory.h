// Builds the energy network a config asks for, for data of a given example shape.
#pragma once

#include <memory>
#include <vector>

#include "config/config.h"
#include "model/energy_net.h"

namespace srm {

// example_shape: (C, H, W) for images, (D) for points.
std::shared_ptr<EnergyNet> make_energy_net(const ModelConfig& config,
                                           const std::vector<int64_t>& example_shape);

}  // namespace srm
