// Data-parallel gradient averaging: each rank's gradient is of the mean loss over its shard of
// m_r examples; weighting it by m_r / M and summing over ranks gives the gradient of the mean
// over the global batch of M (shards may differ by one example). Gradients and the step
// statistics travel in ONE flat fp32 buffer, so an iteration costs one all-reduce.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "comm/communicator.h"

namespace srm {

class GradientAverager {
 public:
  // weight = m_r / M for this rank.
  GradientAverager(Communicator& comm, double weight) : comm_(comm), weight_(weight) {}

  // In place: parameters' .grad and stats become their global-batch averages.
  void operator()(std::vector<at::Tensor>& parameters, at::Tensor& stats) const;

 private:
  Communicator& comm_;
  double weight_;
};

}  // namespace srm
