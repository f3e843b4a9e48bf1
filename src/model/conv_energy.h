// The paper's ConvNet energy (Appendix code for 32x32), deepened for larger images:
//   conv3x3(C -> n_f), then one stride-2 4x4 conv per halving down to 4x4 spatial, each
//   doubling the channels (capped at n_f * max_channel_mult), LeakyReLU(0.2) after each,
//   then a 4x4 valid conv to one scalar. 32x32 gives the paper's n_f, 2n_f, 4n_f, 8n_f.
#pragma once

#include "model/sequential_energy.h"

namespace srm {

struct ConvEnergyOptions {
  int64_t channels = 3;
  int64_t image_size = 32;  // power of two, >= 8
  int64_t n_f = 64;
  double leaky_slope = 0.2;
  int64_t max_channel_mult = 8;
  // Weights (and the sampler's chains) in channels-last (NHWC) memory: oneDNN's and cuDNN's
  // fast layout. Changes the values only by float rounding.
  bool channels_last = true;
  bool spectral_norm = false;  // W / sigma(W) for every conv (model/spectral_norm.h)
};

// forward: (B, C, S, S) -> (B,).
class ConvEnergy : public SequentialEnergy {
 public:
  explicit ConvEnergy(const ConvEnergyOptions& options);
  at::MemoryFormat input_memory_format() const override;
  const ConvEnergyOptions& options() const { return options_; }

 private:
  ConvEnergyOptions options_;
};

}  // namespace srm
