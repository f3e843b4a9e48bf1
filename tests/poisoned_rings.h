// Test data for the divergence paths: rings whose one example is NaN, so that the iteration
// whose batch holds it diverges (and a rewind past that batch recovers).
#pragma once

#include <ATen/ATen.h>

#include <cmath>

#include "data/toy_2d.h"

namespace srm::test {

class PoisonedRings : public Dataset {
 public:
  PoisonedRings(Toy2d rings, int64_t poisoned) : rings_(std::move(rings)), poisoned_(poisoned) {}
  int64_t size() const override { return rings_.size(); }
  std::vector<int64_t> example_shape() const override { return rings_.example_shape(); }
  at::Tensor load(const std::vector<int64_t>& indices) const override {
    at::Tensor batch = rings_.load(indices);
    for (size_t i = 0; i < indices.size(); ++i)
      if (indices[i] == poisoned_) batch[static_cast<int64_t>(i)].fill_(std::nan(""));
    return batch;
  }
  std::string describe() const override { return "rings with example " + std::to_string(poisoned_) + " NaN"; }

 private:
  Toy2d rings_;
  int64_t poisoned_;
};

}  // namespace srm::test
