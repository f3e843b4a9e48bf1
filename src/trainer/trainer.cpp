// Training loop (see trainer.h).
#include "trainer/trainer.h"

#include <fmt/format.h>
#include <torch/optim/adam.h>

#include <ATen/ATen.h>

#include <chrono>

#include "data/batch_plan.h"
#include "io/progress_line.h"
#include "trainer/divergence.h"
#include "trainer/gradient_averager.h"
#include "trainer/replica_sync.h"
#include "trainer/schedule.h"
#include "util/random.h"

namespace srm {
namespace {

IterationMetrics to_metrics(int64_t iteration, const at::Tensor& stats, const Annealed& a, double seconds) {
  const at::Tensor s = stats.to(at::kCPU, at::kDouble);
  const double* v = s.data_ptr<double>();
  IterationMetrics m;
  m.iteration = iteration;
  m.loss = v[0];
  m.energy_data = v[1];
  m.energy_samples = v[2];
  m.energy_diff = v[1] - v[2];
  m.chain_grad_norm = v[3];
  m.param_grad_norm = v[4];
  m.lr = a.lr;
  m.data_noise = a.data_noise;
  m.seconds = seconds;
  return m;
}

std::string status_text(const IterationMetrics& m) {
  return fmt::format("loss {:+.4e} | f(x+) {:+.4e} f(x-) {:+.4e} | |df/dx| {:.3e}", m.loss,
                     m.energy_data, m.energy_samples, m.chain_grad_norm);
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
}

}  // namespace

NamedTensors named_parameters_of(EnergyNet& energy) {
  NamedTensors out;
  for (const auto& item : energy.named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

Trainer::Trainer(const Config& config, const Dataset& data, std::shared_ptr<EnergyNet> energy,
                 c10::Device device, Communicator& comm, const RunOutputs* outputs, std::FILE* progress)
    : config_(config), data_(data), energy_(std::move(energy)), device_(device), comm_(comm), outputs_(outputs),
      progress_(progress) {}

TrainingSummary Trainer::run() {
  const TrainConfig& train = config_.train;
  const OutputConfig& out = config_.output;
  energy_->to(device_);
  const int rank = comm_.rank(), world = comm_.world_size();
  if (world > 1) broadcast_parameters(*energy_, comm_);
  torch::optim::Adam optimizer(energy_->parameters(), torch::optim::AdamOptions(train.lr)
                                                          .betas({train.beta1, train.beta2})
                                                          .eps(train.adam_eps));
  const LangevinSampler sampler({config_.sampler.steps, config_.sampler.step_size, config_.sampler.noise});
  BatchPlan plan(data_.size(), train.batch_size, static_cast<uint64_t>(train.seed), rank, world);
  const Shard shard = plan.shard();
  GradientHook hook;
  if (world > 1)
    hook = GradientAverager(comm_, static_cast<double>(shard.count) / static_cast<double>(plan.global_batch()));
  TrainStep step(*energy_, optimizer, sampler, parse_init_kind(config_.sampler.init), hook);
  // Chains: per-rank streams from (seed, rank), or one stream keyed to the global index.
  const bool keyed = config_.dist.chain_seeding == "global_index";
  const auto seed = static_cast<uint64_t>(train.seed);
  NoiseStream noise = keyed ? NoiseStream(make_generator(device_, derive_seed(seed, 0)), plan.global_batch(), shard.offset)
                            : NoiseStream(make_generator(device_, derive_seed(seed, static_cast<uint64_t>(rank))));

  std::unique_ptr<ProgressLine> progress;
  if (progress_) progress = std::make_unique<ProgressLine>("train", 0, train.iterations, out.log_every, progress_);
  std::vector<IterationMetrics> pending;
  TrainingSummary summary;
  const auto run_start = std::chrono::steady_clock::now();
  for (int64_t it = 0; it < train.iterations; ++it) {
    const auto start = std::chrono::steady_clock::now();
    if (timer_) {
      if (it == 1) timer_->reset();  // the first iteration warms up allocators and kernels
      timer_->start();
    }
    const Annealed a = annealed_at(train, it);
    set_learning_rate(optimizer, a.lr);
    const at::Tensor observed = data_.load(plan.indices(it)).to(device_);
    if (timer_) timer_->mark(Phase::Data);
    StepResult result = step.run(observed, a.data_noise, noise, timer_);
    const int64_t done = it + 1;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    IterationMetrics metrics = to_metrics(done, result.stats, a, seconds);
    check_finite(metrics);
    if (world > 1 && config_.dist.check_every > 0 && done % config_.dist.check_every == 0)
      check_replicas(*energy_, comm_, done);
    pending.push_back(metrics);
    const bool last = done == train.iterations;
    if (done % out.log_every == 0 || last) {
      if (outputs_) outputs_->record_metrics(pending);
      pending.clear();
    }
    if (outputs_ && (done % out.sample_every == 0 || last))
      outputs_->record_samples(done, result.samples.narrow(0, 0, std::min(out.samples_kept, result.samples.size(0))));
    if (outputs_ && (done % out.checkpoint_every == 0 || last))
      outputs_->record_checkpoint(done, named_parameters_of(*energy_));
    if (timer_) {
      timer_->mark(Phase::Io);
      timer_->count_iteration();
    }
    if (heartbeat_) heartbeat_(done);
    if (progress) progress->update(done, status_text(metrics));
    summary.last = metrics;
    if (last) summary.last_samples = result.samples.to(at::kCPU);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  for (const auto& [name, tensor] : named_parameters_of(*energy_))
    summary.final_parameters.emplace_back(name, tensor.detach().to(at::kCPU).clone());
  return summary;
}

}  // namespace srm
