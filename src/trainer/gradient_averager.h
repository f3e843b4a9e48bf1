// Data-parallel gradient averaging: each rank's gradient is of the mean loss over its shard of
// m_r examples; weighting it by m_r / M and summing over ranks gives the gradient of the mean
// over the global batch of M (shards may differ by one example). Gradients and the step
// statistics travel in ONE flat fp32 buffer; the statistics that are maxima (max |x-|, max |x|)
// are taken over the ranks by a second, tiny Max all-reduce, so they are the global batch's
// maxima, as one rank would see them, not a shard-weighted mean.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "comm/communicator.h"

namespace srm {

class GradientAverager {
 public:
  // weight = m_r / M for this rank; max_positions: the entries of the statistics that are maxima.
  GradientAverager(Communicator& comm, double weight, std::vector<int64_t> max_positions = {})
      : comm_(comm), weight_(weight), max_positions_(std::move(max_positions)) {}

  // In place: parameters' .grad and stats become their global-batch averages (the max_positions
  // of stats: their maxima over the ranks).
  void operator()(std::vector<at::Tensor>& parameters, at::Tensor& stats) const;

 private:
  Communicator& comm_;
  double weight_;
  std::vector<int64_t> max_positions_;
};

}  // namespace srm
