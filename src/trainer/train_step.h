// One iteration of Algorithm 1 on this process's shard:
//   x+ <- observed + sigma * N(0, I);  x- <- K Langevin steps from p0;
//   loss = mean f(x-) - mean f(x+);  backward;  (gradient hook);  Adam step.
// The statistics come back as one small device tensor so the caller syncs once.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

#include "model/energy_net.h"
#include "sampler/initial_distribution.h"
#include "sampler/langevin.h"
#include "trainer/phase_timer.h"

namespace torch::optim {
class Optimizer;
}

namespace srm {

struct StepResult {
  at::Tensor samples;  // x-, (B, ...)
  // (5,) on the device: loss, mean f(x+), mean f(x-), mean ||df/dx|| over the chain,
  // ||dloss/dtheta|| after the gradient hook.
  at::Tensor stats;
};

// Called between backward and the optimizer step with the parameters whose .grad are set and
// the local statistics (4,): loss, mean f(x+), mean f(x-), mean ||df/dx||. Data-parallel
// training averages both over the global batch here, in place.
using GradientHook = std::function<void(std::vector<at::Tensor>& parameters, at::Tensor& stats)>;

class TrainStep {
 public:
  TrainStep(EnergyNet& energy, torch::optim::Optimizer& optimizer, LangevinSampler sampler,
            InitKind init, GradientHook hook = {});

  // observed: (B, ...) on the model's device. `noise` drives data noise, p0 and Langevin.
  // `timer` (may be null) is charged the sampler, parameter-gradient, all-reduce and
  // optimizer phases.
  StepResult run(const at::Tensor& observed, double data_noise, NoiseStream& noise, PhaseTimer* timer = nullptr);

 private:
  EnergyNet& energy_;
  torch::optim::Optimizer& optimizer_;
  LangevinSampler sampler_;
  InitKind init_;
  GradientHook hook_;
};

}  // namespace srm
