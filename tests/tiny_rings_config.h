// A small, fast training config on the rings for tests that run the trainer in-process: an MLP
// energy of `hidden` x `layers`, K = `steps`, `iterations` Adam steps of lr 1e-2 on a global
// batch of `batch`. Tests then set what they are about (output, annealing, seeding).
#pragma once

#include "config/config.h"

namespace srm::test {

inline Config tiny_rings_config(int64_t hidden, int64_t layers, int64_t steps, int64_t iterations, int64_t batch) {
  Config c;
  c.data.dataset = "rings";
  c.model.mlp_hidden = hidden;
  c.model.mlp_layers = layers;
  c.sampler.steps = steps;
  c.train.iterations = iterations;
  c.train.batch_size = batch;
  c.train.lr = 1e-2;
  return c;
}

}  // namespace srm::test
