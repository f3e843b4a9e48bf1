// Replay buffer of persistent chains (see replay_buffer.h).
#include "sampler/replay_buffer.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <stdexcept>

#include "sampler/initial_distribution.h"

namespace srm {

ReplayBuffer::ReplayBuffer(int64_t size, std::vector<int64_t> example_shape, const at::TensorOptions& options,
                           double reinit_prob, double init_scale, bool global_index, int64_t offset, int64_t global_batch,
                           std::function<at::Tensor(const at::Tensor&)> gather_all)
    : example_shape_(std::move(example_shape)), reinit_prob_(reinit_prob), init_scale_(init_scale),
      global_index_(global_index),
      offset_(offset), global_batch_(global_batch), gather_all_(std::move(gather_all)) {
  std::vector<int64_t> shape{size};
  shape.insert(shape.end(), example_shape_.begin(), example_shape_.end());
  states_ = at::zeros(shape, options);
  ages_ = at::zeros({size}, options.dtype(at::kLong));
}

void ReplayBuffer::initialise(NoiseStream& noise) {
  // Drawn in rows of the buffer's own generator, independent of the global slice.
  states_.uniform_(-init_scale_, init_scale_, noise.generator());
  ages_.zero_();
}

at::Tensor ReplayBuffer::draw(int64_t count, NoiseStream& noise) {
  const int64_t size = states_.size(0);
  const int64_t chains = global_index_ ? global_batch_ : count;
  if (chains > size)
    throw std::invalid_argument(fmt::format("sampler.buffer_size = {} is smaller than the {} chains of an iteration "
                                            "that draw distinct entries from it: raise it to at least {}", size,
                                            chains, chains));
  // A random permutation of the buffer by sorting uniform keys; the first `chains` entries are used.
  const at::Tensor keys = at::empty({size}, states_.options()).uniform_(0.0, 1.0, noise.generator());
  const at::Tensor order = keys.argsort();
  slots_ = order.narrow(0, 0, chains);
  const at::Tensor mine = global_index_ ? slots_.narrow(0, offset_, count) : slots_;
  const at::Tensor fresh =
      draw_initial(InitialDistribution(InitKind::Uniform, init_scale_), count, example_shape_, noise, states_.options());
  const at::Tensor restart = noise.uniform(count, {}, states_.options()).add(1.0).mul(0.5) < reinit_prob_;
  restarted_ = restart;
  std::vector<int64_t> shape(static_cast<size_t>(states_.dim()), 1);
  shape[0] = count;
  return at::where(restart.view(shape), fresh, states_.index_select(0, mine));
}

int64_t ReplayBuffer::last_restarts() const {
  return restarted_.defined() ? restarted_.sum().item<int64_t>() : 0;
}

void ReplayBuffer::write_back(const at::Tensor& finals) {
  if (!slots_.defined()) throw std::logic_error("ReplayBuffer::write_back before draw");
  at::Tensor rows = finals.detach(), restarted = restarted_;
  if (global_index_) {  // every rank writes the whole global batch into its replica
    rows = gather_all_(rows).to(states_.device());
    restarted = gather_all_(restarted_.to(states_.scalar_type())).to(states_.device()) > 0.5;
  }
  if (rows.size(0) != slots_.size(0))
    throw std::logic_error(fmt::format("ReplayBuffer::write_back: {} rows for {} entries", rows.size(0), slots_.size(0)));
  // An entry's age: the short runs its state has been through since it came from p0.
  const at::Tensor aged = at::where(restarted, at::ones_like(ages_.index_select(0, slots_)),
                                    ages_.index_select(0, slots_) + 1);
  ages_.index_copy_(0, slots_, aged);
  states_.index_copy_(0, slots_, rows.to(states_.dtype()).contiguous());
  slots_ = at::Tensor();
}

}  // namespace srm
