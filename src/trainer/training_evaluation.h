// Training-time FID/KID (eval.every): at start, the reference's features (the training data or
// eval.reference, eval/reference_statistics.h, cached in <run>/eval_cache); then every
// eval.every iterations all ranks draw their share of eval.samples from the current model with
// the run's sampler and compare them. The draws come from generators of their own, seeded by
// (train.seed, iteration): training's random streams are untouched, so a run with evaluation is
// bit-identical to one without, and eval.* may change on resume.
#pragma once

#include <c10/core/Device.h>

#include <memory>
#include <vector>

#include "comm/communicator.h"
#include "config/config.h"
#include "eval/evaluation_record.h"
#include "model/energy_net.h"

namespace srm {

class TrainingEvaluation {
 public:
  // Collective: loads the extractor and the reference (computing and caching it when needed).
  TrainingEvaluation(const Config& config, std::shared_ptr<EnergyNet> energy, std::vector<int64_t> example_shape,
                     const c10::Device& device, Communicator& comm);
  ~TrainingEvaluation();

  // Collective: draws and compares; the record is complete on rank 0 (and logged there).
  EvaluationRecord evaluate(int64_t iteration);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace srm
