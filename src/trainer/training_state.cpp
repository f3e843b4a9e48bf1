// Capture / restore of the training state (see training_state.h).
#include "trainer/training_state.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/optim/adam.h>

#include "checkpoint/checkpoint_file.h"

namespace srm {
namespace {

std::string shape_text(at::IntArrayRef sizes) {
  std::string text = "(";
  for (size_t i = 0; i < sizes.size(); ++i) text += (i ? ", " : "") + std::to_string(sizes[i]);
  return text + ")";
}

// Every rank's generator state as a (world, S) uint8 matrix, by a sum of zero-padded rows.
at::Tensor gather_generator_states(const at::Generator& generator, Communicator& comm) {
  const at::Tensor mine = generator.get_state().to(at::kCPU).contiguous();
  at::Tensor all = at::zeros({comm.world_size(), mine.numel()}, at::kFloat);
  all[comm.rank()].copy_(mine.to(at::kFloat));
  if (comm.world_size() > 1) {
    all = all.to(comm.device());
    comm.all_reduce(all, ReduceOp::Sum);  // bytes 0..255 are exact in float32
    all = all.to(at::kCPU);
  }
  return all.round().to(at::kByte);
}

// Parameters, buffers and Adam's moments as float32 CPU copies into `c`.
void copy_model_and_optimizer(EnergyNet& energy, torch::optim::Adam& optimizer, TrainingCheckpoint& c) {
  auto& state = optimizer.state();
  for (const auto& item : energy.named_parameters()) {
    const at::Tensor& p = item.value();
    c.parameters.emplace_back(item.key(), p.detach().to(at::kCPU, at::kFloat).clone());
    const auto found = state.find(p.unsafeGetTensorImpl());
    if (found == state.end()) continue;
    const auto& adam = static_cast<const torch::optim::AdamParamState&>(*found->second);
    c.adam.push_back({adam.step(), adam.exp_avg().detach().to(at::kCPU, at::kFloat).clone(),
                      adam.exp_avg_sq().detach().to(at::kCPU, at::kFloat).clone()});
  }
  if (!c.adam.empty() && c.adam.size() != c.parameters.size())
    throw CheckpointError(fmt::format("Adam holds state for {} of {} parameters; cannot checkpoint", c.adam.size(),
                                      c.parameters.size()));
  for (const auto& item : energy.named_buffers())
    c.buffers.emplace_back(item.key(), item.value().detach().to(at::kCPU, at::kFloat).clone());
}

}  // namespace

TrainingCheckpoint capture_training_state(EnergyNet& energy, torch::optim::Adam& optimizer,
                                          const at::Generator& generator, Communicator& comm, int64_t iteration) {
  TrainingCheckpoint c;
  c.iteration = iteration;
  c.world_size = comm.world_size();
  c.rng_device_type = generator.device().is_cuda() ? "cuda" : "cpu";
  c.rng_states = gather_generator_states(generator, comm);  // collective: every rank
  if (comm.rank() != 0) return c;  // only rank 0 writes: the others copy no tensors to the CPU
  copy_model_and_optimizer(energy, optimizer, c);
  return c;
}

TrainingCheckpoint capture_local_state(EnergyNet& energy, torch::optim::Adam& optimizer, const at::Generator& generator,
                                       int64_t iteration) {
  TrainingCheckpoint c;
  c.iteration = iteration;
  c.rng_device_type = generator.device().is_cuda() ? "cuda" : "cpu";
  c.rng_states = generator.get_state().to(at::kCPU).contiguous().view({1, -1}).clone();
  copy_model_and_optimizer(energy, optimizer, c);
  return c;
}

void check_model_matches(const TrainingCheckpoint& checkpoint, EnergyNet& energy, const std::string& path) {
  const auto named = energy.named_parameters();
  if (named.size() != checkpoint.parameters.size())
    throw CheckpointError(fmt::format("checkpoint \"{}\" holds {} parameter tensors; the configured model has {}",
                                      path, checkpoint.parameters.size(), named.size()));
  for (size_t i = 0; i < named.size(); ++i) {
    const auto& [name, tensor] = checkpoint.parameters[i];
    const at::Tensor& p = named[i].value();
    if (name != named[i].key() || !tensor.sizes().equals(p.sizes()))
      throw CheckpointError(fmt::format("checkpoint \"{}\" does not fit the configured model: it holds {} {}, the "
                                        "model has {} {}", path, name, shape_text(tensor.sizes()), named[i].key(),
                                        shape_text(p.sizes())));
  }
  // Buffers (spectral norm's u, v): a checkpoint without them fits a model without them only.
  const auto buffers = energy.named_buffers();
  if (buffers.size() != checkpoint.buffers.size())
    throw CheckpointError(fmt::format("checkpoint \"{}\" holds {} buffers (spectral norm's u, v); the configured model "
                                      "has {} (model.spectral_norm must match the run's)", path,
                                      checkpoint.buffers.size(), buffers.size()));
  for (const auto& [name, tensor] : checkpoint.buffers) {
    const at::Tensor* b = buffers.find(name);
    if (b == nullptr || !tensor.sizes().equals(b->sizes()))
      throw CheckpointError(fmt::format("checkpoint \"{}\" holds buffer {} {}, which the configured model does not "
                                        "have", path, name, shape_text(tensor.sizes())));
  }
}

void restore_training_state(const TrainingCheckpoint& checkpoint, EnergyNet& energy, torch::optim::Adam& optimizer,
                            at::Generator& generator, int rank) {
  const torch::NoGradGuard no_grad;
  auto named = energy.named_parameters();
  auto& state = optimizer.state();
  state.clear();
  for (size_t i = 0; i < named.size(); ++i) {
    at::Tensor p = named[i].value();
    p.detach().copy_(checkpoint.parameters[i].second);
    if (checkpoint.adam.empty()) continue;
    auto adam = std::make_unique<torch::optim::AdamParamState>();
    adam->step(checkpoint.adam[i].step);
    // In the parameter's device, dtype and memory format (channels-last), as Adam creates them.
    adam->exp_avg(at::empty_like(p).copy_(checkpoint.adam[i].exp_avg));
    adam->exp_avg_sq(at::empty_like(p).copy_(checkpoint.adam[i].exp_avg_sq));
    state[p.unsafeGetTensorImpl()] = std::move(adam);
  }
  auto buffers = energy.named_buffers();
  for (const auto& [name, tensor] : checkpoint.buffers)
    if (at::Tensor* b = buffers.find(name)) b->detach().copy_(tensor);
  if (!generator_state_fits(checkpoint, generator)) return;  // the caller reseeds (see header)
  // A fresh tensor: set_state reads from the start of the storage, ignoring a row view's offset.
  generator.set_state(checkpoint.rng_states[rank].clone());
}

void capture_replay_buffer(ReplayBuffer& buffer, Communicator& comm, TrainingCheckpoint& c) {
  const auto cpu = [](const at::Tensor& t) { return t.to(at::kCPU, at::kFloat).contiguous(); };
  if (buffer.replicated() || comm.world_size() == 1) {
    if (comm.rank() != 0) return;
    c.buffer_states = cpu(buffer.states()).unsqueeze(0);
    c.buffer_ages = cpu(buffer.ages()).unsqueeze(0);
    return;
  }
  std::vector<at::Tensor> states, ages;
  for (int r = 0; r < comm.world_size(); ++r) {  // one rank's buffer at a time: rank 0 keeps each
    at::Tensor s = buffer.states().to(comm.device(), at::kFloat).contiguous().clone();
    at::Tensor a = buffer.ages().to(comm.device(), at::kFloat).contiguous().clone();
    comm.broadcast(s, r);
    comm.broadcast(a, r);
    if (comm.rank() == 0) {
      states.push_back(cpu(s));
      ages.push_back(cpu(a));
    }
  }
  if (comm.rank() != 0) return;
  c.buffer_states = at::stack(states);
  c.buffer_ages = at::stack(ages);
}

void restore_replay_buffer(const TrainingCheckpoint& c, ReplayBuffer& buffer, int rank) {
  if (!c.buffer_states.defined())
    throw CheckpointError(fmt::format("the checkpoint of iteration {} holds no replay buffer, and sampler.init = "
                                      "persistent needs one", c.iteration));
  const int64_t row = c.buffer_states.size(0) == 1 ? 0 : rank;
  if (row >= c.buffer_states.size(0) || !c.buffer_states[row].sizes().equals(buffer.states().sizes()))
    throw CheckpointError(fmt::format("the checkpoint's replay buffer is {}, this run's is {} on rank {}",
                                      shape_text(c.buffer_states.sizes()), shape_text(buffer.states().sizes()), rank));
  const torch::NoGradGuard no_grad;
  buffer.states().copy_(c.buffer_states[row]);
  buffer.ages().copy_(c.buffer_ages[row].round());
}

bool generator_state_fits(const TrainingCheckpoint& checkpoint, const at::Generator& generator) {
  return checkpoint.rng_device_type == (generator.device().is_cuda() ? "cuda" : "cpu");
}

}  // namespace srm
