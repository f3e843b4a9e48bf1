// Learning-rate and data-noise annealing (paper 5.1): constant until
// anneal_start * iterations, then linear to the final values at the last iteration.
#pragma once

#include <cstdint>

#include "config/config.h"

namespace srm {

struct Annealed {
  double lr = 0;
  double data_noise = 0;
};

// Values for the update that produces iteration `iteration` (0-based).
Annealed annealed_at(const TrainConfig& train, int64_t iteration);

}  // namespace srm
