// One iteration of Algorithm 1 (see train_step.h).
#include "trainer/train_step.h"

#include <torch/optim/optimizer.h>

#include <ATen/ATen.h>

namespace srm {

TrainStep::TrainStep(EnergyNet& energy, torch::optim::Optimizer& optimizer, LangevinSampler sampler,
                     InitKind init, GradientHook hook)
    : energy_(energy), optimizer_(optimizer), sampler_(sampler), init_(init), hook_(std::move(hook)) {}

StepResult TrainStep::run(const at::Tensor& observed, double data_noise, NoiseStream& noise, PhaseTimer* timer) {
  const auto mark = [timer](Phase phase) {
    if (timer) timer->mark(phase);
  };
  const int64_t batch = observed.size(0);
  std::vector<int64_t> example_shape(observed.sizes().begin() + 1, observed.sizes().end());
  at::Tensor x_pos = observed;
  if (data_noise > 0) x_pos = observed + data_noise * noise.normal(batch, example_shape, observed.options());
  const at::Tensor x0 = draw_initial(init_, batch, example_shape, noise, observed.options());
  ChainResult chain = sampler_.run(energy_, x0, noise);
  mark(Phase::Sampler);

  optimizer_.zero_grad();
  // One forward pass over both batches (in the network's memory format): f(x+) then f(x-).
  const at::MemoryFormat format = energy_.input_memory_format();
  const at::Tensor f = energy_.forward(at::cat({x_pos.contiguous(format), chain.samples.contiguous(format)}));
  const at::Tensor f_pos = f.narrow(0, 0, batch).mean();
  const at::Tensor f_neg = f.narrow(0, batch, chain.samples.size(0)).mean();
  const at::Tensor loss = f_neg - f_pos;
  loss.backward();
  mark(Phase::ParamGrad);

  at::Tensor stats = at::stack({loss.detach(), f_pos.detach(), f_neg.detach(), chain.mean_grad_norm.detach()});
  std::vector<at::Tensor> parameters = energy_.parameters();
  if (hook_) hook_(parameters, stats);
  mark(Phase::AllReduce);
  at::Tensor grad_sq = at::zeros({}, observed.options());
  for (const auto& p : parameters)
    if (p.grad().defined()) grad_sq += p.grad().pow(2).sum();
  optimizer_.step();
  mark(Phase::Optimizer);
  return {chain.samples, at::cat({stats, grad_sq.sqrt().view({1})})};
}

}  // namespace srm
