// One iteration of Algorithm 1 (see train_step.h).
#include "trainer/train_step.h"

#include <torch/optim/optimizer.h>

#include <ATen/ATen.h>

#include <stdexcept>

namespace srm {

TrainStep::TrainStep(EnergyNet& energy, torch::optim::Optimizer& optimizer, LangevinSampler sampler,
                     InitialDistribution init, GradientHook hook, StepOptions options)
    : energy_(energy), optimizer_(optimizer), sampler_(sampler), init_(init), hook_(std::move(hook)),
      options_(options) {}

std::pair<at::Tensor, at::Tensor> clip_gradient_norm(const std::vector<at::Tensor>& parameters, double max_norm) {
  at::Tensor grad_sq;
  for (const auto& p : parameters) {
    if (!p.grad().defined()) continue;
    const at::Tensor sq = p.grad().pow(2).sum();
    grad_sq = grad_sq.defined() ? grad_sq + sq : sq;
  }
  if (!grad_sq.defined()) return {at::zeros({}), at::zeros({})};
  const at::Tensor norm = grad_sq.sqrt();
  if (max_norm <= 0) return {norm, at::zeros_like(norm)};
  const at::Tensor clipped = norm > max_norm;
  // max_norm / norm where clipped, else exactly 1 (NaN stays NaN: the divergence check sees it).
  const at::Tensor scale = at::where(clipped, max_norm / norm, at::ones_like(norm));
  for (const auto& p : parameters)
    if (p.grad().defined()) p.grad().mul_(scale);
  return {norm, clipped.to(norm.scalar_type())};
}

StepResult TrainStep::run(const at::Tensor& observed, double data_noise, NoiseStream& noise, PhaseTimer* timer) {
  const auto mark = [timer](Phase phase) {
    if (timer) timer->mark(phase);
  };
  energy_.update_normalisation();  // spectral norm's power iteration, once per iteration
  const int64_t batch = observed.size(0);
  std::vector<int64_t> example_shape(observed.sizes().begin() + 1, observed.sizes().end());
  at::Tensor x_pos = observed;
  if (data_noise > 0) x_pos = observed + data_noise * noise.normal(batch, example_shape, observed.options());
  // Contrastive divergence starts at the (noised) data batch, persistent chains at the buffer;
  // otherwise p0.
  if (init_.kind == InitKind::Persistent && !buffer_) throw std::logic_error("sampler.init = persistent without a buffer");
  const at::Tensor x0 = init_.kind == InitKind::Data         ? x_pos
                        : init_.kind == InitKind::Persistent ? buffer_->draw(batch, noise)
                                                             : draw_initial(init_, batch, example_shape, noise, observed.options());
  ChainResult chain = sampler_.run(energy_, x0, noise);
  if (buffer_) buffer_->write_back(chain.samples);
  mark(Phase::Sampler);

  optimizer_.zero_grad();
  // One forward pass over both batches (in the network's memory format): f(x+) then f(x-).
  const at::MemoryFormat format = energy_.input_memory_format();
  const at::Tensor f = energy_.forward(at::cat({x_pos.contiguous(format), chain.samples.contiguous(format)}));
  const at::Tensor f_pos_each = f.narrow(0, 0, batch), f_neg_each = f.narrow(0, batch, chain.samples.size(0));
  const at::Tensor f_pos = f_pos_each.mean();
  const at::Tensor f_neg = f_neg_each.mean();
  at::Tensor loss = f_neg - f_pos;
  if (options_.energy_l2 > 0)  // IGEBM's energy-magnitude penalty, mean of squares per batch
    loss = loss + options_.energy_l2 * (f_pos_each.pow(2).mean() + f_neg_each.pow(2).mean());
  loss.backward();
  mark(Phase::ParamGrad);

  at::Tensor stats = at::stack({loss.detach(), f_pos.detach(), f_neg.detach(), chain.mean_grad_norm.detach(),
                                chain.samples.abs().max().to(f.scalar_type()), observed.abs().max().to(f.scalar_type()),
                                chain.accept_rate.to(f.scalar_type())});
  std::vector<at::Tensor> parameters = energy_.parameters();
  if (hook_) hook_(parameters, stats);
  mark(Phase::AllReduce);
  const auto [norm, clipped] = clip_gradient_norm(parameters, options_.grad_clip);
  optimizer_.step();
  mark(Phase::Optimizer);
  return {chain.samples, at::cat({stats, norm.to(stats.options()).view({1}), clipped.to(stats.options()).view({1})})};
}

}  // namespace srm
