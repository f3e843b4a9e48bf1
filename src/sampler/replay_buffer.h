// Persistent chains (sampler.init = persistent; IGEBM, JEM, Improved CD): a replay buffer of
// earlier chains' final states, initialised from uniform p0. Each iteration every chain starts at
// a buffer entry (distinct entries, drawn at random), restarts from uniform p0 instead with
// probability reinit_prob, and its final state is written back to that entry. Each entry's age
// (iterations since it last came from p0) is kept for diagnostics.
//
// Two layouts, following dist.chain_seeding:
//   per rank      every rank has a buffer of its own, drawn with its own stream;
//   global index  one buffer of `size` entries replicated on every rank: the entries are drawn by
//                 the shared keyed stream (a permutation of the buffer, chain g of the global
//                 batch takes entry perm[g]), and the global batch's final states are gathered to
//                 every rank (`gather_all`, one all-reduce of the global batch per iteration), so
//                 W ranks run the 1-rank run's chains.
// The whole state is part of the training state: checkpoints hold every rank's buffer.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

#include "sampler/noise_stream.h"

namespace srm {

class ReplayBuffer {
 public:
  // global_index: the replicated layout; gather_all(local finals) returns the global batch's
  // finals on every rank (in global order); offset: this rank's first row of the global batch.
  // init_scale: p0 is uniform on [-init_scale, init_scale] (sampler.init_scale).
  ReplayBuffer(int64_t size, std::vector<int64_t> example_shape, const at::TensorOptions& options, double reinit_prob,
               double init_scale, bool global_index = false, int64_t offset = 0, int64_t global_batch = 0,
               std::function<at::Tensor(const at::Tensor&)> gather_all = {});

  // Fills the buffer from the uniform p0 with `noise` (called once, at a run's start).
  void initialise(NoiseStream& noise);

  // The starts of `count` chains (this rank's), remembering which entries they came from.
  // Draws, in this order: the entry permutation (`size` uniform keys), `count` uniform p0
  // examples, `count` restart coins (in the global layout the global batch's, sliced).
  at::Tensor draw(int64_t count, NoiseStream& noise);
  // Writes this rank's final states back to the entries of the last draw (collective in the
  // global layout).
  void write_back(const at::Tensor& finals);

  at::Tensor& states() { return states_; }  // (size, ...example)
  at::Tensor& ages() { return ages_; }      // (size,) int64
  // Chains restarted from p0 in the last draw (a device sync: for diagnostics and tests, not
  // the training loop).
  int64_t last_restarts() const;
  bool replicated() const { return global_index_; }

 private:
  std::vector<int64_t> example_shape_;
  double reinit_prob_;
  double init_scale_;
  bool global_index_;
  int64_t offset_, global_batch_;
  std::function<at::Tensor(const at::Tensor&)> gather_all_;
  at::Tensor states_, ages_;
  at::Tensor slots_;        // entries of the last draw: this rank's (per rank) or the global batch's
  at::Tensor restarted_;    // (count,) bool: this rank's chains of the last draw that restarted from p0
};

}  // namespace srm
