// Training loop (see trainer.h).
#include "trainer/trainer.h"

#include <fmt/format.h>
#include <torch/optim/adam.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>

#include "data/batch_plan.h"
#include "data/batch_prefetcher.h"
#include "io/background_writer.h"
#include "io/hdf5_handle.h"
#include "io/progress_line.h"
#include "trainer/divergence.h"
#include "trainer/gradient_jump.h"
#include "trainer/gradient_averager.h"
#include "trainer/longrun_check.h"
#include "trainer/replica_sync.h"
#include "trainer/sample_gather.h"
#include "config/config_loader.h"
#include "srm_version.h"
#include "sampler/sampler_settings.h"
#include "trainer/schedule.h"
#include "trainer/training_state.h"
#include "trainer/weight_average.h"
#include "util/log.h"
#include "util/random.h"

namespace srm {
namespace {

IterationMetrics to_metrics(int64_t iteration, const double* v, double lr, double data_noise, double seconds) {
  IterationMetrics m;
  m.iteration = iteration;
  m.loss = v[kLoss];
  m.energy_data = v[kEnergyData];
  m.energy_samples = v[kEnergySamples];
  m.energy_diff = v[kEnergyData] - v[kEnergySamples];
  m.chain_grad_norm = v[kChainGradNorm];
  m.param_grad_norm = v[kParamGradNorm];
  m.lr = lr;
  m.data_noise = data_noise;
  m.seconds = seconds;
  m.samples_abs_max = v[kSamplesAbsMax];
  m.grad_clipped = v[kGradClipped];
  m.accept_rate = v[kAcceptRate];
  return m;
}

// The rewind point of train.on_divergence = rewind: this rank's whole state at the newest
// checkpoint (or the run's start), in memory.
TrainingCheckpoint capture_rewind_point(EnergyNet& energy, torch::optim::Adam& optimizer, const at::Generator& generator,
                                        const WeightAverage* ema, ReplayBuffer* buffer, int64_t iteration) {
  TrainingCheckpoint point = capture_local_state(energy, optimizer, generator, iteration);
  if (ema) point.ema = ema->to_cpu();
  if (buffer) {
    point.buffer_states = buffer->states().to(at::kCPU, at::kFloat).unsqueeze(0).clone();
    point.buffer_ages = buffer->ages().to(at::kCPU, at::kFloat).unsqueeze(0).clone();
  }
  return point;
}

std::string status_text(const IterationMetrics& m, bool metropolis) {
  return fmt::format("loss {:+.4e} | f(x+) {:+.4e} f(x-) {:+.4e} | |df/dx| {:.3e}{}", m.loss, m.energy_data,
                     m.energy_samples, m.chain_grad_norm,
                     metropolis ? fmt::format(" | accept {:.3f}", m.accept_rate) : "");
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
}

}  // namespace

NamedTensors final_state_of(EnergyNet& energy, const WeightAverage* ema) {
  NamedTensors out;
  for (const auto& [name, tensor] : named_parameters_of(energy)) out.emplace_back(name, tensor.detach().to(at::kCPU).clone());
  for (const auto& item : energy.named_buffers()) out.emplace_back(item.key(), item.value().detach().to(at::kCPU).clone());
  if (ema)
    for (const auto& [name, tensor] : ema->to_cpu()) out.emplace_back("ema/" + name, tensor);
  return out;
}

NamedTensors named_parameters_of(EnergyNet& energy) {
  NamedTensors out;
  for (const auto& item : energy.named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

Trainer::Trainer(const Config& config, const Dataset& data, std::shared_ptr<EnergyNet> energy,
                 c10::Device device, Communicator& comm, const RunOutputs* outputs, std::FILE* progress)
    : config_(config), data_(data), energy_(std::move(energy)), device_(device), comm_(comm), outputs_(outputs),
      progress_(progress) {}

int Trainer::agreed_stop_signal() {
  if (!stop_request_) return 0;
  const int local = stop_request_();
  if (comm_.world_size() == 1) return local;
  at::Tensor flag = at::tensor({static_cast<int64_t>(local)}, at::kLong).to(comm_.device());
  comm_.all_reduce(flag, ReduceOp::Max);
  return static_cast<int>(flag.item<int64_t>());
}

TrainingSummary Trainer::run() {
  const TrainConfig& train = config_.train;
  const OutputConfig& out = config_.output;
  energy_->to(device_);
  const int rank = comm_.rank(), world = comm_.world_size();
  if (world > 1) broadcast_parameters(*energy_, comm_);
  torch::optim::Adam optimizer(energy_->parameters(), torch::optim::AdamOptions(train.lr)
                                                          .betas({train.beta1, train.beta2})
                                                          .eps(train.adam_eps)
                                                          .weight_decay(train.weight_decay));
  const LangevinSampler sampler(sampler_settings(config_.sampler));
  if (rank == 0 && config_.sampler.method == "mala") {
    const double pairing = config_.sampler.noise * config_.sampler.noise / (2 * config_.sampler.step_size);
    if (pairing < 0.1 || pairing > 10)
      log_line(0, fmt::format("warning: MALA with step_size {} and noise {}: noise^2 / (2 step_size) = {:.3g}, far from "
                              "the Langevin pairing 1, so most proposals will be rejected (watch accept_rate)",
                              config_.sampler.step_size, config_.sampler.noise, pairing));
  }
  BatchPlan plan(data_.size(), train.batch_size, static_cast<uint64_t>(train.seed), rank, world);
  const Shard shard = plan.shard();
  GradientHook hook;
  if (world > 1)
    hook = GradientAverager(comm_, static_cast<double>(shard.count) / static_cast<double>(plan.global_batch()),
                            MaximaRange::between(kSamplesAbsMax, kDataAbsMax));
  TrainStep step(*energy_, optimizer, sampler, initial_distribution(config_.sampler), hook,
                 StepOptions{train.energy_l2, train.grad_clip});
  // Chains: per-rank streams from (seed, rank), or one stream keyed to the global index.
  const bool keyed = config_.dist.chain_seeding == "global_index";
  const auto seed = static_cast<uint64_t>(train.seed);
  NoiseStream noise = keyed ? NoiseStream(make_generator(device_, derive_seed(seed, 0)), plan.global_batch(), shard.offset)
                            : NoiseStream(make_generator(device_, derive_seed(seed, static_cast<uint64_t>(rank))));

  int64_t first = 0;
  // The anneal is laid over the iterations the run started with (schedule.h).
  int64_t anneal_horizon = train.iterations;
  // Automatic rewinds so far (train.on_divergence = rewind; trainer.h).
  int64_t rewinds = 0, data_skip = 0;
  double lr_scale = 1.0;
  std::unique_ptr<WeightAverage> ema;
  if (train.ema > 0) ema = std::make_unique<WeightAverage>(*energy_, train.ema);
  if (resume_) {
    restore_training_state(*resume_, *energy_, optimizer, noise.generator(), rank);
    if (world > 1) broadcast_parameters(*energy_, comm_);
    first = resume_->iteration;
    rewinds = resume_->rewinds;
    data_skip = resume_->data_skip;
    lr_scale = resume_->lr_scale;
    if (ema) {
      if (resume_->ema.empty())
        throw std::runtime_error(fmt::format("the checkpoint of iteration {} holds no EMA weights, and train.ema = {} "
                                             "needs them", first, train.ema));
      ema->load(resume_->ema);
    }
    if (resume_->anneal_horizon > 0) {
      anneal_horizon = resume_->anneal_horizon;
    } else if (!resume_->config_yaml.empty()) {  // a checkpoint older than the field: its run's length
      Config saved;
      apply_yaml(saved, resume_->config_yaml, "the checkpoint's config");
      anneal_horizon = saved.train.iterations;
    }
    if (rank == 0 && anneal_horizon != train.iterations && train.anneal_start < 1.0)
      log_line(0, fmt::format("the anneal stays laid over the run's first {} iterations (train.iterations is now {}): "
                              "past them lr and data_noise keep their final values", anneal_horizon, train.iterations));
    if (!generator_state_fits(*resume_, noise.generator())) {
      // Resumed on another device type: a CPU mt19937 state cannot continue as CUDA's Philox
      // (or back). Reseed from (seed, stream, iteration): deterministic, but a new stream.
      const uint64_t stream_seed = keyed ? derive_seed(seed, 0) : derive_seed(seed, static_cast<uint64_t>(rank));
      noise.generator().set_current_seed(derive_seed(stream_seed, static_cast<uint64_t>(first)));
      if (rank == 0)
        log_line(0, fmt::format("warning: the checkpoint's random generators are {} generators and this run is on {}: "
                                "reseeded deterministically from (train.seed, iteration {}); the continuation is not "
                                "bit-identical to an uninterrupted run", resume_->rng_device_type,
                                device_.is_cuda() ? "cuda" : "cpu", first));
    }
  }
  const std::string config_yaml = to_yaml(config_);
  // Rank 0's files are written on a background thread from CPU copies (io/background_writer.h).
  // With an HDF5 that does not serialise itself, the writer's and the loader's HDF5 calls take
  // turns through one gate (io/serialized_calls.h).
  const SerializedCalls hdf5_calls(!hdf5_library_thread_safe());
  std::unique_ptr<BackgroundWriter> writer;
  if (outputs_) writer = std::make_unique<BackgroundWriter>(&hdf5_calls);
  // sampler.init = persistent: the replay buffer, restored with the rest of the state or filled
  // from p0 at a new run's start.
  std::unique_ptr<ReplayBuffer> buffer;
  if (config_.sampler.init == "persistent") {
    // Every rank decides alike (from the config and the plan), before any collective.
    const int64_t needed = keyed ? plan.global_batch() : (plan.global_batch() + world - 1) / world;
    if (config_.sampler.buffer_size < needed)
      throw std::invalid_argument(fmt::format(
          "sampler.buffer_size = {} is smaller than the {} chains {} draws from it each iteration: raise it to at "
          "least {}", config_.sampler.buffer_size, needed, keyed ? "the global batch" : "a rank", needed));
    auto gather_all = [this, &shard, &plan](const at::Tensor& local) {
      return gather_leading_rows(comm_, local, shard.offset, plan.global_batch(), plan.global_batch());
    };
    buffer = std::make_unique<ReplayBuffer>(config_.sampler.buffer_size, data_.example_shape(),
                                            at::TensorOptions().dtype(at::kFloat).device(device_),
                                            config_.sampler.reinit_prob, config_.sampler.init_scale, keyed,
                                            shard.offset, plan.global_batch(),
                                            gather_all);
    if (resume_)
      restore_replay_buffer(*resume_, *buffer, rank);
    else
      buffer->initialise(noise);
    step.set_replay_buffer(buffer.get());
  }
  const bool rewinding = train.on_divergence == "rewind";
  // The collapse check remembers enough iterations to stay armed across a rewind (gradient_jump.h).
  GradientJumpWindows jump_windows;
  jump_windows.warmup += train.warmup;  // an lr warm-up delays the untrained energy's rise
  jump_windows.kept = jump_windows.window + jump_windows.horizon + jump_windows.long_lag +
                     std::min<int64_t>(out.checkpoint_every, 100000);
  GradientJumpCheck gradient_jump(train.divergence_grad_jump, jump_windows);
  TrainingCheckpoint rewind_point;  // rewinding: this rank's state at the newest checkpoint
  if (rewinding)
    rewind_point = capture_rewind_point(*energy_, optimizer, noise.generator(), ema.get(), buffer.get(), first);
  const auto checkpoint_at = [&](int64_t done) {
    TrainingCheckpoint c = capture_training_state(*energy_, optimizer, noise.generator(), comm_, done);
    c.anneal_horizon = anneal_horizon;
    c.config_yaml = config_yaml;
    c.version = SRM_DIST_VERSION;
    c.epoch = (done + data_skip) / plan.batches_per_epoch();
    c.batch_in_epoch = (done + data_skip) % plan.batches_per_epoch();
    c.rewinds = rewinds;
    c.lr_scale = lr_scale;
    c.data_skip = data_skip;
    if (ema && rank == 0) c.ema = ema->to_cpu();
    if (buffer) capture_replay_buffer(*buffer, comm_, c);  // collective
    if (rewinding)
      rewind_point = capture_rewind_point(*energy_, optimizer, noise.generator(), ema.get(), buffer.get(), done);
    if (writer) writer->submit([outputs = outputs_, c = std::move(c)] { outputs->record_checkpoint(c); });
  };

  // The data of the coming iterations is read on a background thread (data/batch_prefetcher.h);
  // iteration i reads the plan's batch i + data_skip (rewinds skip the batches that diverged).
  const auto prefetch_from = [&](int64_t iteration) {
    return std::make_unique<BatchPrefetcher>(
        data_, [&plan, skip = data_skip](int64_t i) { return plan.indices(i + skip); }, iteration, train.iterations,
        config_.data.prefetch, device_.is_cuda(), &hdf5_calls);
  };
  std::unique_ptr<BatchPrefetcher> batches = prefetch_from(first);
  std::vector<at::Tensor> ema_tensors;  // for the replica checksum
  // The EMA weights in the network's parameters until the returned guard goes (none without EMA).
  const auto ema_swapped_in = [&ema]() -> std::unique_ptr<ParametersSwappedIn> {
    return ema ? std::make_unique<ParametersSwappedIn>(ema->targets(), ema->tensors()) : nullptr;
  };

  std::unique_ptr<ProgressLine> progress;
  if (progress_) progress = std::make_unique<ProgressLine>("train", first, train.iterations, out.log_every, progress_);
  std::vector<IterationMetrics> pending;
  TrainingSummary summary;
  summary.first_iteration = first;
  summary.last.iteration = first;
  const auto run_start = std::chrono::steady_clock::now();
  for (int64_t it = first; it < train.iterations; ++it) {
    const auto start = std::chrono::steady_clock::now();
    if (timer_) {
      if (it == first + 1) timer_->reset();  // the first iteration warms up allocators and kernels
      timer_->start();
    }
    const Annealed a = annealed_at(train, it, anneal_horizon);
    const double lr = a.lr * lr_scale;
    set_learning_rate(optimizer, lr);
    const at::Tensor observed = batches->next().to(device_, /*non_blocking=*/device_.is_cuda());
    if (timer_) timer_->mark(Phase::Data);
    StepResult result = step.run(observed, a.data_noise, noise, timer_);
    if (ema) ema->update();
    const int64_t done = it + 1;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const at::Tensor stats = result.stats.to(at::kCPU, at::kDouble);
    IterationMetrics metrics = to_metrics(done, stats.data_ptr<double>(), lr, a.data_noise, seconds);
    // Every rank sees the same averaged statistics, so all agree on a divergence.
    std::string diverged = divergence_cause(metrics, stats.data_ptr<double>()[kDataAbsMax], train);
    if (diverged.empty()) diverged = gradient_jump.observe(done, metrics.chain_grad_norm);
    if (!diverged.empty()) {
      if (!rewinding) throw divergence_error(metrics, diverged);
      if (rewinds >= train.max_rewinds)
        throw TrainingDiverged(fmt::format("{} It had been rewound {} times already (train.max_rewinds = {}): "
                                           "stopping.", divergence_error(metrics, diverged).what(), rewinds,
                                           train.max_rewinds));
      // Back to the newest checkpoint with a smaller learning rate, past the batches since it.
      const int64_t back_to = rewind_point.iteration;
      restore_training_state(rewind_point, *energy_, optimizer, noise.generator(), 0);
      if (ema) ema->load(rewind_point.ema);
      if (buffer) restore_replay_buffer(rewind_point, *buffer, 0);
      ++rewinds;
      lr_scale *= train.rewind_lr_factor;
      data_skip += done - back_to;
      gradient_jump.forget_after(back_to);
      const RewindRow row = make_rewind_row(done, back_to, rewinds, lr_scale, data_skip, diverged);
      pending.erase(std::remove_if(pending.begin(), pending.end(),
                                   [back_to](const IterationMetrics& m) { return m.iteration > back_to; }),
                    pending.end());
      if (writer) writer->submit([outputs = outputs_, row] { outputs->record_rewind(row); });
      if (rank == 0)
        log_line(0, fmt::format("diverged at iteration {} ({}): rewound to iteration {} with the learning rate "
                                "scaled by {:g}, {} data batches skipped (rewind {} of at most {})", done, diverged,
                                back_to, lr_scale, data_skip, rewinds, train.max_rewinds));
      batches.reset();  // its thread reads ahead with the old skip
      batches = prefetch_from(back_to);
      it = back_to - 1;
      continue;
    }
    if (world > 1 && config_.dist.check_every > 0 && done % config_.dist.check_every == 0) {
      if (ema) ema_tensors = ema->tensors();
      check_replicas(*energy_, comm_, done, ema_tensors);
    }
    pending.push_back(metrics);
    summary.stop_signal = agreed_stop_signal();
    const bool last = done == train.iterations || summary.stop_signal != 0;
    const bool checkpoint = done % out.checkpoint_every == 0 || last;
    if (done % out.log_every == 0 || last || checkpoint) {
      if (writer) writer->submit([outputs = outputs_, rows = pending] { outputs->record_metrics(rows); });
      pending.clear();
    }
    if (done % out.sample_every == 0 || last) {  // collective: the kept rows come from every rank
      at::Tensor kept = gather_leading_rows(comm_, result.samples, shard.offset, plan.global_batch(), out.samples_kept);
      if (writer) writer->submit([outputs = outputs_, done, kept] { outputs->record_samples(done, kept); });
    }
    if (timer_) timer_->mark(Phase::Io);
    if (checkpoint) checkpoint_at(done);  // collective: every rank takes part
    // Collective too; skipped when the job is stopping (a preemption's grace period is short).
    if (evaluate_ && evaluate_every_ > 0 && done % evaluate_every_ == 0 && summary.stop_signal == 0) {
      auto averaged = ema_swapped_in();  // samples come from the EMA weights when the run has them
      EvaluationRecord record = evaluate_(done);
      averaged.reset();
      if (writer) writer->submit([outputs = outputs_, record = std::move(record)] { outputs->record_evaluation(record); });
    }
    // Collective too, and skipped when stopping, like the evaluation (trainer/longrun_check.h).
    if (train.longrun_every > 0 && done % train.longrun_every == 0 && summary.stop_signal == 0) {
      auto averaged = ema_swapped_in();
      const LongrunRow row = longrun_check(*energy_, config_, data_.example_shape(), observed, done, device_, comm_);
      averaged.reset();
      if (rank == 0) log_line(0, describe_longrun(row));
      if (writer) writer->submit([outputs = outputs_, row] { outputs->record_longrun(row); });
    }
    if (timer_) {
      timer_->mark(Phase::Checkpoint);
      timer_->count_iteration();
    }
    if (heartbeat_) heartbeat_(done);
    if (progress) progress->update(done, status_text(metrics, sampler.settings().correction != Correction::None));
    summary.last = metrics;
    if (last) {
      summary.last_samples = result.samples.to(at::kCPU);
      break;
    }
  }
  if (writer) {
    writer->drain();  // every file is complete before the run reports its status
    summary.writer_busy_seconds = writer->busy_seconds();
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  summary.final_parameters = final_state_of(*energy_, ema.get());
  return summary;
}

}  // namespace srm
