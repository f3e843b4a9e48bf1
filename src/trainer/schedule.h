// Learning-rate and data-noise annealing (paper 5.1): constant until
// anneal_start * iterations, then linear to the final values at the last iteration, and the
// final values after it. A learning-rate warm-up (train.warmup = W) multiplies the annealed
// rate of update i (0-based) by min(1, (i + 1) / W).
#pragma once

#include <cstdint>

#include "config/config.h"

namespace srm {

struct Annealed {
  double lr = 0;
  double data_noise = 0;
};

// Values for the update that produces iteration `iteration` (0-based), with the anneal laid
// over `horizon` iterations (0: train.iterations). A resumed run passes the horizon it started
// with, so extending it past that horizon continues at the final values.
Annealed annealed_at(const TrainConfig& train, int64_t iteration, int64_t horizon = 0);

}  // namespace srm
