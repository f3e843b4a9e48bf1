// Stops a run whose energies or gradients became NaN or Inf, with a message saying what
// diverged, at which iteration, and what to try.
#pragma once

#include <stdexcept>

#include "trainer/iteration_metrics.h"

namespace srm {

class TrainingDiverged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void check_finite(const IterationMetrics& metrics);

}  // namespace srm
