// MLP energy for 2-D (or any flat D-dimensional) data: D -> hidden x layers -> 1, with
// LeakyReLU (as the paper's ConvNet) or SiLU (a continuous gradient field) between layers.
#pragma once

#include "model/sequential_energy.h"

namespace srm {

struct MlpEnergyOptions {
  int64_t input_dim = 2;
  int64_t hidden = 128;
  int64_t layers = 3;
  bool silu = false;          // false: LeakyReLU(leaky_slope)
  double leaky_slope = 0.2;
  bool spectral_norm = false;  // W / sigma(W) for every linear layer (model/spectral_norm.h)
};

// forward: (B, D) -> (B,).
class MlpEnergy : public SequentialEnergy {
 public:
  explicit MlpEnergy(const MlpEnergyOptions& options);
};

}  // namespace srm
