// One iteration of Algorithm 1 on this process's shard:
//   (spectral norm: one power-iteration step);  x+ <- observed + sigma * N(0, I);
//   x- <- K Langevin steps from p0;
//   loss = mean f(x-) - mean f(x+) [+ alpha * (mean f(x+)^2 + mean f(x-)^2)];  backward;
//   (gradient hook);  [clip the gradient's global norm];  Adam step.
// The statistics come back as one small device tensor so the caller syncs once.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <utility>
#include <vector>

#include "model/energy_net.h"
#include "sampler/initial_distribution.h"
#include "sampler/langevin.h"
#include "sampler/replay_buffer.h"
#include "trainer/phase_timer.h"

namespace torch::optim {
class Optimizer;
}

namespace srm {

// Positions in StepResult::stats.
enum StepStat : int64_t {
  kLoss, kEnergyData, kEnergySamples, kChainGradNorm, kSamplesAbsMax, kDataAbsMax, kAcceptRate,  // averaged (maxima: max)
  kParamGradNorm, kGradClipped, kStepStats
};
// The maxima among them are one contiguous range (GradientAverager reduces it with Max).
static_assert(kDataAbsMax == kSamplesAbsMax + 1, "the step statistics that are maxima must be adjacent");

struct StepResult {
  at::Tensor samples;  // x-, (B, ...)
  // (kStepStats,) on the device: loss, mean f(x+), mean f(x-), mean ||df/dx|| over the chain,
  // max |x-|, max |observed|, the sampler's acceptance rate, ||dloss/dtheta|| after the
  // gradient hook (before clipping),
  // 1 when the gradient was clipped else 0.
  at::Tensor stats;
};

// The stabilisers that act inside a step (trainer/train_step.cpp); 0 = off.
struct StepOptions {
  double energy_l2 = 0;  // alpha of alpha * (mean f(x+)^2 + mean f(x-)^2)
  double grad_clip = 0;  // max global L2 norm of the (averaged) parameter gradient
};

// Called between backward and the optimizer step with the parameters whose .grad are set and
// the local statistics (kParamGradNorm,): loss, mean f(x+), mean f(x-), mean ||df/dx||,
// max |x-|, max |observed|, acceptance rate. Data-parallel training averages both over the global batch here,
// in place (the maxima become the mean of the ranks' maxima).
using GradientHook = std::function<void(std::vector<at::Tensor>& parameters, at::Tensor& stats)>;

class TrainStep {
 public:
  TrainStep(EnergyNet& energy, torch::optim::Optimizer& optimizer, LangevinSampler sampler,
            InitialDistribution init, GradientHook hook = {}, StepOptions options = {});

  // observed: (B, ...) on the model's device. `noise` drives data noise, p0 and Langevin.
  // `timer` (may be null) is charged the sampler, parameter-gradient, all-reduce and
  // optimizer phases.
  StepResult run(const at::Tensor& observed, double data_noise, NoiseStream& noise, PhaseTimer* timer = nullptr);

  // sampler.init = persistent: chains start at, and write back to, this buffer (not owned).
  void set_replay_buffer(ReplayBuffer* buffer) { buffer_ = buffer; }

 private:
  EnergyNet& energy_;
  torch::optim::Optimizer& optimizer_;
  LangevinSampler sampler_;
  InitialDistribution init_;
  GradientHook hook_;
  StepOptions options_;
  ReplayBuffer* buffer_ = nullptr;
};

// Scales the gradients in place so that their global L2 norm is at most max_norm (by
// max_norm / norm when norm > max_norm; NaN norms pass through). Returns the norm before
// clipping and 1 or 0 for clipped, as 0-dim device tensors (no host sync).
std::pair<at::Tensor, at::Tensor> clip_gradient_norm(const std::vector<at::Tensor>& parameters, double max_norm);

}  // namespace srm
