// Recognises a diverged run: non-finite statistics (always), energies whose magnitude passed
// train.divergence_energy, or short-run samples that left the data's range by a factor of
// train.divergence_samples (the chains' values, not only NaN: a run whose f(x-) reaches -7e16
// and whose samples reach +-3e7 is as dead as one with NaN). The message says what diverged,
// at which iteration, and what to try.
#pragma once

#include <stdexcept>
#include <string>

#include "config/config.h"
#include "trainer/iteration_metrics.h"

namespace srm {

class TrainingDiverged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What diverged at this iteration ("" when nothing did). data_abs_max: max |x| of the observed
// batch (before data noise), the scale max |x-| is compared with (at least 1).
std::string divergence_cause(const IterationMetrics& metrics, double data_abs_max, const TrainConfig& train);

// The error a stopping run ends with: the cause, the iteration, and what to try.
TrainingDiverged divergence_error(const IterationMetrics& metrics, const std::string& cause);

// Throws divergence_error when a statistic is NaN or infinite (the check no setting turns off).
void check_finite(const IterationMetrics& metrics);

}  // namespace srm
